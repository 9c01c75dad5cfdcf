import { setMaxListeners } from 'node:events';

import { DrError, isDrError } from '../errors/drError.js';
import { type Logger, nullLogger } from '../log/logger.js';
import { BREAKER, type ErrorClass, errorClass } from './errors.js';

/** What a run needs of the workspace lock it holds (shared/snapshot/lock.ts). */
export interface HeldLock {
  /** Aborts when the lease is lost. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface RunControlOptions {
  /** What runs, for messages: "backup", "failover". */
  name: string;
  /** The workspace lock, held until close(). Losing it stops the run at once. */
  lock?: HeldLock;
  /** Stops the run gracefully (Ctrl+C, the host shutting down). */
  signal?: AbortSignal;
  /** Epoch ms at which the run stops gracefully (the function's time budget). */
  deadline?: number;
  /** Why the run stopped at its deadline, for the report. */
  deadlineMessage?: string;
  logger?: Logger;
}

/** One kind of a run's plan, and the kinds that must have settled before it starts. */
export interface KindTask<K extends string> {
  kind: K;
  after: readonly K[];
}

/**
 * The run control that backups and failovers share: the workspace lock, the ways a
 * run stops, periodic saves of its progress, and the order its kinds run in.
 *
 * A run stops in one of two ways. Gracefully (the abort signal, the deadline): no new
 * work starts, work in flight finishes and is saved; `stopping` turns true and
 * `signal` stays quiet. On an error (a lost lock, an error of class `stop`, too many
 * transient failures in a row): `fatal` holds the first such error, and `signal`, the
 * signal every request in flight listens on, aborts as well.
 */
