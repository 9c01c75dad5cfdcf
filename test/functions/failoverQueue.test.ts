/**
 * The failover queue function, consuming real messages: the real @azure/service-bus
 * SDK talks to the test broker, and `deliver` plays the Functions host (peek-lock
 * receive, call the handler with the trigger metadata, complete on success, abandon
 * on a throw, which redelivers with a rising delivery count).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServiceBusClient } from '@azure/service-bus';

import { readReport } from '../../shared/failover/failover.js';
import { readRun } from '../../shared/runs/runs.js';
import { workspaceKey } from '../../shared/snapshot/names.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { startServiceBusBroker, type ServiceBusBroker } from '../broker/broker.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { backupOnce } from '../support/backupHarness.js';
import { fakeEntraToken } from '../support/entra.js';
import { SECONDARY_ADMIN } from '../support/failoverHarness.js';
import { deliver, type Delivery } from '../support/functionsHost.js';
import { freePort } from '../support/spawn.js';
import { freshStore, testConnectionString } from '../support/storage.js';

const { failoverQueue, failoverQueueOptions } = await import('../../functions/failoverQueue.js');
const { resetServices } = await import('../../functions/_services.js');

const QUEUE = 'dr-failover-test';
const saved = { ...process.env };
const emptyConfig = join(mkdtempSync(join(tmpdir(), 'dr-')), 'databrickscfg');
writeFileSync(emptyConfig, '');

let broker: ServiceBusBroker;
let client: ServiceBusClient;
let primary: EmulatorHandle;
let store: SnapshotStore;
let container: string;
let cleanup: () => Promise<void>;
let manifest: Manifest;

beforeAll(async () => {
  broker = await startServiceBusBroker({ queues: { [QUEUE]: { maxDeliveryCount: 3, lockDurationMs: 30_000 } } });
  client = new ServiceBusClient(broker.connectionString);
  primary = await startEmulator({
    fixture: generateSampleWorkspace({ seed: 4, ...SAMPLE_SIZES.tiny }),
    seed: 4,
    clusterStartMs: 20,
    clusterStopMs: 10,
    runDurationMs: 20,
  });
  ({ store, container, cleanup } = await freshStore('fn-failover'));
  manifest = (await backupOnce(primary.url, store)).manifest;
});
afterAll(async () => {
  process.env = saved;
  await resetServices();
  await client.close();
  await broker.stop();
  await primary.stop();
  await cleanup();
});

async function useEnv(secondaryUrl: string, extra: Record<string, string> = {}): Promise<void> {
  process.env = {
    ...saved,
    DATABRICKS_CONFIG_FILE: emptyConfig,
    DR_WORKSPACE_PRIMARY_HOST: primary.url,
    DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-primary',
    DR_WORKSPACE_SECONDARY_HOST: secondaryUrl,
    DR_WORKSPACE_SECONDARY_AUTH: 'pat',
    DR_WORKSPACE_SECONDARY_TOKEN: fakeEntraToken(SECONDARY_ADMIN),
    DR_STORAGE_CONNECTION_STRING: testConnectionString(),
    DR_CONTAINER: container,
    DR_SERVICEBUS: broker.connectionString,
    DR_FAILOVER_QUEUE: QUEUE,
    ...extra,
  };
  await resetServices();
}

async function send(body: unknown, messageId: string, contentType = 'application/json'): Promise<void> {
  const sender = client.createSender(QUEUE);
  await sender.sendMessages({ body, messageId, contentType });
  await sender.close();
}

/** Play the Functions host for one message: deliver it, then settle as the host would. */
const deliverNext = (): Promise<Delivery> => deliver(client, QUEUE, failoverQueue, { functionName: 'failoverQueue' });

const writesTo = (e: EmulatorHandle): number =>
  Object.entries(e.stats.snapshot().endpoints)
    .filter(([route]) => !route.startsWith('GET '))
    .reduce((n, [, s]) => n + s.count, 0);

