/**
 * POST /api/alerts with Azure Monitor's published sample payloads (test/fixtures/alerts),
 * through the loopback host, the real Service Bus SDK and the test broker.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { parseCommonAlert } from '../../shared/ops/alerts.js';
import { readRun } from '../../shared/runs/runs.js';
import { type HttpHost, startHttpHost } from '../support/functionsHost.js';
import { ALERT_RULE, FAILOVER_QUEUE, type Ops, startOps } from '../support/opsHarness.js';

const DIR = 'test/fixtures/alerts';
const samples = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .map((n) => [n, JSON.parse(readFileSync(`${DIR}/${n}`, 'utf8')) as Record<string, any>] as const);

let ops: Ops;
let host: HttpHost;

beforeAll(async () => {
  ops = await startOps(61);
  await ops.useEnv();
  host = await startHttpHost(await ops.httpFunctions());
}, 60_000);
afterAll(async () => {
  await host.stop();
  await ops.close();
});

async function post(body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${host.url}/api/alerts?code=${host.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

/** A published sample turned into a fresh alert: Fired now, of `rule`, with its own alert id. */
function fired(sample: Record<string, any>, rule: string, id: string, firedAt = new Date()): Record<string, any> {
  const copy = structuredClone(sample);
  Object.assign(copy['data'].essentials, {
    alertRule: rule,
    monitorCondition: 'Fired',
    firedDateTime: firedAt.toISOString(),
    alertId: `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.AlertsManagement/alerts/${id}`,
  });
  delete copy['data'].essentials.resolvedDateTime;
  return copy;
}

const failoverMessages = () => ops.broker.queue(FAILOVER_QUEUE).messages();

test('there are published samples of several kinds of alert', () => {
  const services = new Set(samples.map(([, s]) => s['data']?.essentials?.monitoringService));
  expect(samples.length).toBeGreaterThanOrEqual(10);
  expect(services.size).toBeGreaterThanOrEqual(8);
});

test('a cost budget alert (no rule, no monitor condition) queues nothing even when every rule is configured', async () => {
  await ops.useEnv({ DR_ALERT_RULES: '*' });
  try {
    for (const name of ['cost-budget-actual.json', 'cost-budget-forecasted.json']) {
      const sample = samples.find(([n]) => n === name)?.[1];
      const r = await post(sample);
      expect([name, r.status, r.body.why]).toEqual([name, 200, 'not-fired']);
    }
    expect(failoverMessages()).toEqual([]);
  } finally {
    await ops.useEnv();
  }
});

test.each(samples)('the published sample %s is read as a valid alert', (_name, sample) => {
  const e = sample['data'].essentials;
  const parsed = parseCommonAlert(sample);
  expect(parsed).toEqual({ ok: true, alert: expect.objectContaining({ alertId: e.alertId }) });
  // Cost budget alerts come without a rule or a monitor condition (null).
  const alert = (parsed as { alert: { rule?: string; condition?: string } }).alert;
  expect([alert.rule, alert.condition]).toEqual([e.alertRule ?? undefined, e.monitorCondition ?? undefined]);
});

test.each(samples)('%s as published (its rule is not configured): acknowledged, nothing queued', async (_name, sample) => {
  const r = await post(sample);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ acknowledged: true, queued: false });
  expect(['rule-not-configured', 'resolved', 'not-fired']).toContain(r.body.why);
  expect(failoverMessages()).toEqual([]);
});

test('a payload that is not in the common schema (the published budget sample) gets 400 with the fix', async () => {
  const budget = JSON.parse(readFileSync(`${DIR}/invalid/budget.json`, 'utf8')) as unknown;
  const r = await post(budget);
  expect(r.status).toBe(400);
  expect(r.body.detail).toBe(
    '"schemaId" must be "azureMonitorCommonAlertSchema", got "AIP Budget Notification". ' +
      'Turn on "Enable the common alert schema" for this receiver in the action group.',
  );
  expect(failoverMessages()).toEqual([]);
});

