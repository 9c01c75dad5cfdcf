import { gzipSync } from 'node:zlib';

import { DrError } from '../../shared/errors/drError.js';
import { storeFor } from '../../shared/app/services.js';
import { objectPath } from '../../shared/snapshot/names.js';
import { sha256, type SnapshotStore } from '../../shared/snapshot/store.js';
import { MANIFEST_SCHEMA, type Manifest } from '../../shared/snapshot/types.js';
import { freshStore } from '../support/storage.js';

let store: SnapshotStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ store, cleanup } = await freshStore('store'));
});
afterAll(() => cleanup());

function manifest(id: string, artifacts: Manifest['artifacts'] = []): Manifest {
  return {
    schema: MANIFEST_SCHEMA,
    version: 1,
    snapshotId: id,
    workspace: { key: 'ws', host: 'http://ws', profile: 'primary' },
    startedAt: new Date().toISOString(),
    completedAt: new Date().toISOString(),
    runNumber: 1,
    tool: { name: 'databricks-dr', version: 'test' },
    kinds: [],
    counts: {},
    artifacts,
    uncaptured: [],
    stats: { durationMs: 0, exported: 0, reused: 0, uploadedObjects: 0, uploadedBytes: 0, requests: 0, retries: 0, throttled: 0 },
  };
}

describe('content-addressed objects', () => {
  test('are stored once under their sha-256, compressed, and read back verified', async () => {
    const content = Buffer.from('# Databricks notebook source\nprint(1)\n'.repeat(50));
    const first = await store.putObject(content);
    expect(first).toEqual({ hash: sha256(content), size: content.length, created: true });
    const again = await store.putObject(content);
    expect(again.created).toBe(false);
    expect((await store.getObject(first.hash)).equals(content)).toBe(true);
    const props = await store.container.getBlobClient(objectPath(first.hash)).getProperties();
    expect(props.contentEncoding).toBe('gzip');
    expect(props.contentLength).toBeLessThan(content.length);
  });

  test('a corrupted object is detected on read', async () => {
    const content = Buffer.from('original');
    const { hash } = await store.putObject(content);
    await store.container.getBlockBlobClient(objectPath(hash)).uploadData(gzipSync(Buffer.from('tampered')));
    await expect(store.getObject(hash)).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT' });
    await expect(store.getObject('0'.repeat(64))).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT' });
  });
});

describe('manifests', () => {
  test('are written once and read back; a changed manifest is detected', async () => {
    const m = manifest('20260101T000000Z-0001');
    await store.commitManifest(m);
    await expect(store.commitManifest(m)).rejects.toBeInstanceOf(DrError);
    expect((await store.readManifest('ws', m.snapshotId)).snapshotId).toBe(m.snapshotId);
    await store.commitManifest(manifest('20260102T000000Z-0002'));
    expect((await store.listSnapshots('ws')).map((s) => s.snapshotId)).toEqual(['20260101T000000Z-0001', '20260102T000000Z-0002']);
    expect((await store.latestManifest('ws'))?.snapshotId).toBe('20260102T000000Z-0002');
    // Tamper with a manifest: its recorded hash no longer matches.
    const blob = store.container.getBlockBlobClient('workspaces/ws/snapshots/20260101T000000Z-0001.json.gz');
    const meta = (await blob.getProperties()).metadata;
    await blob.uploadData(gzipSync(Buffer.from(JSON.stringify({ ...manifest('20260101T000000Z-0001'), runNumber: 7 }))), {
      metadata: meta ?? {},
    });
    await expect(store.readManifest('ws', '20260101T000000Z-0001')).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT' });
    await expect(store.readManifest('ws', '20990101T000000Z-0000')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    await expect(store.readManifest('ws', 'latest-ish')).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('a manifest from a newer schema version is refused with a clear message', async () => {
    const m = { ...manifest('20260103T000000Z-0003'), version: 2 } as unknown as Manifest;
    await store.commitManifest(m);
    await expect(store.readManifest('ws', m.snapshotId)).rejects.toThrow(/version 2; this databricks-dr reads version 1/);
  });
});

describe('locks', () => {
  test('a second holder is refused until the first releases', async () => {
    const a = await store.acquireLock('ws-lock', 'backup');
    await expect(store.acquireLock('ws-lock', 'backup')).rejects.toMatchObject({ code: 'LOCKED' });
    await a.release();
    const b = await store.acquireLock('ws-lock', 'backup');
    await b.release();
  });
});

describe('unreachable storage', () => {
  test('fails with STORAGE_UNAVAILABLE and says what to check', async () => {
    const dead = storeFor({
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
        'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
        'BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;',
      container: 'x',
    });
    const error = await dead.ensureContainer().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((error as Error).message).toContain('The storage endpoint did not answer');
    expect((error as Error).message).not.toContain('Eby8vdM02');
  }, 60_000);
});

describe('streamed objects', () => {
  const chunks = (seed: number, count: number) =>
    async function* () {
      for (let i = 0; i < count; i++) yield Buffer.alloc(1024 * 1024, (seed + i) % 251);
    };

  test('are stored under the hash of their content and verified without being held in memory', async () => {
    const { hash, size, created } = await store.putObjectStream(chunks(1, 12));
    expect(size).toBe(12 * 1024 * 1024);
    expect(created).toBe(true);
    const whole = Buffer.concat(
      await (async () => {
        const all: Buffer[] = [];
        for await (const c of chunks(1, 12)()) all.push(c);
        return all;
      })(),
    );
    expect(hash).toBe(sha256(whole));
    expect(await store.verifyObject(hash)).toBe(size);
    expect((await store.putObjectStream(chunks(1, 12))).created).toBe(false);
  });

  test('content that changes between the two passes is refused and nothing is kept', async () => {
    let pass = 0;
    const open = () => chunks(pass++ === 0 ? 50 : 60, 3)();
    await expect(store.putObjectStream(open)).rejects.toMatchObject({ code: 'SNAPSHOT_CORRUPT' });
    const all: Buffer[] = [];
    for await (const c of chunks(50, 3)()) all.push(c);
    expect(await store.objectExists(sha256(Buffer.concat(all)))).toBe(false);
  });
});
