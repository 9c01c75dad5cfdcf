import { type ApiErrorCategory, isApiError } from '../databricks/errors.js';
import { type DrErrorCode, isDrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import { ImportFailure, UnresolvedReference } from '../kinds/import/types.js';

/**
 * What an error means for a backup or failover run: the one place that decides it,
 * by code (never by message text). RunControl applies it to each object's failure,
 * the queue consumer (shared/runs/consumer.ts) to a part of a run that ended on an
 * error.
 *
 * | class        | an object failed on it                                | a part of a run ended on it              |
 * |--------------|-------------------------------------------------------|------------------------------------------|
 * | `stop`       | the run stops at once: nothing else will succeed, or  | the run is failed (LOCKED: looked at     |
 * |              | going on would do harm                                | again in a minute, up to 10 times)       |
 * | `transient`  | the object failed this time; BREAKER objects in a row | tried again in a follow-up message after |
 * |              | stop the run (the workspace is down)                  | 1, 2, 4, 8 and 16 minutes, then failed   |
 * | `object`     | the object failed for a reason of its own; the run    | the run is failed                        |
 * |              | goes on                                               |                                          |
 * | `unexpected` | as `transient`: an error that is not understood is    | the run is failed                        |
 * |              | no reason to leave the rest undone, and is never      |                                          |
 * |              | written into a snapshot as if it were understood      |                                          |
 *
 * A backup records an object that failed on an `object` error as uncaptured, and
 * never commits a snapshot without an object that failed on a `transient` or
 * `unexpected` one (it checkpoints instead, and the next run exports it). A failover
 * reports the object as failed either way; its next run picks it up. A part that
 * threw its error (rather than recording it in a report) and is not tried again is
 * thrown on as well, so that Service Bus redelivers the message and dead-letters it
 * after MaxDeliveryCount.
 */
export type ErrorClass = 'stop' | 'transient' | 'object' | 'unexpected';

/**
 * An error's code for the table, and in run records and reports: the DrError code;
 * for an answer of the Databricks API, `DATABRICKS_API/<category>`; the two kinds of
 * object failure of an import; UNEXPECTED for anything else (a bug, most likely).
 */
export type ErrorCode =
  | Exclude<DrErrorCode, 'DATABRICKS_API'>
  | `DATABRICKS_API/${ApiErrorCategory}`
  | 'IMPORT_FAILED'
  | 'UNRESOLVED_REFERENCE'
  | 'UNEXPECTED';

/** Every code's class. A code, once stored in a report, keeps its meaning. */
export const ERROR_CLASSES: Readonly<Record<ErrorCode, ErrorClass>> = {
  // Configuration: every later request fails the same way until a person fixes it.
  CONFIG_INVALID: 'stop',
  USAGE: 'stop',
  // Another run holds the lock, or this one lost it: two runs must never interleave.
  LOCKED: 'stop',
  // The run's own abort signal or time budget; its progress is saved.
  ABORTED: 'stop',
  // A damaged or missing snapshot is never replayed or built upon.
  SNAPSHOT_CORRUPT: 'stop',
  SNAPSHOT_NOT_FOUND: 'stop',
  CONFLICT: 'stop',
  QUEUE_UNAVAILABLE: 'stop',
  // Infrastructure that did not answer through the client's retries.
  WORKSPACE_UNREACHABLE: 'transient',
  STORAGE_UNAVAILABLE: 'transient',
  RETRY_BUDGET_EXHAUSTED: 'transient',
  // Databricks API answers, by category (shared/databricks/errors.ts).
  'DATABRICKS_API/unauthenticated': 'stop',
  'DATABRICKS_API/throttled': 'transient',
  'DATABRICKS_API/unavailable': 'transient',
  'DATABRICKS_API/internal': 'transient',
  'DATABRICKS_API/not_found': 'object',
  'DATABRICKS_API/already_exists': 'object',
  'DATABRICKS_API/invalid': 'object',
  'DATABRICKS_API/too_large': 'object',
  'DATABRICKS_API/permission_denied': 'object',
  'DATABRICKS_API/conflict': 'object',
  'DATABRICKS_API/unknown': 'object',
  // An import that cannot be done for a reason a person must act on (kinds/import/types.ts).
  IMPORT_FAILED: 'object',
  UNRESOLVED_REFERENCE: 'object',
  // Anything else.
  UNEXPECTED: 'unexpected',
};

/** This many objects in a row failing on `transient` or `unexpected` errors means the workspace is down: the run stops. */
export const BREAKER = 25;

/** The code of anything thrown. */
export function errorCode(error: unknown): ErrorCode {
  if (isApiError(error)) return `DATABRICKS_API/${error.category}`;
  if (error instanceof ImportFailure) return 'IMPORT_FAILED';
  if (error instanceof UnresolvedReference) return 'UNRESOLVED_REFERENCE';
  if (isDrError(error) && error.code in ERROR_CLASSES) return error.code as ErrorCode;
  return 'UNEXPECTED';
}

/** The class of an error, or of a code stored in a report (a code this version does not know is unexpected). */
export function errorClass(errorOrCode: unknown): ErrorClass {
  const code =
    typeof errorOrCode === 'string'
      ? Object.hasOwn(ERROR_CLASSES, errorOrCode)
        ? (errorOrCode as ErrorCode)
        : 'UNEXPECTED'
      : errorCode(errorOrCode);
  return ERROR_CLASSES[code];
}

/** Errors that stop the whole run rather than fail one object. */
export function isFatal(error: unknown): boolean {
  return errorClass(error) === 'stop';
}

/** Errors after which the same work may succeed later (infrastructure that did not answer). */
export function isTransient(errorOrCode: unknown): boolean {
  return errorClass(errorOrCode) === 'transient';
}

/** An error as run records and reports keep it: its code to branch on, and its message (redacted) for people. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export function errorInfo(error: unknown): ErrorInfo {
  return { code: errorCode(error), message: redact(error instanceof Error ? error.message : String(error)) };
}
