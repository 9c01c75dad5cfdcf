import { ApiError, HtmlError } from './errors.js';
import type { RateLimitedFamily, ResolvedFaultOptions } from './options.js';
import { RATE_LIMITED_FAMILIES } from './options.js';
import type { Random } from './rng.js';

/**
 * A token bucket: `rate` tokens per second, holding at most `capacity`.
 * Time is passed in explicitly so the bucket is deterministic under test.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Take one token; returns 0 on success or the milliseconds until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
    this.last = now;
  }
}

/** A fault scripted for specific requests, as the CLI's fake server allows. */
export interface ScriptedFault {
  /** HTTP method to match; any when omitted. */
  method?: string;
  /** Exact request path (`/api/2.0/workspace/export`), or a RegExp source prefixed with `re:`. */
  path: string;
  /** How many matching requests to fail. @default 1 */
  times?: number;
  /** Skip this many matching requests before failing. @default 0 */
  after?: number;
  /**
   * The status to answer with; `drop` to destroy the connection before the request is
   * handled; `lose-response` to handle it (a create creates) and then destroy the
   * connection, so the client cannot tell whether it happened.
   */
  status: number | 'drop' | 'lose-response';
  errorCode?: string;
  message?: string;
  /** Seconds for a Retry-After header. */
  retryAfter?: number;
  /** Answer with the gateway's HTML page instead of JSON. */
  html?: boolean;
}

interface ActiveFault extends ScriptedFault {
  remaining: number;
  skip: number;
  matcher: (path: string) => boolean;
}

/** The outcome of the fault model for one request. */
export type FaultDecision = { kind: 'pass' } | { kind: 'drop' } | { kind: 'error'; error: ApiError };

/** Error body and reason phrase of the API gateway's throttling answer. */
function throttled(retryAfterSeconds: number | undefined): ApiError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return new ApiError(
    429,
    'REQUEST_LIMIT_EXCEEDED',
    'Too many requests. Please wait a moment and try again. If the issue persists, consider adjusting your request ' +
      'frequency or reaching out to support for assistance.',
    headers,
  );
}

export function gatewayUnavailable(): HtmlError {
  return new HtmlError(
    503,
    'Error 503 No webapps are available to handle your request. Please try again later.',
    'No webapps are available to handle your request. Please try again later.',
  );
}

/**
 * Decides, per request, whether the emulator answers normally or injects a fault:
 * scripted faults first, then dropped connections, rate limits and random errors.
 */
export class FaultModel {
  private readonly buckets = new Map<string, TokenBucket>();
  private scripted: ActiveFault[] = [];

  constructor(
    private options: ResolvedFaultOptions,
    private readonly random: Random,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Replace the random fault settings at run time. */
  configure(options: Partial<ResolvedFaultOptions>): void {
    this.options = { ...this.options, ...options };
    this.buckets.clear();
  }

  current(): ResolvedFaultOptions {
    return this.options;
  }

  inject(fault: ScriptedFault): void {
    const matcher = fault.path.startsWith('re:')
      ? (
          (re: RegExp) => (p: string) =>
            re.test(p)
        )(new RegExp(fault.path.slice(3)))
      : (p: string) => p === fault.path;
    this.scripted.push({ ...fault, remaining: fault.times ?? 1, skip: fault.after ?? 0, matcher });
  }

  clearScripted(): void {
    this.scripted = [];
  }

  /** Latency to add before answering, in milliseconds. */
  latencyMs(): number {
    const latency = this.options.latency;
    if (!latency) return 0;
    return latency.fixedMs + (latency.jitterMs > 0 ? this.random.next() * latency.jitterMs : 0);
  }

  /** Faults that happen before authentication: scripted ones and dropped connections. */
  beforeAuth(method: string, path: string): FaultDecision {
    for (const fault of this.scripted) {
      if (fault.status === 'lose-response') continue;
      if (fault.remaining <= 0) continue;
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) continue;
      if (!fault.matcher(path)) continue;
      if (fault.skip > 0) {
        fault.skip -= 1;
        continue;
      }
      fault.remaining -= 1;
      this.scripted = this.scripted.filter((f) => f.remaining > 0);
      return this.scriptedDecision(fault);
    }
    if (this.random.chance(this.options.dropRate)) return { kind: 'drop' };
    return { kind: 'pass' };
  }

