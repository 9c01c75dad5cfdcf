import { createHash } from 'node:crypto';

import { canonicalJson } from '../codec/json.js';
import { decide, differs, doc, sameJson } from './import/helpers.js';
import type { ImportContext } from './import/types.js';
import type { Ref } from '../snapshot/types.js';
import { idText, type WorkspaceObject, workspaceTree } from './discovery.js';
import type { KindName } from '../snapshot/names.js';
import type { KindHandler } from './types.js';

/** Permission object types, the kind whose objects they protect, and how that kind's entries are found. */
const TARGETS: Array<{ type: string; kind: KindName }> = [
  { type: 'directories', kind: 'directories' },
  { type: 'notebooks', kind: 'notebooks' },
  { type: 'files', kind: 'files' },
  { type: 'repos', kind: 'repos' },
  { type: 'clusters', kind: 'clusters' },
  { type: 'cluster-policies', kind: 'clusterPolicies' },
  { type: 'instance-pools', kind: 'instancePools' },
  { type: 'jobs', kind: 'jobs' },
];

/** Workspace object types, with the change token their own kind lists them with. */
const WORKSPACE_TARGETS: Record<string, { type: string; kind: KindName; token: (o: WorkspaceObject) => string }> = {
  DIRECTORY: { type: 'directories', kind: 'directories', token: (o) => idText(o.object_id) },
  NOTEBOOK: { type: 'notebooks', kind: 'notebooks', token: (o) => `${idText(o.object_id)}:${o.modified_at ?? ''}` },
  FILE: { type: 'files', kind: 'files', token: (o) => `${idText(o.object_id)}:${o.modified_at ?? ''}:${o.size ?? ''}` },
  REPO: { type: 'repos', kind: 'repos', token: (o) => idText(o.object_id) },
};

interface Target {
  type: string;
  kind: KindName;
  /** The protected object's artifact key (a path, a policy name, a cluster or job id). */
  objectKey: string;
  /** Its id in the source workspace, as the Permissions API names it. */
  objectId: string;
}

interface Acl {
  access_control_list?: Array<{
    user_name?: string;
    group_name?: string;
    service_principal_name?: string;
    all_permissions?: Array<{ permission_level: string; inherited?: boolean }>;
  }>;
}

function slice(text: string, slices: number): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) % slices;
}

/**
 * Direct grants on every protected object (inherited ones come back with their
 * parents). Principals are recorded by natural key (userName, group name,
 * application id) and objects by the key of their artifact, so a failover can apply
 * them to the new object ids. Grants are read when their object is new or changed,
 * and otherwise on a rolling basis: each object's grants at least every
 * DR_PERMISSIONS_REFRESH_RUNS runs (1 reads them all every run). A workspace has as
 * many ACLs as objects and the Permissions API reads one per request, so this is
 * what keeps an incremental run a small fraction of a full one.
 */
