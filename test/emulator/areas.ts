/**
 * Every API area the emulator serves, in load order: an area's fixture section may
 * refer to what earlier areas hold (group members to users, grants to every object),
 * and each area's state bootstraps in this order too. A new area is a state module
 * (state/<area>.ts, implementing AreaState), a routes module (routes/<area>.ts) and
 * one line here. See test/emulator/README.md.
 */
import { area, type Area, type SectionOf, type UnionToIntersection } from './area.js';
import { registerClusters } from './routes/clusters.js';
import { registerCommands } from './routes/commands.js';
import { registerDbfs } from './routes/dbfs.js';
import { registerGroups } from './routes/groups.js';
import { registerGlobalInitScripts } from './routes/globalInitScripts.js';
import { registerIpAccessLists } from './routes/ipAccessLists.js';
import { registerJobs } from './routes/jobs.js';
import { registerPermissions } from './routes/permissions.js';
import { registerPolicies } from './routes/policies.js';
import { registerPools } from './routes/pools.js';
import { registerRepos } from './routes/repos.js';
import { registerScim } from './routes/scim.js';
import { registerSecrets } from './routes/secrets.js';
import { registerWorkspace } from './routes/workspace.js';
import { registerWorkspaceConf } from './routes/workspaceConf.js';
import { Clusters } from './state/clusters.js';
import { Dbfs } from './state/dbfs.js';
import { CommandExecution, Runs } from './state/execution.js';
import { GlobalInitScripts } from './state/globalInitScripts.js';
import { IpAccessLists } from './state/ipAccessLists.js';
import { Jobs } from './state/jobs.js';
import { Permissions } from './state/permissions.js';
import { Policies } from './state/policies.js';
import { InstancePools } from './state/pools.js';
import { Principals } from './state/principals.js';
import { Repos } from './state/repos.js';
import { Secrets } from './state/secrets.js';
import { WorkspaceTree } from './state/tree.js';
import { WorkspaceConf } from './state/workspaceConf.js';

export const AREAS = [
  area('principals', (ws) => new Principals(ws), registerScim, registerGroups),
  area('tree', (ws) => new WorkspaceTree(ws), registerWorkspace),
  area('repos', (ws) => new Repos(ws), registerRepos),
  area('dbfs', (ws) => new Dbfs(ws), registerDbfs),
  area('policies', (ws) => new Policies(ws), registerPolicies),
  area('pools', (ws) => new InstancePools(ws), registerPools),
  area('clusters', (ws) => new Clusters(ws), registerClusters),
  area('jobs', (ws) => new Jobs(ws), registerJobs),
  area('runs', (ws) => new Runs(ws)),
  area('commands', (ws) => new CommandExecution(ws), registerCommands),
  area('secrets', (ws) => new Secrets(ws), registerSecrets),
  area('globalInitScripts', (ws) => new GlobalInitScripts(ws), registerGlobalInitScripts),
  area('workspaceConf', () => new WorkspaceConf(), registerWorkspaceConf),
  area('ipAccessLists', (ws) => new IpAccessLists(ws), registerIpAccessLists),
  // Grants last: they name objects of every other area.
  area('permissions', (ws) => new Permissions(ws), registerPermissions),
] as const satisfies readonly Area[];

type AreaList = (typeof AREAS)[number];

/** The area states as Workspace properties: `ws.jobs`, `ws.tree` … */
export type AreaStates = { readonly [A in AreaList as A['key']]: ReturnType<A['create']> };

/** Every area's fixture section, combined. */
export type AreaSections = UnionToIntersection<SectionOf<AreaList>>;
