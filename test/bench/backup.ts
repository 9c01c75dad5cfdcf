/**
 * `npm run bench:backup`: backup throughput against the emulator's realistic preset
 * (documented Azure limits, ~50 ms latency) on a generated workspace.
 *
 * Reports, for a full and then an incremental run (1% of notebooks changed):
 *  - duration and artifacts per second;
 *  - the ratio of the rate-limit bound to the actual time (1.0 = as fast as the
 *    workspace's limits allow; goal ≥ 0.9);
 *  - incremental time as a fraction of the full run's (goal ≤ 0.1);
 *  - peak memory of the backup process, for two workspace sizes (goal: flat, ≤ 256 MB).
 *
 * The emulator and Azurite run in their own processes pinned to CPU 0; each backup
 * runs in a fresh process pinned to CPU 1 (test/bench/backupOnce.ts), so its peak
 * memory is its own. Options: --size large|medium|small (default large),
 * --changed <fraction> (default 0.01), --compare-size <size> (default medium; "none" to skip).
 */
import { parseArgs } from 'node:util';

import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { REALISTIC_RATE_LIMITS } from '../emulator/options.js';
import { azurite, emulatorProcess, emulatorStats, pin, rateLimitBound, resetStats } from './harness.js';

const TOKEN = 'dapi-bench';
const HEAP_CAP_MB = 128;

interface RunReport {
  label: string;
  seconds: number;
  artifacts: number;
  exported: number;
  requests: number;
  throttled: number;
  boundSeconds: number;
  bottleneck: string;
  peakRssMb: number;
  peakHeapMb: number;
  liveHeapMb: number;
}

async function measure(label: string, url: string, connectionString: string, container: string): Promise<RunReport> {
  await resetStats(url);
  // A capped V8 heap: the backup must complete in it, and the peak RSS then shows
  // what the process really needs rather than how lazily V8 collects garbage.
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      `--max-old-space-size=${HEAP_CAP_MB}`,
      '--import',
      'tsx',
      'test/bench/backupOnce.ts',
      url,
      TOKEN,
      connectionString,
      container,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (child.pid) pin(child.pid, 1);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`the backup process failed (${code})`);
  const run = JSON.parse(out.trim().split('\n').pop() as string) as {
    seconds: number;
    artifacts: number;
    exported: number;
    peakRssMb: number;
    peakHeapMb: number;
    maxRssMb: number;
    liveHeapMb: number;
  };
  const stats = await emulatorStats(url);
  const limits = REALISTIC_RATE_LIMITS;
  const bound = rateLimitBound(stats, limits.families as Record<string, number>, limits.default, limits.defaultWrite);
  const throttled = Object.values(stats.endpoints).reduce((n, e) => n + (e.statuses['429'] ?? 0), 0);
  return {
    label,
    seconds: run.seconds,
    artifacts: run.artifacts,
    exported: run.exported,
    requests: stats.total,
    throttled,
    boundSeconds: bound.seconds,
    bottleneck: bound.bottleneck,
    peakRssMb: run.maxRssMb,
    peakHeapMb: run.peakHeapMb,
    liveHeapMb: run.liveHeapMb,
  };
}

async function changeNotebooks(url: string, fraction: number): Promise<number> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const state = (await (await fetch(`${url}/__emulator/state`)).json()) as {
    workspace: Array<{ type: string; path: string; language?: string }>;
  };
  const notebooks = state.workspace.filter((o) => o.type === 'NOTEBOOK');
  const step = Math.max(1, Math.round(1 / fraction));
  let changed = 0;
  for (let i = 0; i < notebooks.length; i += step) {
    const nb = notebooks[i] as { path: string; language: string };
    const comment = nb.language === 'SCALA' ? '//' : nb.language === 'SQL' ? '--' : '#';
    const content = Buffer.from(`${comment} Databricks notebook source\n${comment} changed by the benchmark ${Date.now()}\n`).toString(
      'base64',
    );
    const r = await fetch(`${url}/api/2.0/workspace/import`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ path: nb.path, content, language: nb.language, overwrite: true }),
    });
    if (!r.ok) throw new Error(`changing ${nb.path} failed: ${r.status} ${await r.text()}`);
    changed += 1;
  }
  return changed;
}