  /**
   * Whether to destroy the connection after the request was handled instead of
   * answering: scripted `lose-response` faults, then the random lost-response rate
   * (applied to writes only: a lost read is just a dropped connection).
   */
  afterHandling(method: string, path: string): boolean {
    for (const fault of this.scripted) {
      if (fault.status !== 'lose-response' || fault.remaining <= 0) continue;
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) continue;
      if (!fault.matcher(path)) continue;
      if (fault.skip > 0) {
        fault.skip -= 1;
        continue;
      }
      fault.remaining -= 1;
      this.scripted = this.scripted.filter((f) => f.remaining > 0);
      return true;
    }
    return method !== 'GET' && this.random.chance(this.options.lostResponseRate);
  }

  /** Faults that happen after authentication: rate limits, then random errors. */
  afterAuth(family: string, routeKey: string): FaultDecision {
    const limits = this.options.rateLimits;
    if (limits) {
      const named = (RATE_LIMITED_FAMILIES as readonly string[]).includes(family);
      const isRead = routeKey.startsWith('GET ');
      const rate = named
        ? limits.families?.[family as RateLimitedFamily]
        : isRead
          ? limits.default
          : (limits.defaultWrite ?? limits.default);
      if (rate !== undefined && rate > 0) {
        const key = named ? family : routeKey;
        let bucket = this.buckets.get(key);
        const now = this.now();
        if (!bucket) {
          bucket = new TokenBucket(rate, Math.max(1, rate * (limits.burstSeconds ?? 1)), now);
          this.buckets.set(key, bucket);
        }
        const waitMs = bucket.take(now);
        if (waitMs > 0) {
          const retryAfter = limits.retryAfter === false ? undefined : Math.max(1, Math.ceil(waitMs / 1000));
          return { kind: 'error', error: throttled(retryAfter) };
        }
      }
    }
    const { rate500, rate503, htmlShare } = this.options.errors;
    if (rate500 > 0 || rate503 > 0) {
      const roll = this.random.next();
      if (roll < rate500) {
        return { kind: 'error', error: new ApiError(500, 'INTERNAL_ERROR', 'Unexpected error. Please try again later.') };
      }
      if (roll < rate500 + rate503) {
        const error = this.random.chance(htmlShare)
          ? gatewayUnavailable()
          : new ApiError(503, 'TEMPORARILY_UNAVAILABLE', 'The service is temporarily unavailable. Please try again later.');
        return { kind: 'error', error };
      }
    }
    return { kind: 'pass' };
  }

  private scriptedDecision(fault: ActiveFault): FaultDecision {
    if (fault.status === 'drop' || fault.status === 'lose-response') return { kind: 'drop' };
    if (fault.status === 429) {
      const error = throttled(fault.retryAfter);
      return { kind: 'error', error };
    }
    if (fault.html) {
      return {
        kind: 'error',
        error:
          fault.status === 503
            ? gatewayUnavailable()
            : new HtmlError(fault.status, `Error ${fault.status} ${fault.message ?? 'Server Error'}`, fault.message ?? 'Server Error'),
      };
    }
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    return {
      kind: 'error',
      error: new ApiError(fault.status, fault.errorCode ?? defaultCodeFor(fault.status), fault.message ?? 'Injected fault', headers),
    };
  }
}

function defaultCodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_PARAMETER_VALUE';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'RESOURCE_DOES_NOT_EXIST';
    case 409:
      return 'RESOURCE_CONFLICT';
    case 500:
      return 'INTERNAL_ERROR';
    case 503:
      return 'TEMPORARILY_UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return 'UNKNOWN';
  }
}
