/**
 * The HTTP API, end to end on real parts: requests go through a loopback host that
 * routes and checks function keys like the Functions host, handlers queue with the
 * real @azure/service-bus SDK on the test broker, and the queue functions consume
 * what they queued against emulated workspaces and Azurite.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { readRun } from '../../shared/runs/runs.js';
import { httpRequest, invocation, type HttpFunction, type HttpHost, startHttpHost } from '../support/functionsHost.js';
import { type Ops, FAILOVER_QUEUE, BACKUP_QUEUE, startOps } from '../support/opsHarness.js';

let ops: Ops;
let host: HttpHost;
let functions: HttpFunction[];

beforeAll(async () => {
  ops = await startOps(51);
  await ops.useEnv();
  functions = await ops.httpFunctions();
  host = await startHttpHost(functions);
}, 60_000);
afterAll(async () => {
  await host.stop();
  await ops.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers['x-functions-key'] = options.key ?? host.key;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${host.url}/api/${path}`, {
    method,
    headers,
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (HTML, or the host's plain-text 401)
  }
  return { status: response.status, headers: response.headers, body };
}

const queued = (queue: string) => ops.broker.queue(queue).messages();

describe('registration', () => {
  test('every HTTP function needs a function key, and each is tested here', () => {
    for (const f of functions) expect([f.name, f.options.authLevel]).toEqual([f.name, 'function']);
    // Every app.http(...) in functions/ is one of the functions above.
    const registered = readdirSync('functions')
      .filter((n) => n.endsWith('.ts'))
      .flatMap((n) => [...readFileSync(`functions/${n}`, 'utf8').matchAll(/app\.http\('(\w+)'/g)].map((m) => m[1]));
    expect(registered.sort()).toEqual(functions.map((f) => f.name).sort());
    expect(functions.map((f) => `${f.options.methods.join(',')} /api/${f.options.route}`).sort()).toEqual([
      'GET /api/dashboard',
      'GET /api/runs/{id}',
      'GET /api/snapshots',
      'GET /api/status',
      'POST /api/alerts',
      'POST /api/backup',
      'POST /api/failover',
      'POST /api/verify',
    ]);
  });

  test('the queue functions listen on the queues named by app settings', async () => {
    const { backupQueueOptions } = await import('../../functions/backupQueue.js');
    expect(backupQueueOptions).toEqual({ connection: 'DR_SERVICEBUS', queueName: '%DR_BACKUP_QUEUE%', cardinality: 'one' });
  });

  test('without the function key the host refuses every route', async () => {
    for (const f of functions) {
      const r = await call(f.options.methods[0] ?? 'GET', f.options.route.replace('{id}', 'x'), { key: null });
      expect([f.name, r.status]).toEqual([f.name, 401]);
    }
  });
});

describe('a bad request gets 400 (or 404/415) with a message that says what to send', () => {
  test.each([
    ['failover', 'not JSON', { raw: '{"dryRun": tru', headers: { 'content-type': 'application/json' } }, 400, /The body is not valid JSON/],
    ['failover', 'not an object', { body: [1, 2] }, 400, /must be a JSON object/],
    [
      'failover',
      'wrong types',
      { body: { dryRun: 'yes', kinds: ['widgets'] } },
      400,
      /"dryRun" must be true or false; "kinds\[0\]" must be one of: users, /,
    ],
    ['failover', 'no reason for a real failover', { body: { snapshot: 'latest' } }, 400, /say why in "reason"/],
    ['failover', 'an internal field', { body: { reason: 'x', runId: 'mine' } }, 400, /runId are set by the service/],
    [
      'failover',
      'an unknown target',
      { body: { reason: 'x', target: 'tertiary' } },
      400,
      /The target profile "tertiary" is not configured. Set DR_WORKSPACE_TERTIARY_HOST/,
    ],
    [
      'failover',
      'a snapshot that does not exist',
      { body: { reason: 'x', snapshot: '20200101T000000.000Z-abcd' } },
      404,
      /Snapshot 20200101T000000.000Z-abcd of "primary" does not exist. List them with GET \/api\/snapshots/,
    ],
    [
      'failover',
      'a form instead of JSON',
      { raw: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      /Content-Type: application\/json/,
    ],
    ['verify', 'a dry-run flag', { body: { dryRun: true } }, 400, /A verify run writes nothing/],
    ['backup', 'an unknown source', { body: { source: 'nowhere' } }, 400, /The source profile "nowhere" is not configured/],
    ['backup', 'an unknown field', { body: { snapshot: 'latest' } }, 400, /unknown field\(s\) snapshot/],
    [
      'alerts',
      'not the common alert schema',
      { body: { schemaId: 'Microsoft.Insights/activityLogs', data: {} } },
      400,
      /"schemaId" must be "azureMonitorCommonAlertSchema".*Enable the common alert schema/,
    ],
    [
      'alerts',
      'essentials missing fields',
      { body: { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { monitorCondition: 'Sometimes' } } } },
      400,
      new RegExp(
        '^The alert is invalid: "data.essentials.alertId" is missing; ' +
          '"data.essentials.monitorCondition" must be "Fired" or "Resolved", got "Sometimes"\\.$',
      ),
    ],
  ])('POST /api/%s with %s', async (route, _label, options, status, message) => {
    const before = queued(FAILOVER_QUEUE).length + queued(BACKUP_QUEUE).length;
    const r = await call('POST', route, options);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body.detail).toMatch(message);
    expect(queued(FAILOVER_QUEUE).length + queued(BACKUP_QUEUE).length).toBe(before);
  });

  test.each([
    ['runs/bad%20id', 400, /is not a run id/],
    ['runs/no-such-run', 404, /There is no run no-such-run/],
    ['runs/x?items=some', 400, /items=some is not supported/],
    ['snapshots?profile=nowhere', 400, /Profile "nowhere" is not configured; configured: /],
  ])('GET /api/%s', async (path, status, message) => {
    const r = await call('GET', path);
    expect(r.status).toBe(status);
    expect(r.body.detail).toMatch(message);
  });

  test('handlers called directly (as in the host) answer the same', async () => {
    const { postFailover } = await import('../../functions/failoverApi.js');
    const r = await postFailover(httpRequest('POST', 'failover', { body: { kinds: 'notebooks' } }), invocation('failoverApi'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body as string).detail).toMatch(/"kinds" must be a non-empty list/);
  });
});

test('POST /api/failover queues one message; the failover function runs it; GET /api/runs/{id} shows success', async () => {
  const post = await call('POST', 'failover', { body: { reason: 'regional outage drill', kinds: undefined } });
  expect(post.status).toBe(202);
  const { runId, statusUrl } = post.body;
  expect(runId).toMatch(/^fo-[0-9a-f]{16}\.1$/);
  expect(post.headers.get('location')).toBe(statusUrl);
  expect(statusUrl).toBe(`${host.url}/api/runs/${runId}`);
  expect(post.body).toMatchObject({ type: 'failover', status: 'queued', duplicate: false });
  expect(queued(FAILOVER_QUEUE).map((m) => m.messageId)).toEqual([runId]);
  expect(queued(FAILOVER_QUEUE)[0]?.body).toMatchObject({
    schema: 'databricks-dr/failover-request',
    version: 1,
    runId,
    reason: 'regional outage drill',
    requestedBy: 'http',
  });

  // Sent again while queued (a client retry): the same run, nothing new on the queue.
  const again = await call('POST', 'failover', { body: { reason: 'regional outage drill' } });
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ runId, duplicate: true });
  expect(queued(FAILOVER_QUEUE)).toHaveLength(1);

  expect((await call('GET', `runs/${runId}`)).body.run).toMatchObject({ runId, status: 'queued', reason: 'regional outage drill' });

  const delivery = await ops.deliverFailover();
  expect(delivery.error).toBeUndefined();
  expect(delivery.outcome).toBe('completed');
  expect(queued(FAILOVER_QUEUE)).toEqual([]);

  const done = await call('GET', `runs/${runId}`);
  expect(done.status).toBe(200);
  expect(done.body.run).toMatchObject({
    runId,
    type: 'failover',
    status: 'succeeded',
    snapshotId: ops.manifest.snapshotId,
    target: 'secondary',
    requestedBy: 'http',
  });
  expect(done.body.report).toMatchObject({ runId, status: 'succeeded', itemsTotal: ops.manifest.artifacts.length });
  expect(done.body.report.counts.create).toBeGreaterThan(0);
  // By default the report lists what changed; items=all lists every object.
  expect(done.body.report.items.every((i: { action: string }) => i.action !== 'unchanged')).toBe(true);
  const all = await call('GET', `runs/${runId}?items=all`);
  expect(all.body.report.items).toHaveLength(ops.manifest.artifacts.length);
  expect(all.body.report.items.every((i: { result?: string; action: string }) => i.action !== 'failed')).toBe(true);

  // The same request after the run finished is a new run (the next generation), and changes nothing.
  const rerun = await call('POST', 'failover', { body: { reason: 'regional outage drill' } });
  expect(rerun.body).toMatchObject({ runId: runId.replace(/\.1$/, '.2'), duplicate: false });
  expect((await ops.deliverFailover()).outcome).toBe('completed');
  const second = await call('GET', `runs/${rerun.body.runId}?items=none`);
  expect(second.body.run.status).toBe('succeeded');
  expect(second.body.report.counts.create ?? 0).toBe(0);
  expect(second.body.report.counts.unchanged).toBeGreaterThan(0);
}, 90_000);

test('a dry run through the API keeps its plan as the report', async () => {
  const post = await call('POST', 'failover', { body: { dryRun: true, kinds: ['notebooks'] } });
  expect(post.status).toBe(202);
  expect((await ops.deliverFailover()).outcome).toBe('completed');
  const r = await call('GET', `runs/${post.body.runId}?items=all`);
  expect(r.body.run).toMatchObject({ status: 'succeeded', dryRun: true });
  expect(r.body.report.dryRun).toBe(true);
  expect(r.body.report.items.length).toBe(ops.manifest.counts.notebooks);
}, 60_000);

test('an Idempotency-Key names the run; reused with another request it is refused', async () => {
  const key = 'c0ffee00-1111-4222-8333-944445555666';
  const first = await call('POST', 'failover', { body: { dryRun: true, kinds: ['users'] }, headers: { 'idempotency-key': key } });
  expect(first.status).toBe(202);
  expect(first.body.runId).toMatch(/^fo-k[0-9a-f]{24}$/);
  const same = await call('POST', 'failover', { body: { kinds: ['users'], dryRun: true }, headers: { 'idempotency-key': key } });
  expect(same.body).toMatchObject({ runId: first.body.runId, duplicate: true });
  const other = await call('POST', 'failover', { body: { dryRun: true, kinds: ['groups'] }, headers: { 'idempotency-key': key } });
  expect(other.status).toBe(422);
  expect(other.body.detail).toMatch(/was already used for a different request/);
  expect(queued(FAILOVER_QUEUE).filter((m) => m.messageId === first.body.runId)).toHaveLength(1);
  expect((await ops.deliverFailover()).outcome).toBe('completed');
}, 60_000);

test('POST /api/backup runs a backup in the backup queue function, never in the request', async () => {
  const before = (await ops.store.listSnapshots()).length;
  const post = await call('POST', 'backup', { body: { reason: 'before the upgrade' } });
  expect(post.status).toBe(202);
  expect(post.body).toMatchObject({ type: 'backup', status: 'queued' });
  expect((await ops.store.listSnapshots()).length).toBe(before);
  expect(queued(BACKUP_QUEUE).map((m) => m.messageId)).toEqual([post.body.runId]);
  const d = await ops.deliverBackup();
  expect(d.error).toBeUndefined();
  const r = await call('GET', `runs/${post.body.runId}`);
  expect(r.body.run).toMatchObject({ type: 'backup', status: 'succeeded', source: 'primary', reason: 'before the upgrade' });
  const snapshots = await call('GET', 'snapshots?profile=primary');
  expect(snapshots.body.snapshots).toHaveLength(before + 1);
  expect(snapshots.body.snapshots[0].snapshotId).toBe(r.body.run.snapshotId);
}, 60_000);

test('a bad backup message is dead-lettered with its reason', async () => {
  const sender = ops.client.createSender(BACKUP_QUEUE);
  await sender.sendMessages({ body: { schema: 'databricks-dr/backup-request', version: 7 }, messageId: 'bad-backup' });
  await sender.close();
  expect((await ops.deliverBackup()).outcome).toBe('completed');
  const dead = ops.broker.queue(BACKUP_QUEUE).deadLetters();
  expect(dead.map((m) => [m.messageId, m.deadLetterReason])).toEqual([['bad-backup', 'UnsupportedVersion']]);
  expect(dead[0]?.deadLetterErrorDescription).toMatch(/reads backup requests of version 1; the message has version 7/);
}, 30_000);

test('POST /api/verify runs the drill from the queue; GET /api/status reports it with the recovery point and both workspaces', async () => {
  const post = await call('POST', 'verify', {});
  expect(post.status).toBe(202);
  expect(post.body.runId).toMatch(/^vf-/);
  expect((await ops.deliverFailover()).outcome).toBe('completed');
  const run = await readRun(ops.store, post.body.runId);
  expect(run).toMatchObject({ type: 'verify', status: 'succeeded', drift: 0 });
  const report = await call('GET', `runs/${post.body.runId}`);
  expect(report.body.report).toMatchObject({ schema: 'databricks-dr/verify-report', ok: true, drift: [] });

  const status = await call('GET', 'status');
  expect(status.status).toBe(200);
  expect(status.body).toMatchObject({
    schema: 'databricks-dr/status',
    overall: 'ok',
    findings: [],
    recoveryPoint: { rpoMinutes: 30, withinRpo: true },
    lastVerify: { runId: post.body.runId, status: 'succeeded' },
  });
  expect(status.body.workspaces.map((w: { role: string; state: string }) => [w.role, w.state])).toEqual([
    ['primary', 'ok'],
    ['secondary', 'ok'],
  ]);
  expect(status.body.runs[0].runId).toBe(post.body.runId);
}, 60_000);
