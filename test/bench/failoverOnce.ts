/**
 * One failover (or verify) in a process of its own, for `npm run bench:failover`.
 * Prints one JSON line: duration, counts, requests and peak memory.
 * Usage: failoverOnce.ts <failover|verify> <secondary url> <token> <storage connection string> <container> <source key> <mappings json>
 */
import { loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor, storeFor } from '../../shared/app/services.js';
import { runFailover } from '../../shared/failover/failover.js';
import { verifyTarget } from '../../shared/failover/verify.js';
import { nullLogger } from '../../shared/log/logger.js';
import { memoryProbe } from './harness.js';

const [mode, url, token, connectionString, container, sourceKey, mappings] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const config = loadConfig(
  {
    DR_WORKSPACE_SECONDARY_HOST: url,
    DR_WORKSPACE_SECONDARY_AUTH: 'pat',
    DR_WORKSPACE_SECONDARY_TOKEN: token,
    DR_FAILOVER_MAPPINGS: mappings,
  },
  { readFile: () => undefined },
);
const target = requireProfile(config, 'secondary');
const client = clientFor(target, config.rateLimits, nullLogger);
const store = storeFor({ connectionString, container });
const manifest = await store.latestManifest(sourceKey);
if (!manifest) throw new Error(`no snapshot of ${sourceKey} in ${container}`);
const probe = memoryProbe();
const t0 = performance.now();
if (mode === 'verify') {
  const report = await verifyTarget({ manifest, store, target, client, mappings: config.failover.mappings });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ seconds, ok: report.ok, checked: report.checked, drift: report.drift.length, ...probe.stop() })}\n`,
  );
} else {
  const report = await runFailover({ manifest, store, target, client, mappings: config.failover.mappings });
  const seconds = (performance.now() - t0) / 1000;
  const failed = report.items.filter((i) => i.action === 'failed' || i.action === 'conflict').slice(0, 5);
  const result = {
    seconds,
    status: report.status,
    artifacts: report.items.length,
    counts: report.counts,
    failed,
    stats: report.stats,
    timeline: report.timeline,
    ...probe.stop(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
client.close();