const request = (extra: Record<string, unknown> = {}) => ({ schema: 'databricks-dr/failover-request', version: 1, ...extra });

test('registers on the queue named by DR_FAILOVER_QUEUE, through the DR_SERVICEBUS connection', () => {
  expect(failoverQueueOptions).toEqual({ connection: 'DR_SERVICEBUS', queueName: '%DR_FAILOVER_QUEUE%', cardinality: 'one' });
});

test('a failover message replays the latest snapshot, completes, and leaves a run record and a report', async () => {
  const secondary = await startEmulator({ seed: 12 });
  try {
    await useEnv(secondary.url);
    await send(request({ reason: 'drill', requestedBy: 'test' }), 'msg-ok-1');
    const r = await deliverNext();
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('completed');
    expect(broker.queue(QUEUE).messages()).toEqual([]);
    expect(broker.queue(QUEUE).deadLetters()).toEqual([]);
    const run = await readRun(store, 'msg-ok-1');
    expect(run).toMatchObject({
      runId: 'msg-ok-1',
      type: 'failover',
      status: 'succeeded',
      snapshotId: manifest.snapshotId,
      reason: 'drill',
      requestedBy: 'test',
      part: 1,
      target: 'secondary',
    });
    const report = await readReport(store, workspaceKey(secondary.url), 'msg-ok-1');
    expect(report?.items).toHaveLength(manifest.artifacts.length);
    expect(report?.items.every((i) => i.action !== 'failed')).toBe(true);
    expect(run?.counts?.['create']).toBe(report?.counts.create);

    // The same request delivered again changes nothing.
    await send(request({ runId: 'msg-ok-1' }), 'msg-ok-2');
    const before = writesTo(secondary);
    expect((await deliverNext()).outcome).toBe('completed');
    expect(writesTo(secondary)).toBe(before);
    expect((await readReport(store, workspaceKey(secondary.url), 'msg-ok-1'))?.counts).toEqual({
      unchanged: manifest.artifacts.length - (report?.counts.skip ?? 0),
      ...(report?.counts.skip ? { skip: report.counts.skip } : {}),
    });
  } finally {
    await secondary.stop();
  }
}, 60_000);

describe('bad messages are dead-lettered with their reason, and nothing is written to the target', () => {
  test.each([
    ['not JSON', '{"schema": "databricks-dr/failover-request", "version": 1', 'MalformedJson', /not JSON/],
    ['another schema', { schema: 'something-else', version: 1 }, 'UnsupportedSchema', /"schema" must be "databricks-dr\/failover-request"/],
    [
      'a newer version',
      { schema: 'databricks-dr/failover-request', version: 2 },
      'UnsupportedVersion',
      /reads failover requests of version 1; the message has version 2/,
    ],
    [
      'an invalid field',
      request({ dryRun: 'yes', kinds: ['widgets'] }),
      'InvalidMessage',
      /"dryRun" must be true or false; "kinds\[0\]" must be one of: users, /,
    ],
    [
      'an unknown target',
      request({ target: 'tertiary' }),
      'UnknownTarget',
      /The target profile "tertiary" is not configured. Set DR_WORKSPACE_TERTIARY_HOST/,
    ],
    [
      'an unknown snapshot',
      request({ snapshot: '20200101T000000.000Z-abcd' }),
      'UnknownSnapshot',
      /Snapshot 20200101T000000.000Z-abcd of \S+ does not exist/,
    ],
  ])(
    '%s',
    async (_label, body, reason, description) => {
      const secondary = await startEmulator({ seed: 13 });
      try {
        await useEnv(secondary.url);
        const id = `bad-${reason}`;
        await send(body, id, typeof body === 'string' ? 'text/plain' : 'application/json');
        const r = await deliverNext();
        expect(r.outcome).toBe('completed');
        const dead = broker
          .queue(QUEUE)
          .deadLetters()
          .filter((m) => m.messageId === id);
        expect(dead).toHaveLength(1);
        expect(dead[0]?.deadLetterReason).toBe(reason);
        expect(dead[0]?.deadLetterErrorDescription).toMatch(description);
        expect(dead[0]?.deliveryCount).toBe(0);
        expect(broker.queue(QUEUE).messages()).toEqual([]);
        expect(writesTo(secondary)).toBe(0);
        expect(r.lines.some((l) => l.startsWith('warning: Failover message dead-lettered'))).toBe(true);
      } finally {
        await secondary.stop();
      }
    },
    30_000,
  );
});

