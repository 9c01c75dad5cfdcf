/**
 * The queue consumers' common skeleton (shared/runs/consumer.ts), with run records in
 * memory: what becomes of a message, decided by how its part ended and by error code.
 */
import { consumeBackupMessage } from '../../shared/backup/consume.js';
import type { BackupRequest } from '../../shared/backup/request.js';
import type { Config } from '../../shared/config/config.js';
import { DatabricksApiError } from '../../shared/databricks/errors.js';
import { DrError } from '../../shared/errors/drError.js';
import { nullLogger } from '../../shared/log/logger.js';
import { type Consumer, consumeRun, MAX_PARTS, type PartOutcome, type RunRequest } from '../../shared/runs/consumer.js';
import type { RequestSender } from '../../shared/runs/queue.js';
import type { RunRecord } from '../../shared/runs/runs.js';
import type { Services } from '../../shared/runs/services.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';

/** A store that keeps blobs in a map: all that run records need. */
function memoryStore(): { store: SnapshotStore; record(runId: string): RunRecord | undefined } {
  const blobs = new Map<string, Buffer>();
  const container = {
    getBlobClient: (path: string) => ({
      downloadToBuffer: async () => {
        const bytes = blobs.get(path);
        if (!bytes) throw Object.assign(new Error('BlobNotFound'), { statusCode: 404 });
        return bytes;
      },
    }),
    getBlockBlobClient: (path: string) => ({
      uploadData: async (data: Buffer) => {
        blobs.set(path, Buffer.from(data));
      },
    }),
  };
  const store = { container, containerName: 'memory' } as unknown as SnapshotStore;
  const record = (runId: string): RunRecord | undefined => {
    const bytes = blobs.get(`runs/${runId}.json`);
    return bytes ? (JSON.parse(bytes.toString('utf8')) as RunRecord) : undefined;
  };
  return { store, record };
}

function recordingSender<T>(): RequestSender<T> & { sent: Array<{ request: T; messageId: string; delayMs?: number }> } {
  const sent: Array<{ request: T; messageId: string; delayMs?: number }> = [];
  return {
    sent,
    send: async (request, options) => {
      sent.push({ request, ...options });
    },
  };
}

const config = {
  profiles: new Map([['primary', { name: 'primary', host: 'https://adb-1.azuredatabricks.net' }]]),
  profileProblems: new Map(),
  backup: { source: 'primary', timeBudgetMs: 600_000 },
} as unknown as Config;

function servicesWith(store: SnapshotStore, client: Services['client']): Services {
  return { config, logger: nullLogger, store, client };
}

interface TestRequest extends RunRequest {
  schema: 'test';
}

/** A consumer whose part ends as `part` says. */
function testConsumer(part: () => Promise<PartOutcome>): Consumer<TestRequest> {
  return {
    what: 'test',
    parse: (body) =>
      (body as { schema?: string }).schema === 'test'
        ? { ok: true, request: body as TestRequest }
        : { ok: false, reason: 'UnsupportedSchema', description: 'not a test request' },
    describe: () => ({ type: 'backup', source: 'primary' }),
    plan: async () => ({ ok: true, record: {}, next: (continuation) => ({ schema: 'test', continuation }), run: part }),
    timeBudgetMs: 600_000,
  };
}

