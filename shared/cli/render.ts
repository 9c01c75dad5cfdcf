/**
 * What the commands print. Results go to stdout, as human text or, with --json, as
 * one JSON object; messages about failures go to stderr. Each command's result has a
 * view (its JSON value and its text), and `emit` prints the one the flags ask for.
 */
import type { BackupResult } from '../backup/backup.js';
import { ConfigError, DrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import type { CutoverReport } from '../failover/cutover.js';
import type { FailoverReport } from '../failover/failover.js';
import { summarizeCutover, summarizeFailover, summarizeVerify } from '../failover/summary.js';
import type { VerifyReport as DriftReport } from '../failover/verify.js';
import type { PruneReport } from '../snapshot/retention.js';
import type { Manifest, SnapshotSummary } from '../snapshot/types.js';
import type { VerifyReport as IntegrityReport } from '../snapshot/integrity.js';
import { formatBytes, formatDuration, printJson } from './output.js';
import { importOrder, REGISTRY } from '../kinds/registry.js';

/** A result, both ways: the --json value and the human text (newline-terminated). */
export interface View {
  json: () => unknown;
  text: () => string;
}

/** Print `view` on stdout: its JSON with --json, else its text. */
export function emit(view: View, json: boolean): void {
  if (json) printJson(view.json());
  else process.stdout.write(view.text());
}

function lines(list: string[]): string {
  return list.join('\n') + '\n';
}

/** A command that failed: with --json an error object on stdout; always a message on stderr (and the stack of a bug). */
export function emitFailure(error: unknown, json: boolean): void {
  const message = redact(error instanceof Error ? error.message : String(error));
  if (json)
    printJson({
      ok: false,
      error: {
        code: error instanceof DrError ? error.code : 'UNEXPECTED',
        message,
        ...(error instanceof ConfigError
          ? { problems: error.problems.map((p) => ({ setting: p.setting, problem: redact(p.problem), fix: p.fix })) }
          : {}),
      },
    });
  process.stderr.write(`databricks-dr: ${message}\n`);
  if (!(error instanceof DrError)) process.stderr.write(`${redact((error as Error).stack ?? '')}\n`);
}

/** Flags commander refused, with --json: the error object (commander has already written its message on stderr). */
export function emitUsageError(message: string): void {
  printJson({ ok: false, error: { code: 'USAGE', message } });
}

export function backupView(result: BackupResult): View {
  const s = result.manifest.stats;
  return {
    json: () => ({
      ok: true,
      snapshotId: result.snapshotId,
      workspace: result.workspaceKey,
      parentSnapshotId: result.parentSnapshotId,
      counts: result.counts,
      uncaptured: result.uncaptured,
      stats: s,
    }),
    text: () =>
      lines([
        `Snapshot ${result.snapshotId} of ${result.workspaceKey} committed in ${formatDuration(s.durationMs)}.`,
        `  ${result.manifest.artifacts.length} artifacts: ${s.exported} read from the workspace, ` +
          `${s.reused} reused unchanged from ${result.parentSnapshotId ?? 'the checkpoint of an unfinished run'}.`,
        `  ${s.uploadedObjects} new objects stored (${formatBytes(s.uploadedBytes)}); ` +
          `${s.requests} API requests, ${s.retries} retries, ${s.throttled} throttled.`,
        `  ${Object.entries(result.counts)
          .filter(([, n]) => n !== 0)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
        ...(result.uncaptured.length > 0
          ? [
              `  ${result.uncaptured.length} things not captured (see "databricks-dr snapshots show ${result.snapshotId}"):`,
              ...result.uncaptured.slice(0, 10).map((u) => `    - ${u.kind} ${u.key}: ${u.reason}`),
              ...(result.uncaptured.length > 10 ? [`    … and ${result.uncaptured.length - 10} more`] : []),
            ]
          : []),
      ]),
  };
}

/** A failover (or its dry-run plan); `all` lists every object, not only those that need a look. */
export function failoverView(report: FailoverReport, all: boolean): View {
  return {
    json: () => ({ ok: report.status === 'succeeded', ...report }),
    text: () => lines(summarizeFailover(report, { all })),
  };
}

/** The DR workspace compared with a snapshot. */
export function driftView(report: DriftReport): View {
  return { json: () => report, text: () => lines(summarizeVerify(report)) };
}

export function cutoverView(report: CutoverReport): View {
  return { json: () => report, text: () => lines(summarizeCutover(report)) };
}

/** `snapshots list`: a table, oldest first. */
export function snapshotListView(container: string, list: SnapshotSummary[]): View {
  return {
    json: () => ({ ok: true, container, snapshots: list.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() })) }),
    text: () =>
      list.length === 0
        ? `No snapshots in container "${container}" yet.\n`
        : `${'SNAPSHOT'.padEnd(23)} ${'WORKSPACE'.padEnd(40)} ${'CREATED (UTC)'.padEnd(20)} MANIFEST\n` +
          list
            .map(
              (s) =>
                `${s.snapshotId.padEnd(23)} ${s.workspaceKey.padEnd(40)} ` +
                `${s.createdAt.toISOString().replace('T', ' ').slice(0, 19).padEnd(20)} ${formatBytes(s.sizeBytes)}\n`,
            )
            .join(''),
  };
}

/** `snapshots show`: what a snapshot holds; every artifact with `artifacts`. */
export function snapshotView(manifest: Manifest, artifacts: boolean): View {
  return {
    json: () => {
      const { artifacts: list, ...rest } = manifest;
      return { ok: true, ...rest, ...(artifacts ? { artifacts: list } : { artifactCount: list.length }) };
    },
    text: () =>
      lines([
        `Snapshot ${manifest.snapshotId} of ${manifest.workspace.key} (${manifest.workspace.host}, profile ${manifest.workspace.profile})`,
        `  taken ${manifest.startedAt} – ${manifest.completedAt} (${formatDuration(manifest.stats.durationMs)}), ` +
          `run ${manifest.runNumber}${manifest.parentSnapshotId ? `, after ${manifest.parentSnapshotId}` : ''}`,
        `  ${manifest.artifacts.length} artifacts:`,
        ...Object.entries(manifest.counts).map(([k, n]) => `    ${k.padEnd(18)} ${n}`),
        `  ${manifest.uncaptured.length} not captured:`,
        ...manifest.uncaptured.map((u) => `    - ${u.kind} ${u.key}: ${u.reason}${u.action ? `\n      → ${u.action}` : ''}`),
        ...(artifacts
          ? ['  artifacts:', ...manifest.artifacts.map((a) => `    ${a.kind.padEnd(18)} ${a.key}  ${a.hash?.slice(0, 12) ?? '-'}`)]
          : []),
      ]),
  };
}

/** `snapshots verify`: every object of a snapshot re-read and its hash checked. */
export function integrityView(report: IntegrityReport): View {
  return {
    json: () => report,
    text: () =>
      report.ok
        ? `Snapshot ${report.snapshotId}: all ${report.objectsChecked} objects (${formatBytes(report.bytesChecked)}) are intact.\n`
        : `Snapshot ${report.snapshotId}: ${report.problems.length} of ${report.objectsChecked} objects failed the check:\n` +
          `${report.problems.map((p) => `  - ${p.kind} ${p.key}: ${p.problem}`).join('\n')}\n`,
  };
}

export function pruneView(report: PruneReport): View {
  return {
    json: () => ({ ok: true, ...report }),
    text: () =>
      `${report.dryRun ? 'Would delete' : 'Deleted'} ${report.snapshotsDeleted.length} snapshots (kept ${report.snapshotsKept}) ` +
      `and ${report.objectsDeleted} objects (kept ${report.objectsKept}).\n` +
      (report.protectedByPolicy > 0
        ? `${report.protectedByPolicy} snapshots and objects are due but still protected by the immutability policy; ` +
          'a later prune deletes them.\n'
        : '') +
      report.snapshotsDeleted.map((s) => `  - ${s.workspaceKey} ${s.snapshotId}`).join('\n') +
      (report.snapshotsDeleted.length > 0 ? '\n' : ''),
  };
}

/** The kinds in restore order, as their modules declare them. */
export function kindsView(): View {
  const kinds = importOrder().map((k) => {
    const h = REGISTRY[k];
    return {
      kind: k,
      description: h.description,
      naturalKey: h.naturalKey,
      dependsOn: h.dependsOn,
      ...(h.permissions ? { permissions: h.permissions.type, ...(h.permissions.fixed ? { fixed: h.permissions.fixed } : {}) } : {}),
      restores: h.importer !== undefined,
    };
  });
  return {
    json: () => ({ kinds }),
    text: () =>
      lines(
        kinds.flatMap((k, i) => [
          `${String(i + 1).padStart(2)}. ${k.kind} (key: ${k.naturalKey}${k.permissions ? `; permissions: ${k.permissions}` : ''})`,
          `    ${k.description}`,
        ]),
      ),
  };
}
