import type { BackupRequest } from '../backup/request.js';
import { DrError } from '../errors/drError.js';
import type { FailoverRequest } from '../failover/message.js';
import type { RequestSender } from '../runs/queue.js';
import { createRun, isActive, listRunIds, readRun, type RunRecord, type RunType, writeRun } from '../runs/runs.js';
import type { Services } from '../runs/services.js';
import { sha256 } from '../snapshot/store.js';

/** The queues requests go to: failovers and verify runs on the failover queue, backups on the backup queue. */
export interface OperationSenders {
  failover: RequestSender<FailoverRequest>;
  backup: RequestSender<BackupRequest>;
}

export type Operation = { type: 'failover' | 'verify'; request: FailoverRequest } | { type: 'backup'; request: BackupRequest };

export interface SubmitOptions {
  /** The client's Idempotency-Key: the same key always means the same run. */
  idempotencyKey?: string;
  /** A run id fixed by the caller (an alert's), used as it is. */
  runId?: string;
  /** Extra fields for the run record (the alert id). */
  record?: Partial<RunRecord>;
  now?: () => number;
}

export interface Submitted {
  runId: string;
  record: RunRecord;
  /** The same request was already queued or running: nothing new was sent. */
  duplicate: boolean;
}

const PREFIX: Record<RunType, string> = { failover: 'fo', verify: 'vf', backup: 'bk' };
/** A queued record this old whose message was never picked up is sent again (same message id, so never twice). */
const RESEND_AFTER_MS = 120_000;

/**
 * Queue an operation, at most once per request. The run id, which is also the
 * message id Service Bus deduplicates on, is derived from the request:
 * - with an Idempotency-Key, from the key: the same key is always the same run, and
 *   the key reused with another request is refused (CONFLICT);
 * - with a fixed run id (an alert's), that id;
 * - otherwise from the request itself, plus a generation number: the same request
 *   while its run is queued or running joins that run; once it has finished, the
 *   same request starts the next generation.
 * The run record is created before the message is sent, with a create-only write,
 * so two identical requests racing each other queue one run.
 */
export async function submitOperation(
  services: Services,
  senders: OperationSenders,
  op: Operation,
  options: SubmitOptions = {},
): Promise<Submitted> {
  const { store } = services;
  const now = options.now ?? Date.now;
  const { runId: _ignored, ...rest } = op.request;
  const requestHash = sha256(`${op.type}\n${canonicalJson(rest)}`);
  const prefix = PREFIX[op.type];

  let runId: string;
  if (options.runId !== undefined) runId = options.runId;
  else if (options.idempotencyKey !== undefined) runId = `${prefix}-k${sha256(`${op.type}\n${options.idempotencyKey}`).slice(0, 24)}`;
  else {
    const base = `${prefix}-${requestHash.slice(0, 16)}`;
    const generations = (await listRunIds(store, `${base}.`))
      .map((r) => Number(r.runId.slice(base.length + 1)))
      .filter((n) => Number.isInteger(n));
    const last = Math.max(0, ...generations);
    const lastRecord = last > 0 ? await readRun(store, `${base}.${last}`) : undefined;
    runId = lastRecord && isActive(lastRecord) ? lastRecord.runId : `${base}.${last + 1}`;
  }

  const at = new Date(now()).toISOString();
  const record: RunRecord = {
    schema: 'databricks-dr/run',
    runId,
    type: op.type,
    status: 'queued',
    part: 1,
    createdAt: at,
    updatedAt: at,
    requestHash,
    ...('target' in op.request && op.request.target ? { target: op.request.target } : {}),
    ...(op.request.source ? { source: op.request.source } : {}),
    ...('snapshot' in op.request && op.request.snapshot ? { snapshotId: op.request.snapshot } : {}),
    ...('dryRun' in op.request && op.request.dryRun !== undefined ? { dryRun: op.request.dryRun } : {}),
    ...(op.request.reason ? { reason: op.request.reason } : {}),
    ...(op.request.requestedBy ? { requestedBy: op.request.requestedBy } : {}),
    ...options.record,
  };

  if (!(await createRun(store, record))) {
    const existing = await readRun(store, runId);
    if (!existing)
      throw new DrError('STORAGE_UNAVAILABLE', `Run ${runId} was reported to exist but cannot be read; try again.`, { retryable: true });
    if (options.idempotencyKey !== undefined && existing.requestHash !== undefined && existing.requestHash !== requestHash) {
      throw new DrError(
        'CONFLICT',
        `The Idempotency-Key "${options.idempotencyKey}" was already used for a different request (run ${runId}). ` +
          'Use a new key for a new request.',
      );
    }
    // Queued long ago and never picked up: the first send may have been lost. The
    // same message id again is dropped by duplicate detection if it was not.
    if (existing.status === 'queued' && now() - Date.parse(existing.updatedAt) > RESEND_AFTER_MS) await send(senders, op, runId);
    return { runId, record: existing, duplicate: true };
  }
  try {
    await send(senders, op, runId);
  } catch (error) {
    const message = `The request could not be put on the queue: ${(error as Error).message}`;
    await writeRun(store, { ...record, status: 'failed', updatedAt: new Date(now()).toISOString(), error: message }).catch(() => undefined);
    throw new DrError('QUEUE_UNAVAILABLE', `${message}. Nothing was started; try again.`, { cause: error, retryable: true });
  }
  return { runId, record, duplicate: false };
}

async function send(senders: OperationSenders, op: Operation, runId: string): Promise<void> {
  if (op.type === 'backup') await senders.backup.send({ ...op.request, runId }, { messageId: runId });
  else await senders.failover.send({ ...op.request, runId }, { messageId: runId });
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
