/**
 * `npm start`: the local DR drill on embedded defaults.
 *
 * Until backup and failover exist this starts an emulated primary workspace filled
 * with a generated sample workspace and prints how to reach it. Options:
 *   --port <n>     port for the primary (default 8080, or a free port when taken)
 *   --size <name>  tiny | small | medium | large (default small)
 *   --seed <n>     generator seed (default 42)
 *   --once         print the summary and exit (used by the smoke test)
 */
import { parseArgs } from 'node:util';

import { generateSampleWorkspace, SAMPLE_SIZES, type SampleSize } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';

async function start(port: number, options: Parameters<typeof startEmulator>[0]): Promise<EmulatorHandle> {
  try {
    return await startEmulator({ ...options, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startEmulator({ ...options, port: 0 });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      size: { type: 'string', default: 'small' },
      seed: { type: 'string', default: '42' },
      once: { type: 'boolean', default: false },
    },
  });
  if (!Object.hasOwn(SAMPLE_SIZES, values.size)) {
    throw new Error(`--size must be one of ${Object.keys(SAMPLE_SIZES).join(', ')}; got "${values.size}".`);
  }
  const seed = Number(values.seed);
  const t0 = performance.now();
  const fixture = generateSampleWorkspace({ seed, ...SAMPLE_SIZES[values.size as SampleSize] });
  const primary = await start(Number(values.port), { fixture, seed, clusterStartMs: 1000 });
  const ws = primary.workspace;
  const notebooks = [...ws.tree.walk()].filter((n) => n.objectType === 'NOTEBOOK').length;
  const token = 'dapi-local-drill';
  const lines = [
    '',
    `Databricks emulator listening on ${primary.url}`,
    `Primary workspace (sample "${values.size}", seed ${seed}) ready in ${Math.round(performance.now() - t0)} ms:`,
    `  ${notebooks} notebooks, ${ws.clusters.records.size} clusters, ${ws.jobs.records.size} jobs, ${ws.principals.users.size} users, ` +
      `${ws.principals.groups.size} groups, ${ws.secrets.scopes.size} secret scopes, ${ws.pools.records.size} instance pools`,
    '',
    'Reach it with any token that starts with "dapi", for example:',
    `  curl -s -H "Authorization: Bearer ${token}" "${primary.url}/api/2.0/workspace/list?path=/Shared"`,
    '',
    'Or as a Databricks CLI / SDK profile in ~/.databrickscfg:',
    '  [primary]',
    `  host  = ${primary.url}`,
    `  token = ${token}`,
    '',
    `Request counters: ${primary.url}/__emulator/stats    Full state: ${primary.url}/__emulator/state`,
    values.once ? '' : 'Press Ctrl+C to stop.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (values.once) {
    await primary.stop();
    return;
  }
  const stop = (): void => void primary.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`drill: ${(error as Error).message}\n`);
  process.exit(1);
});
