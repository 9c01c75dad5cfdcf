import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

import { startAzurite, type AzuriteHandle } from '../support/azurite.mjs';

/** Pin a process to one CPU; false when taskset is missing. */
export function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface EmulatorProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** An emulator in its own process (so it never competes with the code under test for the event loop). */
export async function emulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', 'test/emulator/cli.ts', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  child.stdout?.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(buffer);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before listening: ${buffer}`)));
  });
  child.stdout?.resume();
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function azurite(): Promise<AzuriteHandle> {
  return startAzurite();
}

/** Samples this process's memory every `everyMs` and keeps the peaks. */
export function memoryProbe(everyMs = 25): { stop(): { peakRssMb: number; peakHeapMb: number } } {
  let rss = 0;
  let heap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssMb: rss / 1024 / 1024, peakHeapMb: heap / 1024 / 1024 };
    },
  };
}

export interface EmulatorStats {
  total: number;
  endpoints: Record<string, { count: number; family: string; statuses: Record<string, number> }>;
  families: Record<string, number>;
}

export async function emulatorStats(url: string): Promise<EmulatorStats> {
  return (await (await fetch(`${url}/__emulator/stats`)).json()) as EmulatorStats;
}

export async function resetStats(url: string): Promise<void> {
  await fetch(`${url}/__emulator/stats/reset`, { method: 'POST' });
}

/**
 * The shortest time the workspace's rate limits allow for the requests a run made:
 * each named family's requests at its rate, each other endpoint at the default rate,
 * all in parallel. A run can be no faster than its slowest bucket.
 */
export function rateLimitBound(
  stats: EmulatorStats,
  families: Record<string, number>,
  defaultRead: number,
  defaultWrite: number,
): { seconds: number; bottleneck: string } {
  let worst = { seconds: 0, bottleneck: 'none' };
  const consider = (name: string, requests: number, rate: number): void => {
    // A full bucket absorbs one second of traffic at once.
    const seconds = Math.max(0, (requests - rate) / rate);
    if (seconds > worst.seconds) worst = { seconds, bottleneck: `${name} (${requests} requests at ${rate}/s)` };
  };
  for (const [family, count] of Object.entries(stats.families)) {
    if (families[family] !== undefined) consider(family, count, families[family] as number);
  }
  for (const [route, e] of Object.entries(stats.endpoints)) {
    if (families[e.family] !== undefined) continue;
    consider(route, e.count, route.startsWith('GET ') ? defaultRead : defaultWrite);
  }
  return worst;
}
