/**
 * `npm start`: the local DR drill on embedded defaults, entirely on loopback.
 *
 * Today (backup is built, failover is next) it:
 *  1. starts Azurite (blob storage) and an emulated primary workspace filled with a
 *     generated sample workspace;
 *  2. backs the primary up into Azurite, then backs it up again (incrementally);
 *  3. verifies the snapshot object by object;
 *  4. prints a summary: what was captured, how long it took, what needs a human.
 *
 * Options:
 *   --size <name>  tiny | small | medium | large (default small)
 *   --seed <n>     generator seed (default 42)
 *   --serve        keep the emulator and Azurite running afterwards, to explore them
 */
import { parseArgs } from 'node:util';

import { runBackup } from '../../shared/backup/backup.js';
import { loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor } from '../../shared/databricks/fromProfile.js';
import { nullLogger } from '../../shared/log/logger.js';
import { SnapshotStore } from '../../shared/snapshot/store.js';
import { verifySnapshot } from '../../shared/snapshot/verify.js';
import { generateSampleWorkspace, SAMPLE_SIZES, type SampleSize } from '../emulator/generator/sampleWorkspace.js';
import { startEmulator } from '../emulator/server.js';
import { startAzurite } from '../support/azurite.mjs';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'small' },
      seed: { type: 'string', default: '42' },
      serve: { type: 'boolean', default: false },
    },
  });
  if (!Object.hasOwn(SAMPLE_SIZES, values.size)) {
    throw new Error(`--size must be one of ${Object.keys(SAMPLE_SIZES).join(', ')}; got "${values.size}".`);
  }
  const seed = Number(values.seed);
  const token = 'dapi-local-drill';
  const t0 = performance.now();

  say('databricks-dr local DR drill (everything on 127.0.0.1)');
  const storage = await startAzurite();
  say(`  storage   Azurite blob service at ${storage.url}`);
  const fixture = generateSampleWorkspace({ seed, ...SAMPLE_SIZES[values.size as SampleSize] });
  const primary = await startEmulator({ fixture, seed, token, clusterStartMs: 1000, latency: { fixedMs: 5, jitterMs: 5 } });
  const ws = primary.workspace;
  const notebooks = [...ws.tree.walk()].filter((n) => n.objectType === 'NOTEBOOK').length;
  say(`  primary   emulated workspace at ${primary.url} (sample "${values.size}", seed ${seed}):`);
  say(`            ${notebooks} notebooks, ${ws.clusters.records.size} clusters, ${ws.jobs.records.size} jobs, ${ws.principals.users.size} users, ${ws.principals.groups.size} groups, ${ws.secrets.scopes.size} secret scopes`);

  const env = { DR_WORKSPACE_PRIMARY_HOST: primary.url, DR_WORKSPACE_PRIMARY_TOKEN: token, DR_STORAGE_CONNECTION_STRING: storage.connectionString };
  const config = loadConfig(env, { readFile: () => undefined });
  const profile = requireProfile(config, 'primary');
  const store = SnapshotStore.fromConfig(config.storage);
  const backup = async () => {
    const client = clientFor(profile, config.rateLimits, nullLogger);
    try {
      return await runBackup({ profile, client, store, settings: config.backup });
    } finally {
      client.close();
    }
  };

  say();
  say('1. Full backup of the primary');
  const first = await backup();
  const s1 = first.manifest.stats;
  say(`   snapshot ${first.snapshotId}: ${first.manifest.artifacts.length} artifacts in ${seconds(s1.durationMs)}, ${s1.uploadedObjects} objects stored, ${s1.requests} API requests`);
  say(`   ${Object.entries(first.counts).map(([k, n]) => `${k} ${n}`).join(', ')}`);

  say('2. Incremental backup after one notebook changed');
  const changed = [...ws.tree.walk()].find((n) => n.objectType === 'NOTEBOOK' && n.notebook?.language === 'PYTHON');
  if (changed?.notebook) changed.notebook.cells.push({ command: 'print("changed during the drill")' });
  if (changed) changed.modifiedAt = Date.now();
  const second = await backup();
  const s2 = second.manifest.stats;
  say(`   snapshot ${second.snapshotId}: ${s2.reused} artifacts reused, ${s2.exported} read again, ${s2.uploadedObjects} new object(s) in ${seconds(s2.durationMs)}`);

  say('3. Verify every object of the latest snapshot');
  const report = await verifySnapshot(store, second.manifest);
  say(`   ${report.ok ? 'intact' : 'FAILED'}: ${report.objectsChecked} objects, ${(report.bytesChecked / 1024 / 1024).toFixed(1)} MiB checked`);

  say();
  say(`Summary: the primary workspace is backed up and verified in ${seconds(performance.now() - t0)} in total.`);
  const needs = second.uncaptured;
  if (needs.length > 0) {
    say(`What a person would have to do after a failover (${needs.length}):`);
    for (const u of needs) say(`  - ${u.kind} ${u.key}: ${u.reason}${u.action ? `\n    -> ${u.action}` : ''}`);
  }
  say('Failover into a secondary workspace is the next step of this project (issue #4).');

  if (!values.serve) {
    await primary.stop();
    await storage.stop();
    return;
  }
  say();
  say('Still running (--serve). Explore with:');
  say(`  curl -s -H "Authorization: Bearer ${token}" "${primary.url}/api/2.0/workspace/list?path=/Shared"`);
  say(`  DR_WORKSPACE_PRIMARY_HOST=${primary.url} DR_WORKSPACE_PRIMARY_TOKEN=${token} \\`);
  say(`  DR_STORAGE_CONNECTION_STRING='${storage.connectionString}' npm run cli -- snapshots show latest --source primary`);
  say('Press Ctrl+C to stop.');
  const stop = (): void => void Promise.all([primary.stop(), storage.stop()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`drill: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
