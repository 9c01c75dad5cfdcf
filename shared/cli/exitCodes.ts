import { DrError } from '../errors/drError.js';

/** Exit codes, documented in docs/backup.md (Exit codes). */
export const EXIT = {
  OK: 0,
  /** The operation failed (API, storage, or something it found, like drift). */
  FAILED: 1,
  /** Bad arguments or configuration. */
  USAGE: 2,
  /** Another backup or failover of the workspace is running. */
  LOCKED: 3,
  /** Stopped by its time budget or a signal; progress is checkpointed. */
  PARTIAL: 4,
  /** A snapshot failed its integrity check. */
  CORRUPT: 5,
  /** verify found the target different from the snapshot. */
  DRIFT: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a command that failed with `error`. */
export function exitCodeFor(error: unknown): ExitCode {
  if (!(error instanceof DrError)) return EXIT.FAILED;
  switch (error.code) {
    case 'CONFIG_INVALID':
    case 'USAGE':
      return EXIT.USAGE;
    case 'LOCKED':
      return EXIT.LOCKED;
    case 'ABORTED':
      return EXIT.PARTIAL;
    case 'SNAPSHOT_CORRUPT':
      return EXIT.CORRUPT;
    default:
      return EXIT.FAILED;
  }
}