export const permissions: KindHandler = {
  kind: 'permissions',
  description: 'Direct grants on folders, notebooks, files, repos, clusters, policies, pools and jobs.',
  dependsOn: [
    'users',
    'groups',
    'servicePrincipals',
    'directories',
    'notebooks',
    'files',
    'repos',
    'clusters',
    'clusterPolicies',
    'instancePools',
    'jobs',
  ],

  references: [
    { path: 'acl[].user_name', kind: 'users', by: 'key' },
    { path: 'acl[].group_name', kind: 'groups', by: 'key' },
    { path: 'acl[].service_principal_name', kind: 'servicePrincipals', by: 'key' },
  ],
  extraRefs: (content): Ref[] => {
    const target = TARGETS.find((t) => t.type === content['object_type']);
    return target && typeof content['object'] === 'string'
      ? [{ kind: target.kind, value: content['object'], by: 'key', field: 'object' }]
      : [];
  },
  async *list(ctx) {
    const selected = new Set(ctx.settings.kinds);
    const root: Target = { type: 'directories', kind: 'directories', objectKey: '/', objectId: '0' };
    if (selected.has('directories'))
      yield { key: 'directories:/', sourceId: '/directories/0', meta: { object_type: 'directories', object: '/' }, data: root };
    // Workspace objects come straight from the tree walk, so their grants are read
    // while notebooks are still being exported, not after.
    const workspaceKinds = ['directories', 'notebooks', 'files', 'repos'] as const;
    if (workspaceKinds.some((k) => selected.has(k))) {
      for await (const o of workspaceTree(ctx)) {
        const target = WORKSPACE_TARGETS[o.object_type];
        if (!target || !selected.has(target.kind)) continue;
        const id = idText(o.object_id);
        yield {
          key: `${target.type}:${o.path}`,
          sourceId: `/${target.type}/${id}`,
          // The protected object's own change token: a changed notebook has its grants read again.
          changeToken: target.token(o),
          meta: { object_type: target.type, object: o.path },
          data: { type: target.type, kind: target.kind, objectKey: o.path, objectId: id } satisfies Target,
        };
      }
    }
    await ctx.after(['clusters', 'clusterPolicies', 'instancePools', 'jobs']);
    for (const t of TARGETS) {
      if ((workspaceKinds as readonly string[]).includes(t.kind)) continue;
      for (const a of ctx.captured(t.kind)) {
        const target: Target = { type: t.type, kind: t.kind, objectKey: a.key, objectId: a.sourceId };
        yield {
          key: `${t.type}:${a.key}`,
          sourceId: `/${t.type}/${a.sourceId}`,
          changeToken: a.changeToken ?? a.sourceId,
          meta: { object_type: t.type, object: a.key },
          data: target,
        };
      }
    }
  },
  reusable(ctx, item, previous) {
    if (previous.changeToken !== item.changeToken) return false;
    const k = ctx.settings.permissionsRefreshRuns;
    return slice(item.key, k) !== ctx.runNumber % k;
  },
  async export(ctx, item) {
    const target = item.data as Target;
    const acl = await ctx.client.get<Acl>(`/api/2.0/permissions/${target.type}/${target.objectId}`, undefined, { signal: ctx.signal });
    return { content: { object_type: target.type, object: target.objectKey, acl: directGrants(acl) } };
  },
  /**
   * Applied on the object's new id, found through the id map of this and earlier
   * runs. Each object's grants start as soon as that object is restored (not after
   * every object of its kind), and the direct grants are replaced with a PUT only
   * when they differ. An object that failed or is missing fails its grants, with the
   * reason.
   */
  importer: {
    perObject: ['directories', 'notebooks', 'files', 'repos', 'clusters', 'clusterPolicies', 'instancePools', 'jobs'],
    async import(ctx, artifact, content) {
      const d = doc<{ object_type: string; object: string; acl: Array<Record<string, string>> }>(content);
      const target = TARGETS.find((t) => t.type === d.object_type);
      if (!target) return { action: 'skip', note: `Unknown permission object type ${d.object_type}.` };
      const objectId = d.object_type === 'directories' && d.object === '/' ? '0' : ctx.resolveKey(target.kind, d.object, 'object');
      const path = `/api/2.0/permissions/${d.object_type}/${objectId}`;
      const wanted = sortGrants(d.acl);
      if (objectId.startsWith('(new ')) return { action: wanted.length > 0 ? 'create' : 'unchanged', targetId: objectId };
      const current = directGrants(await ctx.client.get<Acl>(path, undefined, { signal: ctx.signal }));
      if (sameJson(current, wanted)) return { action: 'unchanged', targetId: objectId };
      // Grants on an object this run created are its first grants, whatever the creator got.
      const fresh = createdHere(ctx, target.kind, d.object);
      const action = fresh
        ? 'create'
        : decide(ctx, true, false, ctx.applied('permissions', artifact.key) !== undefined || current.length === 0);
      const note = `${differs('The direct grants', [])} Wanted ${wanted.length}, found ${current.length}.`;
      if (ctx.dryRun || action === 'conflict') return { action, targetId: objectId, note };
      await ctx.client.put(
        path,
        { access_control_list: wanted.map(({ permission_level, ...principal }) => ({ ...principal, permission_level })) },
        { signal: ctx.signal },
      );
      return { action, targetId: objectId };
    },
  },
};

/** Whether this run created the object (its creator's grants are not somebody's edit). */
function createdHere(ctx: ImportContext, kind: KindName, key: string): boolean {
  return ctx.createdInRun(kind, key);
}

function sortGrants(grants: Array<Record<string, string>>): Array<Record<string, string>> {
  return [...grants].sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b)));
}

/** The grants set on the object itself (inherited ones belong to its parents), sorted. */
function directGrants(acl: Acl): Array<Record<string, string>> {
  const grants: Array<Record<string, string>> = [];
  for (const entry of acl.access_control_list ?? []) {
    const principal: Record<string, string> | undefined =
      entry.user_name !== undefined
        ? { user_name: entry.user_name }
        : entry.group_name !== undefined
          ? { group_name: entry.group_name }
          : entry.service_principal_name !== undefined
            ? { service_principal_name: entry.service_principal_name }
            : undefined;
    if (!principal) continue;
    for (const p of entry.all_permissions ?? [])
      if (p.inherited !== true) grants.push({ ...principal, permission_level: p.permission_level });
  }
  return sortGrants(grants);
}
