/**
 * The one snapshot lookup (shared/snapshot/resolve.ts), on real Azurite: "latest",
 * an explicit id, an unknown id and a store without snapshots, within one workspace
 * and across the container.
 */
import { checkSnapshot, resolveSnapshot } from '../../shared/snapshot/resolve.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import { MANIFEST_SCHEMA, type Manifest } from '../../shared/snapshot/types.js';
import { freshStore } from '../support/storage.js';

function manifest(key: string, id: string): Manifest {
  return {
    schema: MANIFEST_SCHEMA,
    version: 1,
    snapshotId: id,
    workspace: { key, host: `https://${key}`, profile: 'primary' },
    startedAt: new Date().toISOString(),
    completedAt: new Date().toISOString(),
    runNumber: 1,
    tool: { name: 'databricks-dr', version: 'test' },
    kinds: [],
    counts: {},
    artifacts: [],
    uncaptured: [],
    stats: { durationMs: 0, exported: 0, reused: 0, uploadedObjects: 0, uploadedBytes: 0, requests: 0, retries: 0, throttled: 0 },
  };
}

const A1 = '20260101T000000.000Z-0a01';
const A2 = '20260102T000000.000Z-0a02';
const B1 = '20260103T000000.000Z-0b01';
const UNKNOWN = '20200101T000000.000Z-abcd';

const stores: Array<() => Promise<void>> = [];
async function storeWith(...manifests: Manifest[]): Promise<SnapshotStore> {
  const { store, cleanup } = await freshStore('resolve');
  stores.push(cleanup);
  for (const m of manifests) await store.commitManifest(m);
  return store;
}
afterAll(async () => {
  for (const cleanup of stores) await cleanup();
});

describe('within one workspace', () => {
  let store: SnapshotStore;
  beforeAll(async () => {
    // Committed out of order: "latest" goes by id, not by when it was written.
    store = await storeWith(manifest('ws-a', A2), manifest('ws-a', A1), manifest('ws-b', B1));
  });

  test('"latest" (and no reference at all) is the newest snapshot of that workspace only', async () => {
    expect((await resolveSnapshot(store, 'ws-a', 'latest')).snapshotId).toBe(A2);
    expect((await resolveSnapshot(store, 'ws-a', undefined)).snapshotId).toBe(A2);
    expect((await resolveSnapshot(store, 'ws-b', 'latest')).snapshotId).toBe(B1);
  });

  test('checking a request lists for "latest" and reads an id; both refuse what is not there', async () => {
    await expect(checkSnapshot(store, 'ws-a', 'latest')).resolves.toBeUndefined();
    await expect(checkSnapshot(store, 'ws-a', A1)).resolves.toBeUndefined();
    await expect(checkSnapshot(store, 'ws-none', undefined)).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    await expect(checkSnapshot(store, 'ws-a', UNKNOWN)).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });

  test('an explicit id is read as it is', async () => {
    const m = await resolveSnapshot(store, 'ws-a', A1);
    expect([m.snapshotId, m.workspace.key]).toEqual([A1, 'ws-a']);
  });

  test('an unknown id, or one of another workspace, is SNAPSHOT_NOT_FOUND naming "snapshots list"', async () => {
    for (const [key, id] of [
      ['ws-a', UNKNOWN],
      ['ws-a', B1],
    ] as const) {
      await expect(resolveSnapshot(store, key, id)).rejects.toMatchObject({
        code: 'SNAPSHOT_NOT_FOUND',
        message: `Snapshot ${id} of ${key} does not exist in container "${store.containerName}". Run "databricks-dr snapshots list".`,
      });
    }
  });

  test('something that is not a snapshot id is USAGE', async () => {
    await expect(resolveSnapshot(store, 'ws-a', 'newest')).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('a workspace without snapshots is SNAPSHOT_NOT_FOUND naming the backup to run', async () => {
    await expect(resolveSnapshot(store, 'ws-c', 'latest', { profile: 'staging' })).rejects.toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
      message: 'Profile "staging" (ws-c) has no snapshots yet. Run "databricks-dr backup --source staging".',
    });
    await expect(resolveSnapshot(store, 'ws-c', undefined)).rejects.toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
      message: expect.stringMatching(/^Workspace ws-c has no snapshots yet\. Run a backup/),
    });
    await expect(resolveSnapshot(store, 'ws-c', A1)).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });
});

describe('across the container (no workspace key)', () => {
  test('"latest" is the newest snapshot when the container holds one workspace', async () => {
    const store = await storeWith(manifest('ws-a', A1), manifest('ws-a', A2));
    expect((await resolveSnapshot(store, undefined, 'latest')).snapshotId).toBe(A2);
    expect((await resolveSnapshot(store, undefined, undefined)).snapshotId).toBe(A2);
  });

  test('"latest" with several workspaces is USAGE asking for --source', async () => {
    const store = await storeWith(manifest('ws-a', A1), manifest('ws-b', B1));
    await expect(resolveSnapshot(store, undefined, 'latest')).rejects.toMatchObject({
      code: 'USAGE',
      message: '"latest" needs --source <profile> when the container holds several workspaces.',
    });
  });

  test('an explicit id is found in whichever workspace holds it', async () => {
    const store = await storeWith(manifest('ws-a', A1), manifest('ws-b', B1));
    const m = await resolveSnapshot(store, undefined, B1);
    expect([m.snapshotId, m.workspace.key]).toEqual([B1, 'ws-b']);
  });

  test('an unknown id is SNAPSHOT_NOT_FOUND, and a malformed one USAGE before any listing', async () => {
    const store = await storeWith(manifest('ws-a', A1));
    await expect(resolveSnapshot(store, undefined, UNKNOWN)).rejects.toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
      message:
        `Snapshot ${UNKNOWN} does not exist in container "${store.containerName}". ` +
        'Run "databricks-dr snapshots list" to see the snapshots.',
    });
    await expect(resolveSnapshot(store, undefined, 'newest')).rejects.toMatchObject({
      code: 'USAGE',
      message: '"newest" is not a snapshot id; ids look like 20261126T170512.123Z-3f9a (see "databricks-dr snapshots list").',
    });
  });

  test('an empty container is SNAPSHOT_NOT_FOUND naming the backup to run', async () => {
    const store = await storeWith();
    for (const ref of ['latest', A1]) {
      await expect(resolveSnapshot(store, undefined, ref)).rejects.toMatchObject({
        code: 'SNAPSHOT_NOT_FOUND',
        message: `There are no snapshots in container "${store.containerName}" yet. Run "databricks-dr backup --source <profile>" first.`,
      });
    }
  });
});
