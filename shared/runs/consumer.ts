import { randomUUID } from 'node:crypto';

import { Periodic } from './control.js';
import { type ErrorInfo, errorClass, errorInfo } from './errors.js';
import type { Disposition, QueueMessage, RequestSender } from './queue.js';
import { readRun, type RunRecord, type RunStatus, type RunType, writeRun } from './runs.js';
import type { Services } from './services.js';

/** Stop this long before the function's time budget (at most a fifth of it), to save progress and send the follow-up. */
export const SAFETY_MS = 60_000;
/** Another run holds the workspace lock: look again after this long, at most this many times. */
export const LOCKED_DELAY_MS = 60_000;
export const MAX_LOCKED_RETRIES = 10;
/** A run stopped by a transient error is tried again after 1, 2, 4, 8 and 16 minutes, then given up. */
export const MAX_RETRIES = 5;
export const RETRY_DELAY_MS = 60_000;
/** A run continues in at most this many parts (a large failover takes a few; a 5-second budget, tens). */
export const MAX_PARTS = 200;
/** How often a running part writes its progress into the run record. */
export const PROGRESS_EVERY_MS = 10_000;

/** Set by the consumer when a run continues in a follow-up message. */
export interface Continuation {
  part: number;
  firstStartedAt: string;
  /** Follow-ups so far that waited: for a lock, or after a transient error. */
  retries?: number;
}

/** What every queued run request carries. */
export interface RunRequest {
  runId?: string | undefined;
  reason?: string | undefined;
  requestedBy?: string | undefined;
  continuation?: Continuation | undefined;
}

export type Parsed<T> = { ok: true; request: T } | { ok: false; reason: string; description: string };

/** How one part of a run ended. */
export type PartOutcome =
  /** Done: the record's last fields, its status among them. */
  | { status: 'finished'; record: Partial<RunRecord> & { status: RunStatus } }
  /** Stopped by its time budget with its progress saved: the next part continues at once. */
  | { status: 'continue'; record?: Partial<RunRecord> }
  /** Stopped by an error the part recorded (in a report) rather than threw. */
  | { status: 'stopped'; error: ErrorInfo; record?: Partial<RunRecord> };

export interface Part {
  /** The record as this part started it. */
  record: RunRecord;
  /** Epoch ms by which the part must have stopped and saved its progress. */
  deadline: number;
  signal?: AbortSignal;
  /** Show how far the part is in the run record (written every PROGRESS_EVERY_MS at most). */
  progress(done: number, total: number): void;
}

/** A request that can run: what its record says about it, how to run a part, the follow-up's request. */
export interface Planned<T> {
  ok: true;
  record: Partial<RunRecord>;
  run(part: Part): Promise<PartOutcome>;
  /** The request of the follow-up message with this continuation; it must name what this part ran on. */
  next(continuation: Continuation): T;
}

/** A request that can never succeed: dead-lettered with the reason, nothing done. */
export interface Rejected {
  ok: false;
  reason: string;
  description: string;
}

/** What the backup and the failover consumers tell the skeleton. */
export interface Consumer<T extends RunRequest> {
  /** For log lines and messages: "backup", "failover". */
  what: string;
  parse(body: unknown): Parsed<T>;
  /** What the record says about the request: type, source, target, … (also for a rejected one). */
  describe(request: T): Partial<RunRecord> & { type: RunType };
  /** Check the request against the configuration and find what it runs on, before anything is done. */
  plan(request: T, runId: string): Promise<Planned<T> | Rejected>;
  timeBudgetMs: number;
}

/**
 * One queue message of a run that goes on over several invocations, for both queue
 * consumers: parse it, keep the run record, run one part within the function's time
 * budget, and decide what becomes of the message.
 *
 * - complete: the run finished, or continues in a follow-up message (its time budget
 *   ran out; another run held the lock; it stopped on a transient error and tries
 *   again later: see shared/runs/errors.ts);
 * - dead-letter: the message can never succeed (not a valid request, an unknown
 *   profile or snapshot); nothing was done;
 * - thrown (the host abandons the message and Service Bus redelivers it, then
 *   dead-letters it after MaxDeliveryCount): trouble before the part started (storage
 *   down), or an error the part threw and that is not tried again (a bug, say). The
 *   record says why first, in case this was the last delivery.
 *
 * Which errors are tried again, and how, is decided by their code: the table in
 * shared/runs/errors.ts.
 */
