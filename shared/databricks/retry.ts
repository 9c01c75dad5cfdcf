import { DrError } from '../errors/drError.js';
import type { DatabricksApiError } from './errors.js';

export interface RetryOptions {
  /**
   * Attempts per request, the first one included.
   * @default 8
   */
  maxAttempts: number;
  /** @default 250 */
  baseDelayMs: number;
  /** @default 10000 */
  maxDelayMs: number;
  /**
   * Longest Retry-After honoured; longer values are capped.
   * @default 60000
   */
  maxRetryAfterMs: number;
  /**
   * Time after which a request stops retrying, measured from its first attempt.
   * @default 300000
   */
  timeoutMs: number;
  /**
   * Retries allowed across the client's lifetime before it gives up on the workspace:
   * `budget` plus `budgetRatio` of the requests that succeeded.
   * @default 500 and 0.2
   */
  budget: number;
  budgetRatio: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 300_000,
  budget: 500,
  budgetRatio: 0.2,
};

/** Parse Retry-After: delta seconds or an HTTP date; past dates are 0. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Otherwise only an HTTP date (e.g. "Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse
  // alone would also take junk such as "-1" as a date.
  if (!/^[A-Za-z]{3},? .*\d{2}:\d{2}:\d{2}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with full jitter: a uniform delay in [0, min(max, base·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** What to do with a failed attempt. */
export type RetryDecision = { retry: false } | { retry: true; delayMs: number; throttled: boolean };

/** Network failures that say nothing about whether the server processed the request. */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (
    code !== undefined &&
    [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EAI_AGAIN',
      'ENOTFOUND',
      'ECONNABORTED',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'UND_ERR_SOCKET',
    ].includes(code)
  ) {
    return true;
  }
  // AbortError here is the per-attempt timeout; a caller's own abort never reaches the retry policy.
  return (
    error.name === 'FetchError' || error.name === 'AbortError' || /socket hang up|network|premature close|ECONNRESET/i.test(error.message)
  );
}

/**
 * The retry policy:
 * - 429 and throttling error codes: always retried (the service refused before doing
 *   anything), after Retry-After when given;
 * - 503/502/504, transient messages, 500 and network errors: retried only when the
 *   request is idempotent, because a lost answer may hide a completed write;
 * - 400, 401, 403, 404 and every other error: never retried.
 */
export function decide(
  error: unknown,
  attempt: number,
  idempotent: boolean,
  options: RetryOptions,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt + 1 >= options.maxAttempts) return { retry: false };
  if (error instanceof Error && error.name === 'DatabricksApiError') {
    const api = error as DatabricksApiError;
    if (api.category === 'throttled') {
      const delay =
        api.retryAfterMs === undefined ? backoffDelay(attempt, options, random) + 500 : Math.min(api.retryAfterMs, options.maxRetryAfterMs);
      return { retry: true, delayMs: delay, throttled: true };
    }
    if ((api.category === 'unavailable' || api.category === 'internal') && idempotent) {
      const delay =
        api.retryAfterMs === undefined ? backoffDelay(attempt, options, random) : Math.min(api.retryAfterMs, options.maxRetryAfterMs);
      return { retry: true, delayMs: delay, throttled: false };
    }
    return { retry: false };
  }
  if (idempotent && isNetworkError(error)) return { retry: true, delayMs: backoffDelay(attempt, options, random), throttled: false };
  return { retry: false };
}

/** Shared across a client: stops a run that keeps retrying against an unhealthy workspace. */
export class RetryBudget {
  private spent = 0;
  private earned = 0;

  constructor(private readonly options: Pick<RetryOptions, 'budget' | 'budgetRatio'>) {}

  success(): void {
    this.earned += this.options.budgetRatio;
  }

  /** Take one retry from the budget; throws when none is left. */
  take(): void {
    if (this.spent >= this.options.budget + this.earned) {
      throw new DrError(
        'RETRY_BUDGET_EXHAUSTED',
        `Gave up after ${this.spent} retries: the workspace keeps failing or throttling. ` +
          'Check its health, or lower the request rates (DR_RATE_LIMITS).',
        { retryable: true },
      );
    }
    this.spent += 1;
  }

  get retries(): number {
    return this.spent;
  }
}