describe('the queue consumer', () => {
  test('an unexpected error (not a DrError) is thrown, so Service Bus redelivers the message; it is not dead-lettered', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<BackupRequest>();
    const services = servicesWith(store, () => {
      throw new TypeError("Cannot read properties of undefined (reading 'host')");
    });
    const body = { schema: 'databricks-dr/backup-request', version: 1, reason: 'before the upgrade' };
    await expect(consumeBackupMessage(services, { body, messageId: 'bk-1' }, sender)).rejects.toThrow(TypeError);
    expect(sender.sent).toEqual([]);
    // The record says why, in case this was the last delivery.
    expect(record('bk-1')).toMatchObject({
      runId: 'bk-1',
      type: 'backup',
      status: 'failed',
      reason: 'before the upgrade',
      errorCode: 'UNEXPECTED',
      error: "Cannot read properties of undefined (reading 'host')",
    });
  });

  test('a message that can never succeed is dead-lettered with its reason, and the record says so', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<BackupRequest>();
    const services = servicesWith(store, () => {
      throw new Error('no client for a rejected message');
    });
    const body = { schema: 'databricks-dr/backup-request', version: 1, source: 'tertiary' };
    await expect(consumeBackupMessage(services, { body, messageId: 'bk-2' }, sender)).resolves.toMatchObject({
      action: 'deadLetter',
      reason: 'UnknownSource',
    });
    expect(record('bk-2')).toMatchObject({ status: 'rejected', errorCode: 'UnknownSource', error: expect.stringContaining('tertiary') });
    await expect(consumeBackupMessage(services, { body: 'not json', messageId: 'bk-3' }, sender)).resolves.toMatchObject({
      action: 'deadLetter',
      reason: 'MalformedJson',
    });
    expect(sender.sent).toEqual([]);
  });

  test('a part thrown out by a transient error follows up after 1, 2, 4, 8 and 16 minutes, then the run is failed', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<TestRequest>();
    const services = servicesWith(store, () => {
      throw new Error('unused');
    });
    const consumer = testConsumer(async () => {
      throw new DatabricksApiError(503, 'TEMPORARILY_UNAVAILABLE', 'busy', 'GET', '/api/2.0/workspace/list');
    });
    let body: TestRequest = { schema: 'test', runId: 'r-1' };
    for (let i = 0; i < 5; i++) {
      await expect(consumeRun(services, consumer, { body }, sender)).resolves.toEqual({
        action: 'complete',
        runId: 'r-1',
        status: 'continuing',
        followUp: true,
      });
      expect(record('r-1')).toMatchObject({ status: 'continuing', errorCode: 'DATABRICKS_API/unavailable', part: i + 1 });
      body = sender.sent.at(-1)?.request as TestRequest;
    }
    expect(sender.sent.map((s) => s.delayMs)).toEqual([60_000, 120_000, 240_000, 480_000, 960_000]);
    expect(sender.sent.map((s) => s.messageId)).toEqual(['r-1:part-2', 'r-1:part-3', 'r-1:part-4', 'r-1:part-5', 'r-1:part-6']);
    expect(body).toMatchObject({ runId: 'r-1', continuation: { part: 5, retries: 5 } });
    await expect(consumeRun(services, consumer, { body }, sender)).resolves.toMatchObject({ action: 'complete', status: 'failed' });
    expect(record('r-1')?.error).toMatch(/busy Gave up after 5 tries\.$/);
    expect(sender.sent).toHaveLength(5);
  });

  test('a part that found the lock held looks again in a minute; a part stopped by its time budget continues at once', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<TestRequest>();
    const services = servicesWith(store, () => {
      throw new Error('unused');
    });
    const locked = testConsumer(async () => {
      throw new DrError('LOCKED', 'Another backup of x is running.', { retryable: true });
    });
    await expect(consumeRun(services, locked, { body: { schema: 'test' }, messageId: 'r-2' }, sender)).resolves.toMatchObject({
      status: 'continuing',
      followUp: true,
    });
    expect(sender.sent[0]).toMatchObject({ delayMs: 60_000, request: { runId: 'r-2', continuation: { part: 1, retries: 1 } } });
    expect(record('r-2')).toMatchObject({ errorCode: 'LOCKED', error: 'Another backup of x is running. Trying again in a minute.' });

    const partial = testConsumer(async () => ({ status: 'continue', record: { error: 'The time budget ran out.', errorCode: 'ABORTED' } }));
    await expect(consumeRun(services, partial, { body: { schema: 'test', runId: 'r-3' } }, sender)).resolves.toMatchObject({
      status: 'continuing',
      followUp: true,
    });
    expect(sender.sent[1]).toMatchObject({ messageId: 'r-3:part-2', request: { runId: 'r-3', continuation: { part: 1, retries: 0 } } });
    expect(sender.sent[1]?.delayMs).toBeUndefined();
  });

  test('a run that needs more than MAX_PARTS parts is failed, saying what to do, instead of looping', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<TestRequest>();
    const services = servicesWith(store, () => {
      throw new Error('unused');
    });
    const partial = testConsumer(async () => ({ status: 'continue', record: {} }));
    const body: TestRequest = {
      schema: 'test',
      runId: 'r-9',
      continuation: { part: MAX_PARTS - 1, firstStartedAt: '2026-12-06T00:00:00.000Z', retries: 0 },
    } as TestRequest;
    await expect(consumeRun(services, partial, { body }, sender)).resolves.toMatchObject({ status: 'failed' });
    expect(record('r-9')).toMatchObject({ part: MAX_PARTS, errorCode: 'ABORTED' });
    expect(record('r-9')?.error).toMatch(/did not finish in 200 parts; raise its time budget/);
    expect(sender.sent).toEqual([]);
  });

  test('a part stopped by an error it recorded is failed by its code, without a redelivery; a finished part keeps its fields', async () => {
    const { store, record } = memoryStore();
    const sender = recordingSender<TestRequest>();
    const services = servicesWith(store, () => {
      throw new Error('unused');
    });
    const refused = testConsumer(async () => ({
      status: 'stopped',
      error: { code: 'DATABRICKS_API/unauthenticated', message: 'Invalid access token' },
      record: { report: 'workspaces/dr/failover/runs/r-4.json.gz' },
    }));
    await expect(consumeRun(services, refused, { body: { schema: 'test', runId: 'r-4' } }, sender)).resolves.toEqual({
      action: 'complete',
      runId: 'r-4',
      status: 'failed',
    });
    expect(record('r-4')).toMatchObject({ status: 'failed', errorCode: 'DATABRICKS_API/unauthenticated', report: expect.any(String) });

    const fine = testConsumer(async () => ({ status: 'finished', record: { status: 'succeeded', counts: { create: 3 } } }));
    await expect(consumeRun(services, fine, { body: { schema: 'test', runId: 'r-4' } }, sender)).resolves.toMatchObject({
      status: 'succeeded',
    });
    // What the earlier attempt left (its error) goes; what the record says about the request stays.
    const last = record('r-4');
    expect(last).toMatchObject({ status: 'succeeded', counts: { create: 3 }, report: expect.any(String) });
    expect(last?.error).toBeUndefined();
    expect(last?.errorCode).toBeUndefined();
    expect(sender.sent).toEqual([]);
  });
});