test('a run longer than the time budget saves its progress and continues in follow-up messages', async () => {
  // Latency makes the run outlast a 5-second budget.
  const secondary = await startEmulator({
    seed: 14,
    latency: { fixedMs: 250, jitterMs: 10 },
    clusterStartMs: 20,
    clusterStopMs: 10,
    runDurationMs: 20,
  });
  try {
    await useEnv(secondary.url, { DR_FAILOVER_TIME_BUDGET_SECONDS: '5' });
    await send(request({ runId: 'long-run' }), 'long-run');
    let parts = 0;
    for (; parts < 20; parts++) {
      const r = await deliverNext();
      if (r.outcome === 'none') break;
      expect(r.error).toBeUndefined();
    }
    expect(parts).toBeGreaterThan(1);
    const run = await readRun(store, 'long-run');
    expect(run).toMatchObject({ status: 'succeeded', part: parts, snapshotId: manifest.snapshotId });
    const report = await readReport(store, workspaceKey(secondary.url), 'long-run');
    // One report for the whole run: what the first part created is still "create".
    expect(report?.items).toHaveLength(manifest.artifacts.length);
    expect(report?.byKind.notebooks?.create).toBe(manifest.counts.notebooks);
    // Every kind was taken to the end by some part; later parts skipped what earlier ones finished.
    expect([...(report?.finishedKinds ?? [])].sort()).toEqual([...manifest.kinds].sort());
    expect(
      broker
        .queue(QUEUE)
        .deadLetters()
        .filter((m) => String(m.messageId).startsWith('long-run')),
    ).toEqual([]);
  } finally {
    await secondary.stop();
  }
}, 120_000);

test('a transient failure is thrown: redelivered with a rising delivery count, then dead-lettered at the max delivery count', async () => {
  // Blob storage does not answer (a port nobody listens on): the message cannot even be checked against a snapshot.
  const closed = await freePort();
  const down = testConnectionString().replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//, `BlobEndpoint=http://127.0.0.1:${closed}/`);
  expect(down).not.toBe(testConnectionString());
  const secondary = await startEmulator({ seed: 15 });
  try {
    await useEnv(secondary.url, { DR_STORAGE_CONNECTION_STRING: down });
    await send(request({ reason: 'storage is down' }), 'transient-1');
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      counts.push(
        broker
          .queue(QUEUE)
          .messages()
          .find((m) => m.messageId === 'transient-1')?.deliveryCount ?? -1,
      );
      const r = await deliverNext();
      expect(r.outcome).toBe('abandoned');
      expect(r.error?.message).toMatch(/Blob storage failed to .*The storage endpoint did not answer/);
    }
    // Delivered three times (0, 1, 2 earlier failures), then dead-lettered by the queue's max delivery count.
    expect(counts).toEqual([0, 1, 2]);
    expect(broker.queue(QUEUE).messages()).toEqual([]);
    const dead = broker
      .queue(QUEUE)
      .deadLetters()
      .filter((m) => m.messageId === 'transient-1');
    expect(dead.map((m) => m.deadLetterReason)).toEqual(['MaxDeliveryCountExceeded']);
    expect(writesTo(secondary)).toBe(0);
  } finally {
    await secondary.stop();
  }
}, 60_000);
