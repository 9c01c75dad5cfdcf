/**
 * The one error base of the core. Every failure that stops an operation is a
 * DrError with a code from a closed set, so callers (CLI exit codes, function
 * handlers, the failover report) branch on `code`, never on message text. What each
 * code means for a backup or failover run (stop it, fail one object, try again
 * later) is the table in shared/runs/errors.ts.
 */
export type DrErrorCode =
  /** Configuration is missing or invalid; `problems` lists every issue with its fix. */
  | 'CONFIG_INVALID'
  /** The Databricks API answered with an error (see DatabricksApiError). */
  | 'DATABRICKS_API'
  /** The workspace could not be reached at all (DNS, refused, TLS, timeouts). */
  | 'WORKSPACE_UNREACHABLE'
  /** Blob storage could not be reached or refused the request. */
  | 'STORAGE_UNAVAILABLE'
  /** A snapshot or object does not exist. */
  | 'SNAPSHOT_NOT_FOUND'
  /** A stored object or manifest does not match its hash or schema. */
  | 'SNAPSHOT_CORRUPT'
  /** Another backup or failover holds the lock for this workspace. */
  | 'LOCKED'
  /** The run was stopped by its time budget or an abort signal; progress is checkpointed. */
  | 'ABORTED'
  /** Too many retries across the run; the workspace is unhealthy. */
  | 'RETRY_BUDGET_EXHAUSTED'
  /** A usage error (bad arguments). */
  | 'USAGE'
  /** A request that contradicts an earlier one (an Idempotency-Key reused with another request). */
  | 'CONFLICT'
  /** The Service Bus queue could not be reached, so a request was not queued. */
  | 'QUEUE_UNAVAILABLE';

export class DrError extends Error {
  override readonly name: string = 'DrError';

  constructor(
    readonly code: DrErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }

  /** Whether trying the same operation again later may succeed. */
  readonly retryable: boolean;
}

/** Works across realms and bundles: checks the name, not the prototype. */
export function isDrError(error: unknown): error is DrError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as Error).name.endsWith('Error') &&
    'retryable' in error
  );
}

export class ConfigError extends DrError {
  override readonly name = 'ConfigError';

  constructor(readonly problems: ConfigProblem[]) {
    super('CONFIG_INVALID', formatProblems(problems));
  }
}

export interface ConfigProblem {
  /** The setting, flag or file the problem is about. */
  setting: string;
  problem: string;
  fix: string;
}

function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p, i) => `  ${i + 1}. ${p.setting}: ${p.problem}\n     Fix: ${p.fix}`);
  return `The configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}
