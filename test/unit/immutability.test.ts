/**
 * Under a version-level immutability (WORM) policy Azure refuses to delete blobs
 * younger than the retention (409 BlobImmutableDueToPolicy); Azurite has no such
 * policies, so this is checked against a container stub that refuses deletes the way
 * Azure does. Overwrites stay allowed (they make a new version).
 */
import { gunzipSync } from 'node:zlib';

import type { ContainerClient } from '@azure/storage-blob';

import { isImmutable, SnapshotStore } from '../../shared/snapshot/store.js';

function refusingContainer(): { container: ContainerClient; written: Map<string, Buffer> } {
  const written = new Map<string, Buffer>();
  const refusal = Object.assign(new Error('This operation is not permitted as the blob is immutable due to a policy.'), {
    statusCode: 409,
    code: 'BlobImmutableDueToPolicy',
  });
  const blob = (name: string) => ({
    deleteIfExists: () => Promise.reject(refusal),
    uploadData: (data: Buffer) => (written.set(name, data), Promise.resolve({})),
    downloadToBuffer: () => {
      const data = written.get(name);
      return data ? Promise.resolve(data) : Promise.reject(Object.assign(new Error('not found'), { statusCode: 404 }));
    },
  });
  const container = { containerName: 'c', getBlobClient: blob, getBlockBlobClient: blob } as unknown as ContainerClient;
  return { container, written };
}

test('a delete refused by the policy is recognised, and only that refusal', () => {
  expect(isImmutable({ statusCode: 409, code: 'BlobImmutableDueToPolicy' })).toBe(true);
  expect(isImmutable({ statusCode: 409, code: 'LeaseIdMissing' })).toBe(false);
  expect(isImmutable({ statusCode: 403, code: 'BlobImmutableDueToPolicy' })).toBe(false);
});

test('protected objects and manifests are reported as kept, not deleted and not failed', async () => {
  const store = new SnapshotStore(refusingContainer().container);
  await expect(store.deleteObject('ab'.repeat(32))).resolves.toBe(false);
  await expect(store.deleteManifest('ws', '20261126T000000.000Z-aaaa')).resolves.toBe(false);
});

test('a checkpoint that cannot be deleted is overwritten as cleared, and reads as none', async () => {
  const { container, written } = refusingContainer();
  const store = new SnapshotStore(container);
  await store.writeCheckpoint('ws', { version: 1, runId: 'r', startedAt: 'x', updatedAt: 'x', artifacts: [] });
  expect(await store.readCheckpoint('ws')).toMatchObject({ runId: 'r' });
  await store.deleteCheckpoint('ws');
  const stored = JSON.parse(gunzipSync([...written.values()][0] as Buffer).toString('utf8')) as { cleared?: boolean };
  expect(stored.cleared).toBe(true);
  expect(await store.readCheckpoint('ws')).toBeUndefined();
});
