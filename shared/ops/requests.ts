import {
  BACKUP_REQUEST_SCHEMA,
  BACKUP_REQUEST_VERSION,
  BackupBodySchema,
  type BackupRequest,
  BackupRequestSchema,
} from '../backup/request.js';
import { check, joinProblems } from '../codec/schema.js';
import { type Config, unknownProfile } from '../config/config.js';
import { isDrError } from '../errors/drError.js';
import { FailoverBodySchema, type FailoverRequest, FailoverRequestSchema, REQUEST_SCHEMA, REQUEST_VERSION } from '../failover/message.js';
import { workspaceKey } from '../snapshot/names.js';
import { checkSnapshot } from '../snapshot/resolve.js';
import type { SnapshotStore } from '../snapshot/store.js';

/** A request body that cannot be accepted: the HTTP status and a message that says what to send instead. */
export interface BodyProblem {
  status: 400 | 404;
  message: string;
}

const INTERNAL = ['schema', 'version', 'runId', 'continuation', 'mode'];

/**
 * The body of POST /api/failover or /api/verify, checked against its schema (the
 * client's fields of the queue message), then the message it becomes against the
 * queue message's schema (so the queue never sees what the API would refuse), plus what
 * can be checked before queueing: the profiles exist, the snapshot exists, a real
 * failover says why.
 */
export async function parseFailoverBody(
  body: unknown,
  mode: 'failover' | 'verify',
  config: Config,
  store: SnapshotStore,
  requestedBy: string,
): Promise<{ ok: true; request: FailoverRequest } | { ok: false; problem: BodyProblem }> {
  const fields = objectBody(body ?? {});
  if (typeof fields === 'string') return bad(fields);
  if (mode === 'verify' && (fields['dryRun'] !== undefined || fields['conflictPolicy'] !== undefined))
    return bad('A verify run writes nothing; leave out dryRun and conflictPolicy.');
  const fieldsChecked = check(FailoverBodySchema, fields);
  if (!fieldsChecked.ok) return invalid(fieldsChecked.problems);
  const parsed = check(FailoverRequestSchema, {
    schema: REQUEST_SCHEMA,
    version: REQUEST_VERSION,
    ...(mode === 'verify' ? { mode } : {}),
    ...fieldsChecked.data,
    requestedBy: fieldsChecked.data.requestedBy ?? requestedBy,
  });
  if (!parsed.ok) return invalid(parsed.problems);
  const request = parsed.data;
  if (mode === 'failover' && request.dryRun !== true && (request.reason === undefined || request.reason.trim() === '')) {
    return bad(
      'A failover changes the DR workspace: say why in "reason" (it is kept in the run record), or send "dryRun": true for a plan.',
    );
  }
  const target = request.target ?? config.failover.target;
  const source = request.source ?? config.failover.source;
  for (const [role, name] of [
    ['target', target],
    ['source', source],
  ] as const) {
    if (!config.profiles.has(name)) return bad(unknownProfile(role, name));
  }
  if (source === target) return bad(`The source and the target are the same profile ("${source}").`);
  const key = workspaceKey((config.profiles.get(source) as { host: string }).host);
  const snapshot = request.snapshot ?? 'latest';
  try {
    await checkSnapshot(store, key, snapshot);
  } catch (error) {
    if (isDrError(error) && error.code === 'SNAPSHOT_NOT_FOUND')
      return {
        ok: false,
        problem: {
          status: 404,
          message:
            snapshot === 'latest'
              ? `There is no snapshot of "${source}" (${key}) yet. Run a backup first (POST /api/backup).`
              : `Snapshot ${snapshot} of "${source}" does not exist. List them with GET /api/snapshots.`,
        },
      };
    throw error;
  }
  return { ok: true, request };
}

/** The body of POST /api/backup: optional source, reason and requestedBy. */
export function parseBackupBody(
  body: unknown,
  config: Config,
  requestedBy: string,
): { ok: true; request: BackupRequest } | { ok: false; problem: BodyProblem } {
  const fields = objectBody(body ?? {});
  if (typeof fields === 'string') return bad(fields);
  const fieldsChecked = check(BackupBodySchema, fields);
  if (!fieldsChecked.ok) return invalid(fieldsChecked.problems);
  const parsed = check(BackupRequestSchema, {
    schema: BACKUP_REQUEST_SCHEMA,
    version: BACKUP_REQUEST_VERSION,
    ...fieldsChecked.data,
    requestedBy: fieldsChecked.data.requestedBy ?? requestedBy,
  });
  if (!parsed.ok) return invalid(parsed.problems);
  const source = parsed.data.source ?? config.backup.source;
  if (!config.profiles.has(source)) return bad(unknownProfile('source', source));
  return { ok: true, request: parsed.data };
}

/** The body's fields, or what is wrong with it: not an object, or fields only the service sets. */
function objectBody(body: unknown): Record<string, unknown> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'The request body must be a JSON object.';
  const internal = Object.keys(body).filter((k) => INTERNAL.includes(k));
  if (internal.length > 0) return `Field(s) ${internal.join(', ')} are set by the service; leave them out.`;
  return body as Record<string, unknown>;
}

function invalid(problems: string[]): { ok: false; problem: BodyProblem } {
  return bad(`The request body is invalid: ${joinProblems(problems)}.`);
}

function bad(message: string): { ok: false; problem: BodyProblem } {
  return { ok: false, problem: { status: 400, message } };
}
