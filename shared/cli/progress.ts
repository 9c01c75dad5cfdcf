/**
 * Progress bars on stderr while a long command runs, only on a terminal and never
 * with --json or --quiet (the caller says whether they are enabled).
 */
import { MultiBar, Presets } from 'cli-progress';

import type { BackupProgress } from '../backup/backup.js';
import type { FailoverProgress } from '../failover/failover.js';

export interface Progress<E> {
  onProgress: (event: E) => void;
  stop: () => void;
}

/** Whether progress bars belong on stderr: a terminal, and neither --json nor --quiet. */
export function wantsProgress(globals: { json?: boolean; quiet?: boolean }): boolean {
  return process.stderr.isTTY === true && !globals.json && !globals.quiet;
}

/** One bar for a backup: artifacts read, exported and reused, and the kind at hand. */
export function backupBar(enabled: boolean): Progress<BackupProgress> {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  const multi = new MultiBar(
    {
      format: ' {kind} |{bar}| {value} artifacts  exported {exported}  reused {reused}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  const bar = multi.create(1, 0, { kind: 'starting'.padEnd(17), exported: 0, reused: 0 });
  let value = 0;
  let exported = 0;
  let reused = 0;
  let kind = 'starting';
  return {
    onProgress: (e) => {
      if (e.type === 'kind' && e.state === 'started') kind = e.kind;
      if (e.type === 'artifact') {
        value += 1;
        if (e.action === 'exported') exported += 1;
        if (e.action === 'reused') reused += 1;
        kind = e.kind;
      }
      if (e.type === 'commit') kind = 'committing';
      bar.setTotal(Math.max(value + 1, bar.getTotal()));
      bar.update(value, { kind: kind.padEnd(17), exported, reused });
    },
    stop: () => multi.stop(),
  };
}

/** One bar per kind for a failover or a verify, counting each action; `label` says what the count is ("restored"). */
export function failoverBar(enabled: boolean, label: string): Progress<FailoverProgress> {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  const multi = new MultiBar(
    { format: ` {kind} |{bar}| {value}/{total} ${label}  {detail}`, hideCursor: true, clearOnComplete: false, stream: process.stderr },
    Presets.shades_classic,
  );
  const bars = new Map<string, ReturnType<MultiBar['create']>>();
  const counts = new Map<string, Record<string, number>>();
  return {
    onProgress: (e) => {
      if (e.type === 'phase') {
        bars.set(e.kind, multi.create(Math.max(1, e.total), 0, { kind: e.kind.padEnd(17), detail: '' }));
        counts.set(e.kind, {});
        return;
      }
      const c = counts.get(e.kind) ?? {};
      c[e.action] = (c[e.action] ?? 0) + 1;
      counts.set(e.kind, c);
      bars.get(e.kind)?.increment(1, {
        detail: Object.entries(c)
          .map(([k, n]) => `${k} ${n}`)
          .join(' '),
      });
    },
    stop: () => multi.stop(),
  };
}
