import { createHash } from 'node:crypto';

import { canonicalJson } from '../codec/json.js';
import { decide, differs, doc, sameJson } from './import/helpers.js';
import type { ImportContext, ImportResult } from './import/types.js';
import type { Ref } from '../snapshot/types.js';
import { idText, workspaceTree } from './discovery.js';
import type { KindName } from '../snapshot/names.js';
import type { KindHandler } from './types.js';

interface Target {
  type: string;
  kind: KindName;
  /** An object with a fixed id (authorization/tokens): grants are only added, never removed. */
  fixed?: boolean;
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
 * The permissions kind, derived from the other kinds' `permissions` declarations:
 * which object types it reads, which kinds it waits for, and how each object's key
 * becomes an id again in the target.
 *
 * Direct grants on every protected object (inherited ones come back with their
 * parents). Principals are recorded by natural key (userName, group name,
 * application id) and objects by the key of their artifact, so a failover can apply
 * them to the new object ids. Grants are read when their object is new or changed,
 * and otherwise on a rolling basis: each object's grants at least every
 * DR_PERMISSIONS_REFRESH_RUNS runs (1 reads them all every run). A workspace has as
 * many ACLs as objects and the Permissions API reads one per request, so this is
 * what keeps an incremental run a small fraction of a full one.
 */
export function permissionsKind(protectedKinds: readonly KindHandler[]): KindHandler {
  const declared = protectedKinds.flatMap((h) => (h.permissions === undefined ? [] : [{ kind: h.kind, ...h.permissions }]));
  const byObject = declared.filter((t) => t.fixed === undefined);
  const inTree = byObject.filter((t) => t.workspaceObject !== undefined);
  const afterBackup = byObject.filter((t) => t.workspaceObject === undefined);
  const byTreeType = new Map(inTree.map((t) => [t.workspaceObject?.objectType, t]));
  const byType = new Map(byObject.map((t) => [t.type, t]));
  const fixedType = new Map(declared.filter((t) => t.fixed !== undefined).map((t) => [t.type, t]));
  return {
    kind: 'permissions',
    description: `Direct grants on ${declared.map((t) => t.type).join(', ')} objects (token usage grants are only ever added).`,
    naturalKey: 'object type and the key of the object',
    dependsOn: ['users', 'groups', 'servicePrincipals', ...byObject.map((t) => t.kind)],
    references: [
      { path: 'acl[].user_name', kind: 'users', by: 'key' },
      { path: 'acl[].group_name', kind: 'groups', by: 'key' },
      { path: 'acl[].service_principal_name', kind: 'servicePrincipals', by: 'key' },
    ],
    extraRefs: (content): Ref[] => {
      const target = byType.get(String(content['object_type']));
      return target && typeof content['object'] === 'string'
        ? [{ kind: target.kind, value: content['object'], by: 'key', field: 'object' }]
        : [];
    },
    rateLimits: [
      { family: 'permissions.read', method: 'GET', pattern: /^\/api\/2\.0\/permissions\//, perSecond: 100 },
      { family: 'permissions.write', pattern: /^\/api\/2\.0\/permissions\//, perSecond: 30 },
    ],
    async *list(ctx) {
      const selected = new Set(ctx.settings.kinds);
      if (selected.has('directories') && byType.has('directories')) {
        const root: Target = { type: 'directories', kind: 'directories', objectKey: '/', objectId: '0' };
        yield { key: 'directories:/', sourceId: '/directories/0', meta: { object_type: 'directories', object: '/' }, data: root };
      }
      for (const [type, t] of fixedType) {
        if (!selected.has(t.kind)) continue;
        for (const id of t.fixed ?? []) {
          const target: Target = { type, kind: t.kind, objectKey: id, objectId: id, fixed: true };
          yield { key: `${type}:${id}`, sourceId: `/${type}/${id}`, meta: { object_type: type, object: id }, data: target };
        }
      }
      // Workspace objects come straight from the tree walk, so their grants are read
      // while notebooks are still being exported, not after.
      if (inTree.some((t) => selected.has(t.kind))) {
        for await (const o of workspaceTree(ctx)) {
          const target = byTreeType.get(o.object_type);
          if (!target || !selected.has(target.kind)) continue;
          const id = idText(o.object_id);
          yield {
            key: `${target.type}:${o.path}`,
            sourceId: `/${target.type}/${id}`,
            // The protected object's own change token: a changed notebook has its grants read again.
            changeToken: target.workspaceObject?.token(o) ?? id,
            meta: { object_type: target.type, object: o.path },
            data: { type: target.type, kind: target.kind, objectKey: o.path, objectId: id } satisfies Target,
          };
        }
      }
      await ctx.after(afterBackup.map((t) => t.kind));
      for (const t of afterBackup) {
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
     * reason. Objects with fixed ids only ever get grants added (a PATCH).
     */
    importer: {
      perObject: byObject.map((t) => t.kind),
      async import(ctx, artifact, content) {
        const d = doc<{ object_type: string; object: string; acl: Array<Record<string, string>> }>(content);
        const fixed = fixedType.get(d.object_type);
        if (fixed?.fixed?.includes(d.object) === true) return grantOnly(ctx, `/api/2.0/permissions/${d.object_type}/${d.object}`, d.acl);
        const target = byType.get(d.object_type);
        if (!target) return { action: 'skip', note: `Unknown permission object type ${d.object_type}.` };
        const objectId = d.object_type === 'directories' && d.object === '/' ? '0' : ctx.resolveKey(target.kind, d.object, 'object');
        const wanted = sortGrants(d.acl);
        if (objectId.startsWith('(new ')) return { action: wanted.length > 0 ? 'create' : 'unchanged', targetId: objectId };
        // An id from the stored id map becomes a path segment: never one that leaves it (`..`, `/`).
        if (!OBJECT_ID.test(objectId)) return { action: 'failed', note: `The target id "${objectId}" is not a Permissions API object id.` };
        const path = `/api/2.0/permissions/${d.object_type}/${objectId}`;
        const current = directGrants(await ctx.client.get<Acl>(path, undefined, { signal: ctx.signal }));
        if (sameJson(current, wanted)) return { action: 'unchanged', targetId: objectId };
        // Grants on an object this run created are its first grants, whatever the creator got.
        const fresh = createdHere(ctx, target.kind, d.object);
        const action = fresh
          ? 'create'
          : decide(ctx, true, false, ctx.applied('permissions', artifact.key) !== undefined || current.length === 0);
        const note = `${differs('The direct grants', [])} Wanted ${wanted.length}, found ${current.length}.`;
        if (ctx.dryRun || action === 'conflict') return { action, targetId: objectId, note };
        await ctx.client.put(path, { access_control_list: wanted.map(aclEntry) }, { signal: ctx.signal });
        return { action, targetId: objectId };
      },
    },
  };
}

/** Object ids the Permissions API names: numbers, hex, cluster and pool ids. */
const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A grant as the Permissions API takes it. */
function aclEntry({ permission_level, ...principal }: Record<string, string>): Record<string, string> {
  return { ...principal, permission_level: permission_level as string };
}

/**
 * Add the snapshot's grants that the target lacks, with a PATCH (which adds), and
 * never remove one: a grant that exists only in the DR workspace (the DR operators'
 * token use, say) is what lets people work there after a failover.
 */
async function grantOnly(ctx: ImportContext, path: string, acl: Array<Record<string, string>>): Promise<ImportResult> {
  const current = new Set(directGrants(await ctx.client.get<Acl>(path, undefined, { signal: ctx.signal })).map((g) => canonicalJson(g)));
  const missing = sortGrants(acl).filter((g) => !current.has(canonicalJson(g)));
  const id = path.slice(path.lastIndexOf('/') + 1);
  if (missing.length === 0) return { action: 'unchanged', targetId: id };
  const note = `${missing.length} grant(s) added; grants only the target has are kept.`;
  if (ctx.dryRun) return { action: 'update', targetId: id, note };
  await ctx.client.patch(path, { access_control_list: missing.map(aclEntry) }, { signal: ctx.signal, idempotent: true });
  return { action: 'update', targetId: id, note };
}

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