test('alert times are read as UTC, with or without a zone', () => {
  const health = samples.find(([n]) => n === 'service-health.json')?.[1];
  expect(health?.['data'].essentials.firedDateTime).toBe('2021-11-17T05:34:48.0623172');
  expect(parseCommonAlert(health)).toMatchObject({ ok: true, alert: { firedAt: '2021-11-17T05:34:48.062Z' } });
});

test('the same Fired alert posted twice queues one failover; another alert of the rule is another run', async () => {
  const [, sample] = samples[0] as (typeof samples)[number];
  const alert = fired(sample, ALERT_RULE, 'aaaa0a0a-bb1b-cc2c-dd3d-000000000001');
  const first = await post(alert);
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ type: 'failover', status: 'queued', duplicate: false });
  expect(first.body.runId).toMatch(/^alert-[0-9a-f]{24}$/);
  const second = await post(alert);
  expect(second.status).toBe(202);
  expect(second.body).toMatchObject({ runId: first.body.runId, duplicate: true });
  expect(failoverMessages().map((m) => m.messageId)).toEqual([first.body.runId]);
  expect(failoverMessages()[0]?.body).toMatchObject({
    dryRun: false,
    requestedBy: 'azure-monitor',
    reason: expect.stringMatching(new RegExp(`^Azure Monitor alert "${ALERT_RULE}" \\(Sev\\d\\) fired at `)),
  });
  expect(await readRun(ops.store, first.body.runId)).toMatchObject({ status: 'queued', alertId: alert['data'].essentials.alertId });

  // The failover it queued runs; the alert delivered once more after that still starts nothing new.
  const d = await ops.deliverFailover();
  expect(d.error).toBeUndefined();
  expect(await readRun(ops.store, first.body.runId)).toMatchObject({ status: 'succeeded', alertId: alert['data'].essentials.alertId });
  const late = await post(alert);
  expect(late.body).toMatchObject({ runId: first.body.runId, duplicate: true, status: 'succeeded' });
  expect(failoverMessages()).toEqual([]);

  const other = await post(fired(sample, ALERT_RULE, 'aaaa0a0a-bb1b-cc2c-dd3d-000000000002'));
  expect(other.status).toBe(202);
  expect(other.body.runId).not.toBe(first.body.runId);
  expect(failoverMessages()).toHaveLength(1);
  expect((await ops.deliverFailover()).outcome).toBe('completed');
}, 60_000);

test('Resolved, another rule or a stale alert: 200 and nothing queued', async () => {
  const [, sample] = samples[0] as (typeof samples)[number];
  const resolved = fired(sample, ALERT_RULE, 'r-1');
  resolved['data'].essentials.monitorCondition = 'Resolved';
  expect((await post(resolved)).body).toMatchObject({ queued: false, why: 'resolved' });
  expect((await post(fired(sample, 'some-other-rule', 'r-2'))).body).toMatchObject({
    queued: false,
    why: 'rule-not-configured',
    message: expect.stringContaining(`is not one of DR_ALERT_RULES (${ALERT_RULE})`),
  });
  expect((await post(fired(sample, ALERT_RULE, 'r-3', new Date(Date.now() - 3 * 3_600_000)))).body).toMatchObject({
    queued: false,
    why: 'stale',
  });
  expect(failoverMessages()).toEqual([]);
});

test('with DR_ALERT_ACTION=dry-run an alert queues a plan, not a failover', async () => {
  await ops.useEnv({ DR_ALERT_ACTION: 'dry-run', DR_ALERT_RULES: '*' });
  try {
    const [, sample] = samples[0] as (typeof samples)[number];
    const r = await post(fired(sample, 'any-rule-at-all', 'dry-1'));
    expect(r.status).toBe(202);
    expect(failoverMessages()[0]?.body).toMatchObject({ dryRun: true });
    expect((await ops.deliverFailover()).outcome).toBe('completed');
    expect(await readRun(ops.store, r.body.runId)).toMatchObject({ status: 'succeeded', dryRun: true });
  } finally {
    await ops.useEnv();
  }
}, 60_000);
