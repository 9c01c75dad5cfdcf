import type { WorkspaceProfile } from '../config/config.js';
import type { DatabricksClient } from '../databricks/client.js';
import type { KindName } from '../snapshot/names.js';
import type { Logger } from '../log/logger.js';
import { randomBytes } from 'node:crypto';

import { type RunRecord, writeRun } from '../runs/runs.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Manifest } from '../snapshot/types.js';
import { type FailoverItem, type FailoverProgress, runFailover } from './failover.js';
import type { Mappings } from '../config/mappings.js';

export interface DriftItem {
  kind: KindName;
  key: string;
  /** missing: not in the target; differs: in the target but not as the snapshot (after remapping). */
  drift: 'missing' | 'differs' | 'failed';
  detail?: string;
  targetId?: string;
}

export interface VerifyReport {
  schema: 'databricks-dr/verify-report';
  snapshotId: string;
  source: { key: string; host: string };
  target: { key: string; host: string; profile: string };
  ok: boolean;
  checked: number;
  /** Objects left out on purpose (a mount without a mapping, a notebook the snapshot could not hold). */
  skipped: number;
  drift: DriftItem[];
  durationMs: number;
}

export interface VerifyOptions {
  manifest: Manifest;
  store: SnapshotStore;
  target: WorkspaceProfile;
  client: DatabricksClient;
  mappings?: Mappings;
  kinds?: KindName[];
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (event: FailoverProgress) => void;
}

/**
 * Compare the target workspace with a snapshot: every object of the snapshot must
 * be in the target and equal to it once ids are remapped (through the failover's id
 * map), mappings applied and server-set fields left out. This is a failover that
 * writes nothing and trusts nothing: every notebook, file and DBFS file is read back
 * and compared byte for byte, every spec and ACL field by field. Whatever a failover
 * would still have to do is drift.
 */
export async function verifyTarget(options: VerifyOptions): Promise<VerifyReport> {
  const report = await runFailover({
    manifest: options.manifest,
    store: options.store,
    target: options.target,
    client: options.client,
    dryRun: true,
    thorough: true,
    keepReport: false,
    conflictPolicy: 'report',
    ...(options.mappings ? { mappings: options.mappings } : {}),
    ...(options.kinds ? { kinds: options.kinds } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (report.error !== undefined && report.items.length === 0) throw new Error(report.error);
  const drift = report.items.filter((i) => i.action !== 'unchanged' && i.action !== 'skip').map(toDrift);
  if (report.error !== undefined)
    drift.push({ kind: 'permissions', key: '*', drift: 'failed', detail: `The comparison stopped: ${report.error}` });
  return {
    schema: 'databricks-dr/verify-report',
    snapshotId: report.snapshotId,
    source: report.source,
    target: report.target,
    ok: drift.length === 0,
    checked: report.items.length,
    skipped: report.counts.skip ?? 0,
    drift,
    durationMs: report.durationMs,
  };
}

function toDrift(item: FailoverItem): DriftItem {
  const drift = item.action === 'create' ? 'missing' : item.action === 'failed' ? 'failed' : 'differs';
  return {
    kind: item.kind,
    key: item.key,
    drift,
    ...(item.note ? { detail: item.note } : {}),
    ...(item.targetId && !item.targetId.startsWith('(new ') ? { targetId: item.targetId } : {}),
  };
}

export function verifyReportPath(targetKey: string, runId: string): string {
  return `workspaces/${targetKey}/verify/${runId}.json.gz`;
}

/** Keep a verify report (the DR drill's result) next to the failover reports, for the status page and API. */
export async function writeVerifyReport(store: SnapshotStore, report: VerifyReport, runId: string): Promise<string> {
  const path = verifyReportPath(report.target.key, runId);
  await store.writeJsonGz(path, { ...report, runId }, 'write the verify report');
  return path;
}

/**
 * Record a verify run made outside the queue (the CLI's drill), so the status page and
 * API show it like the others: the report, and a run record with the drift.
 */
export async function recordVerifyRun(
  store: SnapshotStore,
  report: VerifyReport,
  meta: { source: string; target: string; requestedBy?: string; startedAt: Date },
): Promise<string> {
  const stamp = meta.startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const runId = `vf-cli-${stamp}-${randomBytes(2).toString('hex')}`;
  const path = await writeVerifyReport(store, report, runId);
  await writeRun(store, {
    schema: 'databricks-dr/run',
    runId,
    type: 'verify',
    status: report.ok ? 'succeeded' : 'drift',
    source: meta.source,
    target: meta.target,
    snapshotId: report.snapshotId,
    requestedBy: meta.requestedBy ?? 'cli',
    part: 1,
    createdAt: meta.startedAt.toISOString(),
    updatedAt: new Date().toISOString(),
    ...verifyRunFields(report, path),
  });
  return runId;
}

/** What a verify run's record says about its result: where the report is, and the drift. */
export function verifyRunFields(report: VerifyReport, path: string): Pick<RunRecord, 'report' | 'counts' | 'drift'> {
  return {
    report: path,
    counts: { checked: report.checked, skipped: report.skipped, drift: report.drift.length },
    drift: report.drift.length,
  };
}
