import { KIND_NAMES, type KindName, SNAPSHOT_ID } from '../snapshot/names.js';
import { continuationProblem, decodeRequest, type RejectReason } from '../runs/queue.js';
import { RUN_ID } from '../runs/runs.js';
import type { ConflictPolicy } from '../config/config.js';

export const REQUEST_SCHEMA = 'databricks-dr/failover-request';
export const REQUEST_VERSION = 1;

/**
 * A failover command, as it travels on the Service Bus queue (version 1). Everything
 * but the schema and version is optional: the defaults come from the app settings.
 *
 *     {"schema": "databricks-dr/failover-request", "version": 1,
 *      "snapshot": "latest", "target": "secondary", "dryRun": false,
 *      "reason": "alert 1f3c… fired"}
 */
export interface FailoverRequest {
  schema: typeof REQUEST_SCHEMA;
  version: typeof REQUEST_VERSION;
  /** Identifies the run across redeliveries and continuations. @default the message id */
  runId?: string;
  /** A snapshot id or "latest". @default "latest" */
  snapshot?: string;
  /** Profile of the workspace whose snapshots are replayed. @default DR_FAILOVER_SOURCE */
  source?: string;
  /** Profile of the DR workspace. @default DR_FAILOVER_TARGET */
  target?: string;
  dryRun?: boolean;
  /** verify: compare the target with the snapshot and record the drift; writes nothing to the target. @default "failover" */
  mode?: 'failover' | 'verify';
  kinds?: KindName[];
  conflictPolicy?: ConflictPolicy;
  /** Why the failover was asked for (an alert, a person); kept in the run record. */
  reason?: string;
  requestedBy?: string;
  /** Set by the function when a run continues in a follow-up message. */
  continuation?: { part: number; firstStartedAt: string; retries?: number };
}

export type ParsedRequest = { ok: true; request: FailoverRequest } | { ok: false; reason: RejectReason; description: string };

const FIELDS = [
  'schema',
  'version',
  'runId',
  'snapshot',
  'source',
  'target',
  'dryRun',
  'mode',
  'kinds',
  'conflictPolicy',
  'reason',
  'requestedBy',
  'continuation',
];
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Check a queue message against the request schema. The body may arrive as text,
 * bytes or already parsed JSON (the Functions host parses JSON bodies). Every
 * problem is named with the field and what is expected, for the dead-letter reason.
 */
export function parseFailoverRequest(body: unknown): ParsedRequest {
  const decoded = decodeRequest(body, REQUEST_SCHEMA, REQUEST_VERSION, 'failover requests');
  if (!decoded.ok) return decoded;
  const m = decoded.fields;
  const problems: string[] = [];
  const unknown = Object.keys(m).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) problems.push(`unknown field(s) ${unknown.join(', ')}`);
  const optionalString = (name: string, check?: (v: string) => boolean, expected?: string): void => {
    const v = m[name];
    if (v === undefined) return;
    if (typeof v !== 'string' || v === '' || (check && !check(v))) problems.push(`"${name}" must be ${expected ?? 'a non-empty string'}`);
  };
  optionalString('runId', (v) => RUN_ID.test(v), 'up to 128 letters, digits, dots, dashes, colons or underscores');
  optionalString('snapshot', (v) => v === 'latest' || SNAPSHOT_ID.test(v), '"latest" or a snapshot id such as 20261126T170512.123Z-3f9a');
  optionalString('source', (v) => PROFILE.test(v), 'a profile name');
  optionalString('target', (v) => PROFILE.test(v), 'a profile name');
  optionalString('reason');
  optionalString('requestedBy');
  if (m['dryRun'] !== undefined && typeof m['dryRun'] !== 'boolean') problems.push('"dryRun" must be true or false');
  if (m['mode'] !== undefined && m['mode'] !== 'failover' && m['mode'] !== 'verify') problems.push('"mode" must be "failover" or "verify"');
  if (m['conflictPolicy'] !== undefined && m['conflictPolicy'] !== 'update' && m['conflictPolicy'] !== 'report')
    problems.push('"conflictPolicy" must be "update" or "report"');
  if (m['kinds'] !== undefined) {
    const kinds = m['kinds'];
    if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !(KIND_NAMES as readonly unknown[]).includes(k)))
      problems.push(`"kinds" must be a non-empty list of: ${KIND_NAMES.join(', ')}`);
  }
  const continuation = continuationProblem(m['continuation']);
  if (continuation) problems.push(continuation);
  if (problems.length > 0)
    return { ok: false, reason: 'InvalidMessage', description: `The failover request is invalid: ${problems.join('; ')}.` };
  return { ok: true, request: m as unknown as FailoverRequest };
}
