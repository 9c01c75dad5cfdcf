import type { Routes } from '../http.js';
import type { Workspace } from '../state/workspace.js';
import { registerClusters } from './clusters.js';
import { registerCommands } from './commands.js';
import { registerCompute } from './compute.js';
import { registerDbfs } from './dbfs.js';
import { registerJobs } from './jobs.js';
import { registerPermissions } from './permissions.js';
import { registerScim } from './scim.js';
import { registerSecrets } from './secrets.js';
import { registerWorkspace } from './workspace.js';
import { registerWorkspaceConf } from './workspaceConf.js';

/** Every API area the emulator serves; one file per area. */
export function registerRoutes(routes: Routes, ws: Workspace): void {
  registerWorkspace(routes, ws);
  registerClusters(routes, ws);
  registerJobs(routes, ws);
  registerDbfs(routes, ws);
  registerScim(routes, ws);
  registerPermissions(routes, ws);
  registerCompute(routes, ws);
  registerSecrets(routes, ws);
  registerWorkspaceConf(routes, ws);
  registerCommands(routes, ws);
}
