import { DrError } from '../errors/drError.js';
import { SNAPSHOT_ID } from './names.js';
import type { SnapshotStore } from './store.js';
import type { Manifest } from './types.js';

/** A snapshot reference: "latest" (the newest; undefined means the same) or a snapshot id such as 20261126T170512.123Z-3f9a. */
export type SnapshotRef = string | undefined;

export interface ResolveOptions {
  /** The profile the workspace key comes from, named in the message when it has no snapshots. */
  profile?: string;
  signal?: AbortSignal;
}

/**
 * The one snapshot lookup: the manifest `ref` names, read and checked against its hash.
 *
 * With a workspace key, among that workspace's snapshots: "latest" is its newest, an id
 * is read as it is. Without one (the CLI without --source), across the container: an id
 * is found in whichever workspace holds it, and "latest" needs the container to hold
 * exactly one workspace.
 *
 * Throws a DrError:
 * - SNAPSHOT_NOT_FOUND: the workspace (or container) has no snapshots, or no snapshot has that id;
 * - USAGE: without a workspace key, `ref` is neither "latest" nor shaped like a snapshot id, or
 *   "latest" is ambiguous because the container holds several workspaces;
 * - SNAPSHOT_CORRUPT, STORAGE_UNAVAILABLE (and USAGE for a malformed id) from the store, unchanged.
 */
export async function resolveSnapshot(
  store: SnapshotStore,
  workspaceKey: string | undefined,
  ref: SnapshotRef,
  options: ResolveOptions = {},
): Promise<Manifest> {
  const id = ref ?? 'latest';
  if (workspaceKey !== undefined) return inWorkspace(store, workspaceKey, id, options);
  return inContainer(store, id, options.signal);
}

/**
 * Whether `ref` names a snapshot of the workspace, without reading "latest" (a listing
 * is enough to accept a request: the run reads and checks the manifest itself). An id
 * is read, as it must exist. Throws as resolveSnapshot does.
 */
export async function checkSnapshot(
  store: SnapshotStore,
  workspaceKey: string,
  ref: SnapshotRef,
  options: ResolveOptions = {},
): Promise<void> {
  const id = ref ?? 'latest';
  if (id !== 'latest') await store.readManifest(workspaceKey, id, options.signal);
  else if ((await store.listSnapshots(workspaceKey)).length === 0) throw noSnapshots(workspaceKey, options);
}

async function inWorkspace(store: SnapshotStore, key: string, id: string, options: ResolveOptions): Promise<Manifest> {
  if (id !== 'latest') return store.readManifest(key, id, options.signal);
  const manifest = await store.latestManifest(key, options.signal);
  if (manifest) return manifest;
  throw noSnapshots(key, options);
}

function noSnapshots(key: string, options: ResolveOptions): DrError {
  return new DrError(
    'SNAPSHOT_NOT_FOUND',
    options.profile === undefined
      ? `Workspace ${key} has no snapshots yet. Run a backup of it first ("databricks-dr backup").`
      : `Profile "${options.profile}" (${key}) has no snapshots yet. Run "databricks-dr backup --source ${options.profile}".`,
  );
}

async function inContainer(store: SnapshotStore, id: string, signal: AbortSignal | undefined): Promise<Manifest> {
  if (id !== 'latest' && !SNAPSHOT_ID.test(id)) {
    throw new DrError(
      'USAGE',
      `"${id}" is not a snapshot id; ids look like 20261126T170512.123Z-3f9a (see "databricks-dr snapshots list").`,
    );
  }
  const all = await store.listSnapshots();
  if (all.length === 0)
    throw new DrError(
      'SNAPSHOT_NOT_FOUND',
      `There are no snapshots in container "${store.containerName}" yet. Run "databricks-dr backup --source <profile>" first.`,
    );
  if (id === 'latest') {
    const keys = [...new Set(all.map((s) => s.workspaceKey))];
    if (keys.length !== 1)
      throw new DrError(
        'USAGE',
        `"latest" needs --source <profile> when the container holds ${keys.length === 0 ? 'no' : 'several'} workspaces.`,
      );
    const last = all.filter((s) => s.workspaceKey === keys[0]).pop();
    if (!last) throw new DrError('SNAPSHOT_NOT_FOUND', 'There are no snapshots yet.');
    return store.readManifest(last.workspaceKey, last.snapshotId, signal);
  }
  const found = all.find((s) => s.snapshotId === id);
  if (!found) {
    throw new DrError(
      'SNAPSHOT_NOT_FOUND',
      `Snapshot ${id} does not exist in container "${store.containerName}". Run "databricks-dr snapshots list" to see the snapshots.`,
    );
  }
  return store.readManifest(found.workspaceKey, id, signal);
}
