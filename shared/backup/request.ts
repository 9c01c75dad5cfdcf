import { continuationProblem, decodeRequest, type RejectReason } from '../runs/queue.js';
import { RUN_ID } from '../runs/runs.js';

export const BACKUP_REQUEST_SCHEMA = 'databricks-dr/backup-request';
export const BACKUP_REQUEST_VERSION = 1;

/**
 * An on-demand backup, as it travels on the backup queue (version 1). POST /api/backup
 * sends it; the backup queue function runs it.
 *
 *     {"schema": "databricks-dr/backup-request", "version": 1, "reason": "before the upgrade"}
 */
export interface BackupRequest {
  schema: typeof BACKUP_REQUEST_SCHEMA;
  version: typeof BACKUP_REQUEST_VERSION;
  /** Identifies the run across redeliveries and continuations. @default the message id */
  runId?: string;
  /** Profile to back up. @default DR_BACKUP_SOURCE */
  source?: string;
  reason?: string;
  requestedBy?: string;
  /** Set by the function when the backup continues in a follow-up message. */
  continuation?: { part: number; firstStartedAt: string; retries?: number };
}

export type ParsedBackupRequest = { ok: true; request: BackupRequest } | { ok: false; reason: RejectReason; description: string };

const FIELDS = ['schema', 'version', 'runId', 'source', 'reason', 'requestedBy', 'continuation'];
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Check a backup queue message against the schema; every problem is named for the dead-letter reason. */
export function parseBackupRequest(body: unknown): ParsedBackupRequest {
  const decoded = decodeRequest(body, BACKUP_REQUEST_SCHEMA, BACKUP_REQUEST_VERSION, 'backup requests');
  if (!decoded.ok) return decoded;
  const m = decoded.fields;
  const problems: string[] = [];
  const unknown = Object.keys(m).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')}`);
  const check = (name: string, ok: (v: string) => boolean, expected: string): void => {
    const v = m[name];
    if (v !== undefined && (typeof v !== 'string' || !ok(v))) problems.push(`"${name}" must be ${expected}`);
  };
  check('runId', (v) => RUN_ID.test(v), 'up to 128 letters, digits, dots, dashes, colons or underscores');
  check('source', (v) => PROFILE.test(v), 'a profile name');
  check('reason', (v) => v !== '', 'a non-empty string');
  check('requestedBy', (v) => v !== '', 'a non-empty string');
  const continuation = continuationProblem(m['continuation']);
  if (continuation) problems.push(continuation);
  if (problems.length > 0)
    return { ok: false, reason: 'InvalidMessage', description: `The backup request is invalid: ${problems.join('; ')}.` };
  return { ok: true, request: m as unknown as BackupRequest };
}