export class RunControl {
  private readonly graceful = new AbortController();
  private readonly hard = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly savers: Periodic[] = [];
  private readonly kinds = new Map<string, Promise<void>>();
  private failure: { error: unknown } | undefined;
  private failedInARow = 0;
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: RunControlOptions) {
    this.logger = options.logger ?? nullLogger;
    // Every request in flight listens on the hard signal.
    setMaxListeners(0, this.hard.signal);
    const { signal, lock, deadline } = options;
    if (signal?.aborted) this.stop(signal.reason);
    signal?.addEventListener('abort', () => this.stop(signal.reason), { once: true });
    if (lock?.signal.aborted) this.fail(lock.signal.reason);
    lock?.signal.addEventListener('abort', () => this.fail(lock.signal.reason), { once: true });
    if (deadline !== undefined) {
      this.timer = setTimeout(
        () => this.stop(new DrError('ABORTED', options.deadlineMessage ?? `The ${options.name} reached its time budget.`)),
        // setTimeout fires at once past 2^31-1 ms; a budget that long is no budget.
        Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1),
      );
    }
  }

  /** Aborts when the run fails: requests in flight listen on it. */
  get signal(): AbortSignal {
    return this.hard.signal;
  }

  /** True once the run is stopping, gracefully or on an error: start no new work. */
  get stopping(): boolean {
    return this.graceful.signal.aborted;
  }

  /** Why the run is stopping: the first fatal error, or the reason of the graceful stop. */
  get stopReason(): unknown {
    return this.failure ? this.failure.error : this.graceful.signal.reason;
  }

  /** The first error that ended the run (the others happen because of it), if one did. */
  get fatal(): unknown {
    return this.failure?.error;
  }

  /** Whether the workspace lease was lost (another run may now hold it). */
  get lockLost(): boolean {
    return this.options.lock?.signal.aborted === true;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Stop gracefully: nothing new starts, what runs finishes. */
  stop(reason: unknown): void {
    if (!this.graceful.signal.aborted) this.graceful.abort(reason);
  }

  /** End the run on an error: nothing new starts and requests in flight are cut. The first error wins. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.stop(error);
    if (!this.hard.signal.aborted) this.hard.abort(error);
  }

  /**
   * One object's work failed: what that means is decided by the error's class
   * (shared/runs/errors.ts). A `stop` error fails the run; a `transient` or
   * `unexpected` one counts toward the breaker, which fails the run after BREAKER in
   * a row. Returns the class, `stop` when the run failed; otherwise the caller
   * records the object's failure.
   */
  objectFailed(error: unknown): ErrorClass {
    const cls = errorClass(error);
    if (cls === 'stop') {
      this.fail(error);
      return 'stop';
    }
    if (cls !== 'object' && ++this.failedInARow >= BREAKER) {
      const message = error instanceof Error ? error.message : String(error);
      this.fail(
        new DrError(
          isDrError(error) && error.code === 'STORAGE_UNAVAILABLE' ? 'STORAGE_UNAVAILABLE' : 'WORKSPACE_UNREACHABLE',
          `The ${this.options.name} failed ${BREAKER} objects in a row on transient errors and stopped; ` +
            `running it again continues. Last error: ${message}`,
          { cause: error, retryable: true },
        ),
      );
      return 'stop';
    }
    return cls;
  }

  /** One object's work succeeded: the breaker starts counting again. */
  objectDone(): void {
    this.failedInARow = 0;
  }

  /**
   * Call `save` every `everyMs` while the run goes on, never two at once. Errors are
   * logged: the next save tries again. `stop()` on the returned saver ends it, with a
   * last save if asked; close() ends it without one.
   */
  periodic(what: string, everyMs: number, save: () => Promise<void>): Periodic {
    // Once the lease is lost another run may hold the workspace: its progress is no longer ours to write.
    const guarded = async (): Promise<void> => {
      if (this.lockLost) this.logger.warn(`the lease was lost: the ${what} is not saved`);
      else await save();
    };
    const saver = new Periodic(guarded, everyMs, (error) =>
      this.logger.warn(`could not save the ${what}`, { error: error instanceof Error ? error.message : String(error) }),
    );
    this.savers.push(saver);
    return saver;
  }

  /**
   * Run the kinds of a plan: each starts once the kinds named in its `after` (those
   * in the plan) have settled, and kinds that do not wait for each other run side by
   * side. A kind that throws fails the run. `run` is called for every kind, also once
   * the run is stopping, so that it can let go of whatever waits for it: it checks
   * `stopping` before it starts work. Resolves when every kind has settled.
   */
  async schedule<K extends string>(plan: readonly KindTask<K>[], run: (kind: K) => Promise<void>): Promise<void> {
    const settle = new Map<K, () => void>();
    for (const { kind } of plan) this.kinds.set(kind, new Promise<void>((resolve) => settle.set(kind, resolve)));
    const inPlan = new Set(plan.map((t) => t.kind));
    await Promise.all(
      plan.map(async ({ kind, after }) => {
        try {
          await Promise.all(after.filter((k) => inPlan.has(k) && k !== kind).map((k) => this.settled(k)));
          await run(kind);
        } catch (error) {
          this.fail(error);
        } finally {
          settle.get(kind)?.();
        }
      }),
    );
  }

  /** Settles when `kind` has run (at once for a kind that is not in the plan). */
  settled(kind: string): Promise<void> {
    return this.kinds.get(kind) ?? Promise.resolve();
  }

  /** End the run: stop the deadline and the savers (waiting for saves in flight), then release the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.savers.map((s) => s.stop({ final: false })));
    await this.options.lock?.release();
  }
}

/** A save that runs every so often and never twice at the same time. */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly save: () => Promise<void>,
    everyMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  /** Save now, unless a save is in flight (then that one counts). */
  private tick(): Promise<void> {
    this.running ??= new Promise<void>((resolve) => resolve(this.save())).catch(this.onError).finally(() => (this.running = undefined));
    return this.running;
  }

  /** No more saves on the timer; wait for the one in flight, then save once more if `final`. */
  async stop(options: { final: boolean }): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (options.final && !this.stopped) {
      this.stopped = true;
      await this.tick();
    }
    this.stopped = true;
  }
}
