import { clusterPolicies } from './clusterPolicies.js';
import { clusters } from './clusters.js';
import { dbfsFiles } from './dbfsFiles.js';
import { directories } from './directories.js';
import { files } from './files.js';
import { globalInitScripts } from './globalInitScripts.js';
import { groups } from './groups.js';
import { instancePools } from './instancePools.js';
import { ipAccessLists } from './ipAccessLists.js';
import { jobs } from './jobs.js';
import { mounts } from './mounts.js';
import { KIND_NAMES, type KindName } from '../snapshot/names.js';
import { notebooks } from './notebooks.js';
import { permissionsKind } from './permissions.js';
import { repos } from './repos.js';
import { secretScopes } from './secretScopes.js';
import { servicePrincipals } from './servicePrincipals.js';
import type { KindHandler, KindRateLimit } from './types.js';
import { users } from './users.js';
import { workspaceSettings } from './workspaceSettings.js';

/** Every kind but permissions, whose targets and dependencies derive from them. */
const OBJECT_KINDS = {
  users,
  servicePrincipals,
  groups,
  clusterPolicies,
  instancePools,
  directories,
  notebooks,
  files,
  repos,
  dbfsFiles,
  globalInitScripts,
  secretScopes,
  clusters,
  jobs,
  mounts,
  ipAccessLists,
  workspaceSettings,
} satisfies Record<Exclude<KindName, 'permissions'>, KindHandler>;

/** Every artifact kind, one line each; the compiler refuses a missing one. */
export const REGISTRY: Readonly<Record<KindName, KindHandler>> = withInboundReferences({
  ...OBJECT_KINDS,
  permissions: permissionsKind(Object.values(OBJECT_KINDS)),
});

/**
 * The kinds with every `referencedFrom` row added to the referring kind: as one of its
 * references (captured by backup, remapped by failover) and as a kind it restores
 * after. The handlers themselves are not changed.
 */
export function withInboundReferences<K extends string>(kinds: Record<K, KindHandler>): Record<K, KindHandler> {
  const out = { ...kinds };
  for (const h of Object.values<KindHandler>(kinds)) {
    for (const { from, ...ref } of h.referencedFrom ?? []) {
      const referring = out[from as K];
      if (referring === undefined) throw new Error(`${h.kind}.referencedFrom names an unknown kind "${from}".`);
      out[from as K] = {
        ...referring,
        references: [...referring.references, { ...ref, kind: h.kind }],
        dependsOn: referring.dependsOn.includes(h.kind) ? referring.dependsOn : [...referring.dependsOn, h.kind],
      };
    }
  }
  return out;
}

/** The published rate limits the kinds declare, one per family. */
export const KIND_RATE_LIMITS: readonly KindRateLimit[] = [
  ...new Map(
    Object.values(REGISTRY)
      .flatMap((h) => h.rateLimits ?? [])
      .map((r) => [r.family, r]),
  ).values(),
];

export function handler(kind: KindName): KindHandler {
  return REGISTRY[kind];
}

/**
 * Kinds ordered so that every kind comes after the kinds in `edges(kind)`;
 * throws on a cycle, naming it.
 */
export function topologicalOrder(kinds: readonly KindName[], edges: (k: KindName) => readonly KindName[]): KindName[] {
  const selected = new Set(kinds);
  const order: KindName[] = [];
  const state = new Map<KindName, 'visiting' | 'done'>();
  const visit = (k: KindName, path: KindName[]): void => {
    if (state.get(k) === 'done') return;
    if (state.get(k) === 'visiting') throw new Error(`Kind dependency cycle: ${[...path, k].join(' -> ')}`);
    state.set(k, 'visiting');
    for (const d of edges(k)) if (selected.has(d) && d !== k) visit(d, [...path, k]);
    state.set(k, 'done');
    order.push(k);
  };
  for (const k of KIND_NAMES) if (selected.has(k)) visit(k, []);
  return order;
}

/** The order a failover restores kinds in. */
export function importOrder(kinds: readonly KindName[] = KIND_NAMES): KindName[] {
  return topologicalOrder(kinds, (k) => REGISTRY[k].dependsOn);
}

/** The order a backup discovers kinds in. */
export function discoveryOrder(kinds: readonly KindName[] = KIND_NAMES): KindName[] {
  return topologicalOrder(kinds, (k) => REGISTRY[k].discoveryAfter ?? []);
}
