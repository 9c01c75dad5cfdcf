/**
 * `npm run bench:failover`: recovery time of a failover into an empty DR workspace
 * on the emulator's realistic preset (documented Azure limits, ~50 ms latency), on a
 * generated workspace (default large: 5,000 notebooks, 200 jobs, 100 clusters and
 * their permissions).
 *
 * Reports, for the failover into the empty workspace, then a re-run (nothing to do)
 * and a verify:
 *  - duration (the recovery time) and artifacts per second;
 *  - the ratio of the rate-limit bound to the actual time: the bound is the time the
 *    DR workspace's limits allow for the requests the run made, every family at its
 *    documented rate in parallel (1.0 = as fast as the limits allow; goal ≥ 0.9).
 *
 * The primary is backed up without rate limits first (that is not what is measured).
 * Emulators and Azurite run in their own processes pinned to CPU 0; the failover runs
 * in a fresh process pinned to CPU 1. Options: --size large|medium|small (default large).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

import { runBackup } from '../../shared/backup/backup.js';
import { loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor, storeFor } from '../../shared/app/services.js';
import { nullLogger } from '../../shared/log/logger.js';
import { REALISTIC_RATE_LIMITS } from '../emulator/options.js';
import { fakeEntraToken } from '../support/entra.js';
import { azurite, emulatorProcess, emulatorStats, pin, rateLimitBound, resetStats } from './harness.js';

const TOKEN = 'dapi-bench';

interface Run {
  label: string;
  seconds: number;
  artifacts: number;
  detail: string;
  requests: number;
  throttled: number;
  boundSeconds: number;
  bottleneck: string;
  peakRssMb: number;
}

async function once_(
  mode: 'failover' | 'verify',
  label: string,
  url: string,
  connectionString: string,
  container: string,
  sourceKey: string,
  mappings: string,
): Promise<Run> {
  await resetStats(url);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/bench/failoverOnce.ts',
      mode,
      url,
      fakeEntraToken('admin@example.com'),
      connectionString,
      container,
      sourceKey,
      mappings,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (child.pid) pin(child.pid, 1);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`the ${mode} process failed (${code})`);
  const r = JSON.parse(out.trim().split('\n').pop() as string) as Record<string, any>;
  const stats = await emulatorStats(url);
  const limits = REALISTIC_RATE_LIMITS;
  const bound = rateLimitBound(stats, limits.families as Record<string, number>, limits.default, limits.defaultWrite);
  const throttled = Object.values(stats.endpoints).reduce((n, e) => n + (e.statuses['429'] ?? 0), 0);
  const detail = mode === 'verify' ? `${r['ok'] ? 'no drift' : `DRIFT ${r['drift']}`}` : failoverDetail(r);
  return {
    label,
    seconds: r['seconds'],
    artifacts: r['artifacts'] ?? r['checked'],
    detail,
    requests: stats.total,
    throttled,
    boundSeconds: bound.seconds,
    bottleneck: bound.bottleneck,
    peakRssMb: r['peakRssMb'],
  };
}

/** A failover's counts and failures, then its per-kind timeline on a second line. */
function failoverDetail(r: Record<string, any>): string {
  const counts = Object.entries(r['counts'] as Record<string, number>)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const failed = (r['failed'] as unknown[]).length ? ` FAILED: ${JSON.stringify(r['failed'])}` : '';
  const kinds = Object.entries((r['timeline'] ?? {}) as Record<string, { startMs: number; endMs: number }>)
    .map(([k, t]) => `${k} ${(t.startMs / 1000).toFixed(0)}–${(t.endMs / 1000).toFixed(0)}`)
    .join(', ');
  return `${r['status']} ${counts}${failed}\n    kinds (start–end, s): ${kinds}`;
}

function line(r: Run): string {
  const ratio = r.boundSeconds > 0 ? r.boundSeconds / r.seconds : NaN;
  return (
    `${r.label.padEnd(24)} ${r.seconds.toFixed(1).padStart(7)} s  ${String(r.artifacts).padStart(6)} artifacts  ` +
    `${(r.artifacts / r.seconds).toFixed(0).padStart(5)}/s  ` +
    `requests ${String(r.requests).padStart(6)}  429s ${String(r.throttled).padStart(3)}  ` +
    `bound ${r.boundSeconds.toFixed(1).padStart(6)} s  ratio ${Number.isNaN(ratio) ? ' n/a' : ratio.toFixed(2)}  ` +
    `peak RSS ${r.peakRssMb.toFixed(0)} MB\n    ${r.detail}`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: 'large' } } });
  const pinned = pin(process.pid, 1);
  process.stdout.write(
    "Failover benchmark on the emulator's realistic preset " +
      `(${pinned ? 'emulators and Azurite on CPU 0, failover on CPU 1' : 'not pinned'})\n\n`,
  );
  const primary = await emulatorProcess(['--sample', values.size, '--seed', '7', '--token', TOKEN]);
  const secondary = await emulatorProcess(['--seed', '8', '--preset', 'realistic']);
  const storage = await azurite();
  for (const p of [primary.child.pid, secondary.child.pid, storage.child.pid]) if (pinned && p) pin(p, 0);
  try {
    const container = `bench-failover-${values.size}`;
    const config = loadConfig({ DR_WORKSPACE_PRIMARY_HOST: primary.url, DR_WORKSPACE_PRIMARY_TOKEN: TOKEN }, { readFile: () => undefined });
    const profile = requireProfile(config, 'primary');
    const client = clientFor(profile, { ...config.rateLimits, maxConcurrency: 64 }, nullLogger);
    const store = storeFor({ connectionString: storage.connectionString, container });
    const t0 = performance.now();
    const backup = await runBackup({ profile, client, store, settings: config.backup });
    client.close();
    const mounts = backup.manifest.artifacts
      .filter((a) => a.kind === 'mounts')
      .map((a) => ({
        mountPoint: a.key,
        source: `abfss://${a.key.slice(5)}@drdatalake.dfs.core.windows.net/`,
        extraConfigs: { 'fs.azure.account.auth.type': 'OAuth' },
      }));
    const mappings = JSON.stringify({ mounts });
    const counts = backup.manifest.counts;
    process.stdout.write(
      `snapshot of the primary (${values.size}): ${backup.manifest.artifacts.length} artifacts ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s — ` +
        `${counts.notebooks} notebooks, ${counts.jobs} jobs, ${counts.clusters} clusters, ${counts.permissions} permission sets\n\n`,
    );
    const key = backup.manifest.workspace.key;
    const first = await once_('failover', `${values.size}: failover`, secondary.url, storage.connectionString, container, key, mappings);
    process.stdout.write(`${line(first)}\n`);
    const rerun = await once_('failover', `${values.size}: re-run`, secondary.url, storage.connectionString, container, key, mappings);
    process.stdout.write(`${line(rerun)}\n`);
    const verify = await once_('verify', `${values.size}: verify`, secondary.url, storage.connectionString, container, key, mappings);
    process.stdout.write(`${line(verify)}\n`);
    process.stdout.write(
      `\nrecovery time ${first.seconds.toFixed(1)} s for ${first.artifacts} artifacts ` +
        `(${(first.artifacts / first.seconds).toFixed(0)} artifacts/s), ` +
        `${(first.boundSeconds / first.seconds).toFixed(2)} of the rate-limit bound (goal ≥ 0.9); bottleneck ${first.bottleneck}\n`,
    );
  } finally {
    await Promise.allSettled([primary.stop(), secondary.stop(), storage.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
