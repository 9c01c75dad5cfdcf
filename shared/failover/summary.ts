import type { CutoverReport } from './cutover.js';
import type { FailoverReport } from './failover.js';
import type { VerifyReport } from './verify.js';

const ACTIONS = ['create', 'update', 'unchanged', 'skip', 'conflict', 'failed'] as const;

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A failover report as lines a person reads: the plan (dry run) or the outcome, and what needs a human. */
export function summarizeFailover(report: FailoverReport, options: { all?: boolean; limit?: number } = {}): string[] {
  const limit = options.limit ?? 20;
  const verb = report.dryRun ? 'Plan for' : report.status === 'partial' ? 'Partial failover of' : 'Failover of';
  const lines = [
    `${verb} snapshot ${report.snapshotId} (${report.source.key}) into ${report.target.key} (profile ${report.target.profile}): ` +
      `${report.dryRun ? 'nothing was written' : report.status} in ${seconds(report.durationMs)}.`,
    `  ${
      ACTIONS.filter((a) => report.counts[a])
        .map((a) => `${report.counts[a]} ${report.dryRun && a !== 'unchanged' && a !== 'skip' ? `to ${a}` : a}`)
        .join(', ') || 'nothing to do'
    }; ${report.stats.requests} API requests, ${report.stats.throttled} throttled.`,
  ];
  if (report.error) lines.push(`  Stopped: ${report.error}`);
  lines.push('  By kind:');
  for (const [kind, counts] of Object.entries(report.byKind)) {
    lines.push(
      `    ${kind.padEnd(18)} ${ACTIONS.filter((a) => counts[a])
        .map((a) => `${a} ${counts[a]}`)
        .join(', ')}`,
    );
  }
  // A plan lists every object; an outcome lists what needs a look (unless asked for all).
  const all = options.all === true || report.dryRun;
  const notable = report.items.filter((i) => all || (i.action !== 'unchanged' && i.action !== 'create'));
  if (notable.length > 0) {
    lines.push(report.dryRun ? '  Objects:' : all ? '  Objects:' : '  Objects that need a look:');
    const sorted = all ? [...notable].sort((a, b) => a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key)) : notable;
    for (const i of sorted.slice(0, all ? sorted.length : limit))
      lines.push(`    ${i.action.padEnd(9)} ${i.kind} ${i.key}${i.note ? ` — ${i.note}` : ''}`);
    if (!all && notable.length > limit) lines.push(`    … and ${notable.length - limit} more (--all or --json lists them all)`);
  }
  if (report.needsHuman.length > 0) {
    lines.push(`  What a person must still do (${report.needsHuman.length}):`);
    for (const n of report.needsHuman) lines.push(`    - ${n.kind} ${n.key}: ${n.reason}${n.action ? `\n      → ${n.action}` : ''}`);
  }
  return lines;
}

export function summarizeVerify(report: VerifyReport, limit = 30): string[] {
  const lines = [
    report.ok
      ? `No drift: ${report.target.key} matches snapshot ${report.snapshotId} (${report.checked} objects compared` +
        `${report.skipped ? `, ${report.skipped} left out on purpose` : ''}) in ${seconds(report.durationMs)}.`
      : `Drift: ${report.drift.length} of ${report.checked} objects in ${report.target.key} do not match snapshot ${report.snapshotId}:`,
  ];
  for (const d of report.drift.slice(0, limit)) lines.push(`  ${d.drift.padEnd(8)} ${d.kind} ${d.key}${d.detail ? ` — ${d.detail}` : ''}`);
  if (report.drift.length > limit) lines.push(`  … and ${report.drift.length - limit} more (--json lists them all)`);
  return lines;
}

export function summarizeCutover(report: CutoverReport): string[] {
  const count = (r: string): number => report.jobs.filter((j) => j.result === r).length;
  const lines = [
    `${report.dryRun ? 'Cutover plan for' : 'Cutover of'} ${report.target.key}: ` +
      `${count('unpaused')} job(s) ${report.dryRun ? 'to unpause' : 'unpaused'}, ${count('unchanged')} already as in the source, ` +
      `${count('missing')} missing, ${count('failed')} failed.`,
  ];
  for (const j of report.jobs.filter((x) => x.result === 'missing' || x.result === 'failed'))
    lines.push(`  ${j.result} job ${j.name ?? j.sourceId}: ${j.detail ?? ''}`);
  const p = report.oldPrimary;
  if (p === undefined) lines.push('  The old primary was not given (--old-primary), so its schedules were left alone.');
  else if (!p.reachable)
    lines.push(
      `  The old primary (${p.host}) cannot be reached; pause its schedules when it is back, before anything else runs there. ` +
        `(${p.error ?? ''})`,
    );
  else
    lines.push(
      `  Old primary ${p.host}: ${p.paused} job(s) ${report.dryRun ? 'to pause' : 'paused'}, ` +
        `${p.alreadyPaused} already paused${p.failed ? `, ${p.failed} failed` : ''}.`,
    );
  return lines;
}
