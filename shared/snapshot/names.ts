import { randomBytes } from 'node:crypto';

/**
 * Blob layout of the snapshot container:
 *
 *     objects/sha256/<aa>/<hash>                         content, gzip, create-only, shared
 *     workspaces/<workspace>/snapshots/<id>.json.gz      manifests (the commit points)
 *     workspaces/<workspace>/checkpoint.json.gz          progress of an unfinished backup
 *     workspaces/<workspace>/lock                        lease: one backup or failover at a time
 */
export function objectPath(hash: string): string {
  return `objects/sha256/${hash.slice(0, 2)}/${hash}`;
}

export function manifestPath(workspaceKey: string, snapshotId: string): string {
  return `workspaces/${workspaceKey}/snapshots/${snapshotId}.json.gz`;
}

export function checkpointPath(workspaceKey: string): string {
  return `workspaces/${workspaceKey}/checkpoint.json.gz`;
}

export function lockPath(workspaceKey: string): string {
  return `workspaces/${workspaceKey}/lock`;
}

/** A readable, filesystem- and blob-safe key for a workspace host. */
export function workspaceKey(host: string): string {
  const url = new URL(host);
  return `${url.hostname}${url.port === '' ? '' : `-${url.port}`}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/**
 * Sortable, unique snapshot ids with millisecond precision: 20261126T170512.123Z-3f9a.
 * An id is always later than its parent's, so "latest" never depends on the random
 * suffix, even for snapshots committed within one millisecond.
 */
export function newSnapshotId(now: Date = new Date(), after?: string): string {
  let time = now.getTime();
  if (after !== undefined) time = Math.max(time, snapshotTime(after).getTime() + 1);
  const stamp = new Date(time).toISOString().replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export const SNAPSHOT_ID = /^\d{8}T\d{6}(\.\d{3})?Z-[0-9a-f]{4}$/;

export function snapshotTime(snapshotId: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{3}))?Z/.exec(snapshotId);
  if (!m) return new Date(0);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7] ?? 0)));
}

/**
 * Every artifact kind, in dependency order: a kind only references kinds before it.
 * The names are stable: they are snapshot path segments and manifest values.
 */
export const KIND_NAMES = [
  'users',
  'servicePrincipals',
  'groups',
  'clusterPolicies',
  'instancePools',
  'directories',
  'notebooks',
  'files',
  'repos',
  'dbfsFiles',
  'globalInitScripts',
  'secretScopes',
  'clusters',
  'jobs',
  'mounts',
  'permissions',
  'ipAccessLists',
  'workspaceSettings',
] as const;

export type KindName = (typeof KIND_NAMES)[number];
