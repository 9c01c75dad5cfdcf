/**
 * `npm run bench:api`: how fast the function app's HTTP routes answer on loopback,
 * with their real dependencies (Azurite, the Service Bus test broker through the real
 * SDK, emulated workspaces). Azure Monitor waits 10 s for a webhook and retries only
 * on timeouts, and an HTTP function must answer within 230 s, so what matters is that
 * queueing stays a few storage and broker round trips however big the workspace is.
 *
 * Measured with autocannon, 8 connections, 5 s per route:
 *  - GET /api/status without workspace probes, GET /api/dashboard, GET /api/runs/{id};
 *  - POST /api/failover with the same body (joins the queued run: list, read);
 *  - POST /api/alerts with a new alert id each time (a new run: create the record, send);
 *  - GET /api/status again, now with every run record that flood left behind.
 * Then the queue-to-start delay: from POST /api/failover to the run record saying
 * "running", with the failover function consuming as the host would.
 */
import autocannon from 'autocannon';

import { startAzurite } from '../support/azurite.mjs';
import { startHttpHost } from '../support/functionsHost.js';
import { startOps } from '../support/opsHarness.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const storage = await startAzurite();
  process.env['DR_TEST_STORAGE_CONNECTION_STRING'] = storage.connectionString;
  const ops = await startOps(91);
  await ops.useEnv({ DR_ALERT_RULES: '*', DR_LOG_LEVEL: 'warn' });
  const host = await startHttpHost(await ops.httpFunctions());
  const key = host.key;
  const sample = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertRule: 'bench',
        severity: 'Sev1',
        signalType: 'Activity Log',
        monitorCondition: 'Fired',
        monitoringService: 'ServiceHealth',
        alertTargetIDs: [],
      },
      alertContext: {},
    },
  };
  let n = 0;
  const first = await fetch(`${host.url}/api/failover?code=${key}`, { method: 'POST', body: JSON.stringify({ dryRun: true }) });
  const { runId } = (await first.json()) as { runId: string };

  const alerts: autocannon.Options = {
    url: `${host.url}/api/alerts?code=${key}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            ...sample,
            data: {
              ...sample.data,
              essentials: { ...sample.data.essentials, alertId: `/alerts/${++n}`, firedDateTime: new Date().toISOString() },
            },
          }),
        }),
      },
    ],
  };
  const status = { url: `${host.url}/api/status?probe=false&code=${key}` };
  const routes: { label: string; options: autocannon.Options }[] = [
    { label: 'GET /api/status?probe=false (2 runs kept)', options: status },
    { label: 'GET /api/dashboard (probes both workspaces)', options: { url: `${host.url}/api/dashboard?code=${key}` } },
    { label: 'GET /api/runs/{id}', options: { url: `${host.url}/api/runs/${runId}?code=${key}` } },
    {
      label: 'POST /api/failover (same request: joins the run)',
      options: {
        url: `${host.url}/api/failover?code=${key}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dryRun: true }),
      },
    },
    { label: 'POST /api/alerts (new alert: record + message)', options: alerts },
    { label: 'GET /api/status?probe=false (after that flood)', options: status },
  ];
  say('Route                                              req/s   p50 ms  p99 ms  non-2xx');
  for (const r of routes) {
    const result = await autocannon({ ...r.options, connections: 8, duration: 5 });
    say(
      `${r.label.padEnd(50)} ${result.requests.average.toFixed(0).padStart(6)} ${String(result.latency.p50).padStart(8)} ` +
        `${String(result.latency.p99).padStart(7)} ${String(result.non2xx).padStart(8)}`,
    );
  }
  say(`(${n} alerts made ${n} run records and messages; the broker holds ${ops.broker.queue('dr-failover').messages().length} messages)`);

  const t0 = performance.now();
  await fetch(`${host.url}/api/status?probe=false&code=${key}`);
  say(`One GET /api/status alone, with those ${n + 1} run records: ${(performance.now() - t0).toFixed(0)} ms`);

  // The flood's messages are not run: drop them.
  const purge = ops.client.createReceiver('dr-failover', { receiveMode: 'receiveAndDelete' });
  while ((await purge.receiveMessages(500, { maxWaitTimeInMs: 500 })).length > 0);
  await purge.close();

  // Queue to finish: POST, then the failover function picks the message up and runs it.
  const delays: number[] = [];
  await ops.useEnv();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const post = await fetch(`${host.url}/api/failover?code=${key}`, {
      method: 'POST',
      body: JSON.stringify({ dryRun: true, kinds: ['users'], reason: `bench ${i}` }),
    });
    const { runId: id } = (await post.json()) as { runId: string };
    const answered = performance.now() - t0;
    await ops.deliverFailover();
    const done = performance.now() - t0;
    const rec = (await (await fetch(`${host.url}/api/runs/${id}?items=none&code=${key}`)).json()) as { run: { status: string } };
    delays.push(answered, done);
    if (rec.run.status !== 'succeeded') throw new Error(`run ${id} ended ${rec.run.status}`);
  }
  const answers = delays.filter((_, i) => i % 2 === 0).sort((a, b) => a - b);
  const dones = delays.filter((_, i) => i % 2 === 1).sort((a, b) => a - b);
  say(
    `POST /api/failover answered 202 in ${answers[5]?.toFixed(0)} ms (median of 10); ` +
      `queued, consumed and finished (a dry run of users) in ${dones[5]?.toFixed(0)} ms`,
  );
  await host.stop();
  await ops.close();
  await storage.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
