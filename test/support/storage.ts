import { randomBytes } from 'node:crypto';

import { BlobServiceClient } from '@azure/storage-blob';

import { SnapshotStore } from '../../shared/snapshot/store.js';

/** The Azurite started by globalSetup (or by CI). */
export function testConnectionString(): string {
  const cs = process.env['DR_TEST_STORAGE_CONNECTION_STRING'];
  if (!cs) throw new Error('DR_TEST_STORAGE_CONNECTION_STRING is not set: run the tests through jest (globalSetup starts Azurite).');
  return cs;
}

/** A fresh, uniquely named container for one test, and a store on it. */
export async function freshStore(prefix = 't'): Promise<{ store: SnapshotStore; container: string; cleanup: () => Promise<void> }> {
  const container = `${prefix}-${randomBytes(6).toString('hex')}`;
  const service = BlobServiceClient.fromConnectionString(testConnectionString());
  const client = service.getContainerClient(container);
  await client.createIfNotExists();
  return { store: new SnapshotStore(client), container, cleanup: async () => void (await client.deleteIfExists()) };
}
