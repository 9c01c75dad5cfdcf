/**
 * One backup in a process of its own, so the benchmark measures its peak memory
 * cleanly. Prints one JSON line: duration, artifacts, stats and memory peaks.
 * Usage: backupOnce.ts <workspace url> <token> <storage connection string> <container>
 */
import { runBackup } from '../../shared/backup/backup.js';
import { loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor, storeFor } from '../../shared/app/services.js';
import { nullLogger } from '../../shared/log/logger.js';
import { memoryProbe } from './harness.js';

const [url, token, connectionString, container] = process.argv.slice(2) as [string, string, string, string];
const config = loadConfig({ DR_WORKSPACE_PRIMARY_HOST: url, DR_WORKSPACE_PRIMARY_TOKEN: token }, { readFile: () => undefined });
const profile = requireProfile(config, 'primary');
const client = clientFor(profile, config.rateLimits, nullLogger);
const store = storeFor({ connectionString, container });
const probe = memoryProbe();
// The live set: heap in use right after a full collection, sampled every 2 s.
let liveHeap = 0;
const liveTimer = setInterval(() => {
  global.gc?.();
  liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed);
}, 2000);
const t0 = performance.now();
const result = await runBackup({ profile, client, store, settings: config.backup });
const seconds = (performance.now() - t0) / 1000;
const memory = probe.stop();
clearInterval(liveTimer);
client.close();
process.stdout.write(
  `${JSON.stringify({
    seconds,
    artifacts: result.manifest.artifacts.length,
    exported: result.manifest.stats.exported,
    reused: result.manifest.stats.reused,
    retries: result.manifest.stats.retries,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    liveHeapMb: liveHeap / 1024 / 1024,
    ...memory,
  })}\n`,
);