export async function consumeRun<T extends RunRequest>(
  services: Services,
  consumer: Consumer<T>,
  message: QueueMessage,
  sender: RequestSender<T>,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Disposition> {
  const { logger, store } = services;
  const now = options.now ?? Date.now;
  const time = (): string => new Date(now()).toISOString();
  const parsed = consumer.parse(message.body);
  if (!parsed.ok) {
    logger.warn(`${consumer.what} message rejected`, {
      messageId: message.messageId,
      reason: parsed.reason,
      description: parsed.description,
    });
    return { action: 'deadLetter', reason: parsed.reason, description: parsed.description };
  }
  const request = parsed.request;
  const runId = request.runId ?? message.messageId ?? randomUUID();
  const continuation = request.continuation;
  const part = (continuation?.part ?? 0) + 1;
  const retries = continuation?.retries ?? 0;
  const queued = await readRun(store, runId);
  // What the queued record says about the request stays; what an earlier attempt left (an error, progress) goes.
  const { error: _error, errorCode: _code, progress: _progress, ...kept } = queued ?? {};
  const at = time();
  const base: RunRecord = {
    ...kept,
    schema: 'databricks-dr/run',
    runId,
    ...consumer.describe(request),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    status: 'running',
    part,
    createdAt: continuation?.firstStartedAt ?? queued?.createdAt ?? at,
    updatedAt: at,
  };

  const planned = await consumer.plan(request, runId);
  if (!planned.ok) {
    logger.warn(`${consumer.what} message rejected`, {
      messageId: message.messageId,
      runId,
      reason: planned.reason,
      description: planned.description,
    });
    await writeRun(store, { ...base, status: 'rejected', error: planned.description, errorCode: planned.reason }).catch(() => undefined);
    return { action: 'deadLetter', reason: planned.reason, description: planned.description };
  }
  const record: RunRecord = { ...base, ...planned.record };
  await writeRun(store, record);

  const finish = async (status: RunStatus, fields: Partial<RunRecord> = {}, followUp?: { delayMs?: number; retries: number }) => {
    // The record first: the follow-up may start at once, and its record must not be overwritten by this one.
    await writeRun(store, { ...record, ...fields, status, updatedAt: time() });
    if (followUp) {
      const next: T = { ...planned.next({ part, firstStartedAt: record.createdAt, retries: followUp.retries }), runId };
      await sender.send(next, {
        messageId: `${runId}:part-${part + 1}`,
        ...(followUp.delayMs === undefined ? {} : { delayMs: followUp.delayMs }),
      });
    }
    logger.info(`${consumer.what} message handled`, { runId, part, status, ...(fields.counts ?? {}) });
    return { action: 'complete', runId, status, ...(followUp ? { followUp: true } : {}) } as const;
  };

  // Progress for people watching the run record, while the part runs.
  let shown: { done: number; total: number } | undefined;
  let written: typeof shown;
  const progress = new Periodic(
    async () => {
      if (shown === written) return;
      written = shown;
      await writeRun(store, { ...record, updatedAt: time(), ...(shown ? { progress: shown } : {}) });
    },
    PROGRESS_EVERY_MS,
    (error) => logger.warn('could not update the run record', { error: error instanceof Error ? error.message : String(error) }),
  );
  const budget = consumer.timeBudgetMs;
  let outcome: PartOutcome;
  let thrown: { error: unknown } | undefined;
  try {
    outcome = await planned.run({
      record,
      deadline: now() + budget - Math.min(SAFETY_MS, budget / 5),
      ...(options.signal ? { signal: options.signal } : {}),
      progress: (done, total) => (shown = { done, total }),
    });
  } catch (error) {
    thrown = { error };
    outcome = { status: 'stopped', error: errorInfo(error) };
  } finally {
    // No progress may land after the part's last word.
    await progress.stop({ final: false });
  }

  if (outcome.status === 'finished') return finish(outcome.record.status, outcome.record);
  if (outcome.status === 'continue') {
    // A run that needs this many parts is not getting anywhere (a budget too small for one step): stop it, saying so.
    if (part >= MAX_PARTS)
      return finish('failed', {
        ...outcome.record,
        error: `The run did not finish in ${MAX_PARTS} parts; raise its time budget and run it again (it continues where it stopped).`,
        errorCode: 'ABORTED',
      });
    return finish('continuing', outcome.record, { retries });
  }

  const { error } = outcome;
  const fields = { ...outcome.record, error: error.message, errorCode: error.code };
  if (error.code === 'LOCKED') {
    if (retries < MAX_LOCKED_RETRIES) {
      logger.info(`another run holds the lock; the ${consumer.what} follows up in a minute`, { runId });
      return finish(
        'continuing',
        { ...fields, error: `${error.message} Trying again in a minute.` },
        { delayMs: LOCKED_DELAY_MS, retries: retries + 1 },
      );
    }
    return finish('failed', { ...fields, error: `${error.message} Gave up after ${MAX_LOCKED_RETRIES} tries.` });
  }
  const cls = errorClass(error.code);
  if (cls === 'transient') {
    if (retries < MAX_RETRIES) return finish('continuing', fields, { delayMs: RETRY_DELAY_MS * 2 ** retries, retries: retries + 1 });
    return finish('failed', { ...fields, error: `${error.message} Gave up after ${MAX_RETRIES} tries.` });
  }
  if (!thrown) return finish('failed', fields);
  // Thrown on, so Service Bus redelivers; the record says why, in case this was the last delivery.
  await writeRun(store, { ...record, ...fields, status: 'failed', updatedAt: time() }).catch(() => undefined);
  throw thrown.error;
}
