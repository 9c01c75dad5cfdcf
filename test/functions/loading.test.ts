/**
 * The function modules load the way the Functions host loads them: as native ES
 * modules through Node's own loader (jest's transform would hide CommonJS interop
 * problems), each registering its function. Outside the host, @azure/functions is
 * in test mode and prints one "Skipping call to register function" per registration,
 * which is what this reads.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { spawnTs } from '../support/spawn.js';

test('every module in functions/ loads under plain Node ESM and registers its functions', async () => {
  const modules = readdirSync('functions').filter((n) => n.endsWith('.ts'));
  const entry = join(mkdtempSync(join(tmpdir(), 'dr-load-')), 'load.mts');
  writeFileSync(
    entry,
    modules.map((m) => `await import(${JSON.stringify(resolve('functions', m))});`).join('\n') + '\nconsole.log("loaded");\n',
  );
  const p = spawnTs(entry, []);
  const code = await p.exit();
  const output = p.stdout() + p.stderr();
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  const registered = [...output.matchAll(/Skipping call to register function "(\w+)"/g)].map((m) => m[1]).sort();
  expect(registered).toEqual([
    'alertsApi',
    'backupApi',
    'backupQueue',
    'backupTimer',
    'dashboard',
    'failoverApi',
    'failoverQueue',
    'runsApi',
    'snapshotsApi',
    'statusApi',
    'verifyApi',
  ]);
}, 60_000);
