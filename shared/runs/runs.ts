import { stringifyJson } from '../codec/json.js';
import { isImmutable, storageError, type SnapshotStore } from '../snapshot/store.js';

/** Where a run stands, for people and the HTTP API: one small JSON blob per run id. */
export interface RunRecord {
  schema: 'databricks-dr/run';
  runId: string;
  type: RunType;
  status: RunStatus;
  source?: string;
  target?: string;
  snapshotId?: string;
  dryRun?: boolean;
  reason?: string;
  requestedBy?: string;
  /** 1 for the first invocation, +1 for each follow-up message. */
  part: number;
  createdAt: string;
  updatedAt: string;
  /** Blob path of the full report (every object's action and result). */
  report?: string;
  counts?: Record<string, number>;
  /** Objects handled so far in this part, of the snapshot's total, while it runs. */
  progress?: { done: number; total: number };
  needsHuman?: number;
  /** verify runs: objects that differ from the snapshot. */
  drift?: number;
  /** Hash of the request that queued the run, so a reused Idempotency-Key with another request is refused. */
  requestHash?: string;
  /** The Azure Monitor alert that queued the run. */
  alertId?: string;
  /** Why the run failed, stopped or was rejected, for people (redacted). */
  error?: string;
  /**
   * What to branch on instead of `error`'s text: the error's code (ErrorCode in
   * shared/runs/errors.ts), or the dead-letter reason of a rejected message.
   */
  errorCode?: string;
}

export type RunType = 'failover' | 'backup' | 'verify';
export type RunStatus = 'queued' | 'running' | 'continuing' | 'succeeded' | 'failed' | 'partial' | 'rejected' | 'drift';

/** A run that may still do something: the same request again joins it instead of starting another. */
export function isActive(record: RunRecord): boolean {
  return record.status === 'queued' || record.status === 'running' || record.status === 'continuing';
}

export function runPath(runId: string): string {
  return `runs/${runId}.json`;
}

/** Run ids are also blob names and message ids: letters, digits and . _ : - only. */
export const RUN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function readRun(store: SnapshotStore, runId: string): Promise<RunRecord | undefined> {
  try {
    const bytes = await store.container.getBlobClient(runPath(runId)).downloadToBuffer();
    return JSON.parse(bytes.toString('utf8')) as RunRecord;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw storageError(error, `read run ${runId}`, store.containerName);
  }
}

export async function writeRun(store: SnapshotStore, record: RunRecord): Promise<void> {
  try {
    await store.container.getBlockBlobClient(runPath(record.runId)).uploadData(Buffer.from(stringifyJson(record), 'utf8'), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  } catch (error) {
    throw storageError(error, `write run ${record.runId}`, store.containerName);
  }
}

/** Write a new run record only if none has this id; false when one exists (another request won). */
export async function createRun(store: SnapshotStore, record: RunRecord): Promise<boolean> {
  try {
    await store.container.getBlockBlobClient(runPath(record.runId)).uploadData(Buffer.from(stringifyJson(record), 'utf8'), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      conditions: { ifNoneMatch: '*' },
    });
    return true;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 409 || status === 412) return false;
    throw storageError(error, `create run ${record.runId}`, store.containerName);
  }
}

/** Run ids with when their record last changed, newest first (names and dates only: one listing). */
export async function listRunIds(store: SnapshotStore, prefix = ''): Promise<{ runId: string; modified: number }[]> {
  const names: { runId: string; modified: number }[] = [];
  try {
    for await (const blob of store.container.listBlobsFlat({ prefix: `runs/${prefix}` })) {
      const m = /^runs\/([^/]+)\.json$/.exec(blob.name);
      if (m) names.push({ runId: m[1] as string, modified: blob.properties.lastModified?.getTime() ?? 0 });
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ContainerNotFound') return [];
    throw storageError(error, 'list runs', store.containerName);
  }
  return names.sort((a, b) => b.modified - a.modified || (a.runId < b.runId ? 1 : -1));
}

/** Read run records by id, in parallel, newest change first; ids whose record vanished are left out. */
export async function readRuns(store: SnapshotStore, runIds: string[]): Promise<RunRecord[]> {
  const records = await Promise.all(runIds.map((id) => readRun(store, id)));
  return records
    .filter((r): r is RunRecord => r !== undefined)
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
}

/** A run's report (a failover's or a verify's), from the path in its record. */
export async function readRunReport(store: SnapshotStore, record: RunRecord): Promise<unknown> {
  return record.report === undefined ? undefined : store.readJsonGz(record.report, `read the report of run ${record.runId}`);
}

/** Run records kept whatever their age: the newest this many. */
export const RUNS_KEPT = 200;
/** Run records younger than this many days are kept too (at least; retention days if longer). */
export const RUN_DAYS_KEPT = 30;

/**
 * Delete old run records and their reports, so listing runs stays cheap over years of
 * operation: the newest RUNS_KEPT and everything that changed in the last `keepDays`
 * stay, and so does any run that may still be working. Returns how many went.
 */
export async function pruneRuns(store: SnapshotStore, options: { keepDays: number; now?: Date; dryRun?: boolean }): Promise<number> {
  const cutoff = (options.now ?? new Date()).getTime() - Math.max(options.keepDays, RUN_DAYS_KEPT) * 86_400_000;
  const candidates = (await listRunIds(store)).slice(RUNS_KEPT).filter((r) => r.modified < cutoff);
  let deleted = 0;
  for (const { runId } of candidates) {
    const record = await readRun(store, runId);
    if (!record || isActive(record)) continue;
    if (options.dryRun) {
      deleted += 1;
      continue;
    }
    try {
      if (record.report !== undefined) await store.container.getBlobClient(record.report).deleteIfExists();
      await store.container.getBlobClient(runPath(runId)).deleteIfExists();
      deleted += 1;
    } catch (error) {
      // Still protected by an immutability policy: a later prune deletes it.
      if (!isImmutable(error)) throw storageError(error, `delete run ${runId}`, store.containerName);
    }
  }
  return deleted;
}
