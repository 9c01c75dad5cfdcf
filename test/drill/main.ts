/**
 * `npm start`: the local DR drill on embedded defaults, entirely on loopback.
 *
 *  1. starts Azurite (blob storage), an emulated primary workspace filled with a
 *     generated sample workspace, and an empty emulated secondary (the DR workspace);
 *  2. backs the primary up into Azurite, then backs it up again (incrementally),
 *     and checks the snapshot object by object;
 *  3. fails over into the secondary, verifies the secondary against the snapshot
 *     (the DR drill proper), and fails over again to show that nothing changes;
 *  4. prints a summary: what was copied, how long it took, what needs a human.
 *
 * Options:
 *   --size <name>  tiny | small | medium | large (default small)
 *   --seed <n>     generator seed (default 42)
 *   --serve        keep everything running afterwards, and run the function app on
 *                  loopback too (HTTP API, status page, both queue functions on a
 *                  Service Bus test broker), to explore them
 */
import { parseArgs } from 'node:util';

import { runBackup } from '../../shared/backup/backup.js';
import { loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor, storeFor } from '../../shared/app/services.js';
import { runFailover } from '../../shared/failover/failover.js';
import { summarizeFailover, summarizeVerify } from '../../shared/failover/summary.js';
import { recordVerifyRun, verifyTarget } from '../../shared/failover/verify.js';
import { nullLogger } from '../../shared/log/logger.js';
import { verifySnapshot } from '../../shared/snapshot/integrity.js';
import { generateSampleWorkspace, SAMPLE_SIZES, type SampleSize } from '../emulator/generator/sampleWorkspace.js';
import { startEmulator } from '../emulator/server.js';
import { startAzurite } from '../support/azurite.mjs';
import { fakeEntraToken } from '../support/entra.js';
import { serveFunctionApp } from './serve.js';

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
  say(
    `            ${notebooks} notebooks, ${ws.clusters.records.size} clusters, ${ws.jobs.records.size} jobs, ` +
      `${ws.principals.users.size} users, ${ws.principals.groups.size} groups, ${ws.secrets.scopes.size} secret scopes`,
  );

  // The DR workspace is reached with an Entra ID token, as the function app's managed
  // identity reaches it in Azure (Key Vault-backed secret scopes need one).
  const secondary = await startEmulator({ seed: seed + 1, clusterStartMs: 1000, latency: { fixedMs: 5, jitterMs: 5 } });
  const drAdmin = 'admin@example.com';
  say(`  secondary emulated DR workspace at ${secondary.url} (empty; signed in as ${drAdmin} with an Entra ID token)`);

  const env = {
    DR_WORKSPACE_PRIMARY_HOST: primary.url,
    DR_WORKSPACE_PRIMARY_TOKEN: token,
    DR_WORKSPACE_SECONDARY_HOST: secondary.url,
    DR_WORKSPACE_SECONDARY_AUTH: 'pat',
    DR_WORKSPACE_SECONDARY_TOKEN: fakeEntraToken(drAdmin),
    DR_STORAGE_CONNECTION_STRING: storage.connectionString,
    // The DR region's storage for the sample's mount points; they authenticate as the cluster's identity.
    DR_FAILOVER_MAPPINGS: JSON.stringify({
      mounts: [
        {
          mountPoint: '/mnt/raw',
          source: 'abfss://raw@drdatalake.dfs.core.windows.net/',
          extraConfigs: { 'fs.azure.account.auth.type': 'OAuth' },
        },
        {
          mountPoint: '/mnt/curated',
          source: 'abfss://curated@drdatalake.dfs.core.windows.net/',
          extraConfigs: { 'fs.azure.account.auth.type': 'OAuth' },
        },
      ],
    }),
  };
  const config = loadConfig(env, { readFile: () => undefined });
  const profile = requireProfile(config, 'primary');
  const drProfile = requireProfile(config, 'secondary');
  const store = storeFor(config.storage);
  const backup = async () => {
    const client = clientFor(profile, config.rateLimits, nullLogger);
    try {
      return await runBackup({ profile, client, store, settings: config.backup });
    } finally {
      client.close();
    }
  };
  const withDrClient = async <T>(fn: (client: ReturnType<typeof clientFor>) => Promise<T>): Promise<T> => {
    const client = clientFor(drProfile, config.rateLimits, nullLogger);
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  };

  say();
  say('1. Full backup of the primary');
  const first = await backup();
  const s1 = first.manifest.stats;
  say(
    `   snapshot ${first.snapshotId}: ${first.manifest.artifacts.length} artifacts in ${seconds(s1.durationMs)}, ` +
      `${s1.uploadedObjects} objects stored, ${s1.requests} API requests`,
  );
  say(
    `   ${Object.entries(first.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );

  say('2. Incremental backup after one notebook changed');
  const changed = [...ws.tree.walk()].find((n) => n.objectType === 'NOTEBOOK' && n.notebook?.language === 'PYTHON');
  if (changed?.notebook) changed.notebook.cells.push({ command: 'print("changed during the drill")' });
  if (changed) changed.modifiedAt = Date.now();
  const second = await backup();
  const s2 = second.manifest.stats;
  say(
    `   snapshot ${second.snapshotId}: ${s2.reused} artifacts reused, ${s2.exported} read again, ` +
      `${s2.uploadedObjects} new object(s) in ${seconds(s2.durationMs)}`,
  );

  say('3. Verify every object of the latest snapshot');
  const report = await verifySnapshot(store, second.manifest);
  say(
    `   ${report.ok ? 'intact' : 'FAILED'}: ${report.objectsChecked} objects, ` +
      `${(report.bytesChecked / 1024 / 1024).toFixed(1)} MiB checked`,
  );

  say('4. Fail over into the secondary');
  const failover = await withDrClient((client) =>
    runFailover({ manifest: second.manifest, store, target: drProfile, client, mappings: config.failover.mappings }),
  );
  const c = failover.counts;
  say(
    `   ${failover.status}: ${c.create ?? 0} created, ${c.update ?? 0} updated, ${c.unchanged ?? 0} unchanged, ` +
      `${c.skip ?? 0} skipped, ${c.failed ?? 0} failed in ${seconds(failover.durationMs)} (${failover.stats.requests} API requests)`,
  );
  say(`   job schedules arrive paused; ${failover.byKind.clusters?.create ?? 0} clusters created and terminated at once`);

  say('5. Verify the secondary against the snapshot (the DR drill)');
  const verifyStarted = new Date();
  const verify = await withDrClient((client) =>
    verifyTarget({ manifest: second.manifest, store, target: drProfile, client, mappings: config.failover.mappings }),
  );
  await recordVerifyRun(store, verify, { source: 'primary', target: 'secondary', requestedBy: 'npm start', startedAt: verifyStarted });
  for (const line of summarizeVerify(verify, 10)) say(`   ${line}`);

  say('6. Fail over again: a re-run must change nothing');
  const again = await withDrClient((client) =>
    runFailover({ manifest: second.manifest, store, target: drProfile, client, mappings: config.failover.mappings }),
  );
  const changes = (again.counts.create ?? 0) + (again.counts.update ?? 0);
  say(
    `   ${changes === 0 ? 'nothing to do' : `${changes} CHANGES`}: ` +
      `${again.counts.unchanged ?? 0} unchanged in ${seconds(again.durationMs)}`,
  );

  say();
  const ok = report.ok && failover.status === 'succeeded' && verify.ok && changes === 0;
  say(`Summary: ${ok ? 'the drill passed' : 'THE DRILL FAILED'} in ${seconds(performance.now() - t0)} in total.`);
  say(
    `  The primary's ${second.manifest.artifacts.length} artifacts were backed up, ` +
      `and restored into the secondary in ${seconds(failover.durationMs)}:`,
  );
  say(
    `  ${Object.entries(failover.byKind)
      .map(([k, n]) => `${k} ${Object.values(n).reduce((a, b) => a + (b ?? 0), 0)}`)
      .join(', ')}`,
  );
  const needs = failover.needsHuman;
  if (needs.length > 0) {
    say(`What a person must still do in the DR workspace (${needs.length}):`);
    for (const line of summarizeFailover(failover).slice(summarizeFailover(failover).findIndex((l) => l.startsWith('  What a person')) + 1))
      say(line);
  }
  if (!ok) process.exitCode = 1;

  if (!values.serve) {
    await primary.stop();
    await secondary.stop();
    await storage.stop();
    return;
  }
  const app = await serveFunctionApp(env);
  say();
  say('Still running (--serve), with the function app on loopback. Explore with:');
  say(`  the status page   ${app.url}/api/dashboard?code=${app.key}`);
  say(`  a dry run         curl -s -X POST "${app.url}/api/failover?code=${app.key}" -d '{"dryRun": true}'`);
  say(`  a backup          curl -s -X POST "${app.url}/api/backup?code=${app.key}" -d '{"reason": "trying it"}'`);
  say(`  a run             curl -s "${app.url}/api/runs/<runId>?code=${app.key}"`);
  say(`  the workspaces    curl -s -H "Authorization: Bearer ${token}" "${primary.url}/api/2.0/workspace/list?path=/Shared"`);
  say(`  the CLI           DR_WORKSPACE_PRIMARY_HOST=${primary.url} DR_WORKSPACE_PRIMARY_TOKEN=${token} \\`);
  say(`                    DR_STORAGE_CONNECTION_STRING='${storage.connectionString}' npm run cli -- snapshots list`);
  say('Press Ctrl+C to stop.');
  const stop = (): void =>
    void app
      .stop()
      .then(() => Promise.all([primary.stop(), secondary.stop(), storage.stop()]))
      .then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`drill: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