function line(r: RunReport): string {
  const ratio = r.boundSeconds > 0 ? r.boundSeconds / r.seconds : NaN;
  return (
    `${r.label.padEnd(22)} ${r.seconds.toFixed(1).padStart(7)} s  ${String(r.artifacts).padStart(6)} artifacts  ` +
    `${(r.artifacts / r.seconds).toFixed(0).padStart(5)}/s  ` +
    `exported ${String(r.exported).padStart(5)}  requests ${String(r.requests).padStart(6)}  429s ${String(r.throttled).padStart(3)}  ` +
    `bound ${r.boundSeconds.toFixed(1).padStart(6)} s  ratio ${Number.isNaN(ratio) ? '  n/a' : ratio.toFixed(2)}  ` +
    `peak RSS ${r.peakRssMb.toFixed(0)} MB, live heap ${r.liveHeapMb.toFixed(0)} MB`
  );
}

async function benchSize(
  size: string,
  changed: number,
  pinned: boolean,
): Promise<{ full: RunReport; incremental: RunReport; changedCount: number }> {
  const emu = await emulatorProcess(['--sample', size, '--seed', '7', '--preset', 'realistic', '--token', TOKEN]);
  if (pinned && emu.child.pid) pin(emu.child.pid, 0);
  const storage = await azurite();
  if (pinned && storage.child.pid) pin(storage.child.pid, 0);
  try {
    const container = `bench-${size}`;
    const full = await measure(`${size}: full`, emu.url, storage.connectionString, container);
    const changedCount = await changeNotebooks(emu.url, changed);
    const incremental = await measure(`${size}: incremental`, emu.url, storage.connectionString, container);
    return { full, incremental, changedCount };
  } finally {
    await emu.stop();
    await storage.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'large' },
      changed: { type: 'string', default: '0.01' },
      'compare-size': { type: 'string', default: 'medium' },
    },
  });
  const pinned = pin(process.pid, 1);
  process.stdout.write(
    `Backup benchmark on the emulator's realistic preset (${pinned ? 'emulator and Azurite on CPU 0, backup on CPU 1' : 'not pinned'})\n\n`,
  );
  const main = await benchSize(values.size, Number(values.changed), pinned);
  process.stdout.write(`${line(main.full)}\n${line(main.incremental)}   (${main.changedCount} notebooks changed)\n`);
  let compare: { full: RunReport } | undefined;
  if (values['compare-size'] !== 'none') {
    compare = await benchSize(values['compare-size'], Number(values.changed), pinned);
    process.stdout.write(`${line(compare.full)}\n`);
  }
  const ratio = main.full.boundSeconds / main.full.seconds;
  const incrementalShare = main.incremental.seconds / main.full.seconds;
  process.stdout.write(
    `\nfull run: ${(main.full.artifacts / main.full.seconds).toFixed(0)} artifacts/s, ` +
      `${ratio.toFixed(2)} of the rate-limit bound (goal ≥ 0.9); bottleneck ${main.full.bottleneck}\n` +
      `incremental run: ${incrementalShare.toFixed(3)} of the full run's time (goal ≤ 0.1)\n` +
      `memory (V8 heap capped at ${HEAP_CAP_MB} MB): peak RSS ${main.full.peakRssMb.toFixed(0)} MB, ` +
      `live heap ${main.full.liveHeapMb.toFixed(0)} MB for ${values.size}` +
      (compare
        ? `; ${compare.full.peakRssMb.toFixed(0)} MB and ${compare.full.liveHeapMb.toFixed(0)} MB for ${values['compare-size']} ` +
          '(goal: flat, ≤ 256 MB)\n'
        : '\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
