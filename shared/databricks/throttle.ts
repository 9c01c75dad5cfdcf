import { DrError } from '../errors/drError.js';

/** Limits for one endpoint family. */
export interface FamilyLimit {
  /** Sustained requests per second. */
  rate: number;
  /**
   * Requests that may be sent at once after a quiet period, in seconds of `rate`.
   * @default 1
   */
  burstSeconds?: number;
  /** Upper bound on requests in flight. Adaptive: halves on 429, grows back on success. */
  maxConcurrency: number;
}

export type Clock = () => number;

interface Waiter {
  enqueuedAt: number;
  resolve: (release: () => void) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Client-side rate limiting for one endpoint family: a token bucket that keeps the
 * request rate at or below the workspace's limit, plus an adaptive concurrency
 * window (AIMD) and a pause that honours Retry-After. When the service throttles
 * anyway, every request of the family waits, instead of each retrying on its own
 * and feeding a 429 storm.
 */
export class FamilyLimiter {
  private tokens: number;
  private last: number;
  private inFlight = 0;
  private window: number;
  private successesSinceIncrease = 0;
  private pausedUntil = 0;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly capacity: number;
  /** Counters for reports and benchmarks. */
  readonly stats = { granted: 0, throttled: 0, maxWaitMs: 0 };

  constructor(
    readonly name: string,
    readonly limit: FamilyLimit,
    private readonly clock: Clock = () => performance.now(),
  ) {
    this.capacity = Math.max(1, limit.rate * (limit.burstSeconds ?? 1));
    this.tokens = this.capacity;
    this.last = clock();
    this.window = limit.maxConcurrency;
  }

  /** Current adaptive concurrency window. */
  get concurrency(): number {
    return this.window;
  }

  /** Wait for a slot; call the returned function when the request has completed. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { enqueuedAt: this.clock(), resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** The service answered 429 (or a throttling error code): back off the whole family. */
  throttled(retryAfterMs: number | undefined): void {
    this.stats.throttled += 1;
    this.window = Math.max(1, Math.floor(this.window / 2));
    this.successesSinceIncrease = 0;
    // Empty the bucket from now on; refill must not credit the time before the 429.
    this.tokens = 0;
    this.last = this.clock();
    const pause = retryAfterMs ?? 1000 / this.limit.rate;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + pause);
    this.pump();
  }

  /** A request of the family succeeded: grow the window back additively. */
  succeeded(): void {
    if (this.window >= this.limit.maxConcurrency) return;
    this.successesSinceIncrease += 1;
    if (this.successesSinceIncrease >= this.window) {
      this.window += 1;
      this.successesSinceIncrease = 0;
      this.pump();
    }
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.limit.rate);
    this.last = now;
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0) {
      const now = this.clock();
      if (now < this.pausedUntil) return this.schedule(this.pausedUntil - now);
      if (this.inFlight >= this.window) return; // a release will pump again
      this.refill(now);
      if (this.tokens < 1) return this.schedule(((1 - this.tokens) / this.limit.rate) * 1000);
      this.tokens -= 1;
      this.inFlight += 1;
      this.stats.granted += 1;
      const waiter = this.queue.shift() as Waiter;
      this.stats.maxWaitMs = Math.max(this.stats.maxWaitMs, now - waiter.enqueuedAt);
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      let released = false;
      waiter.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }
}

export function abortError(signal: AbortSignal): DrError {
  const reason: unknown = signal.reason;
  if (reason instanceof DrError) return reason;
  return new DrError('ABORTED', reason instanceof Error ? reason.message : 'The operation was aborted.', { cause: reason });
}
