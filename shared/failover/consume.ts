import { randomUUID } from 'node:crypto';

import { requireProfile } from '../config/config.js';
import { isDrError } from '../errors/drError.js';
import type { Disposition, QueueMessage, RequestSender } from '../runs/queue.js';
import { readRun, type RunRecord, writeRun } from '../runs/runs.js';
import type { Services } from '../runs/services.js';
import { workspaceKey } from '../snapshot/names.js';
import type { Manifest } from '../snapshot/types.js';
import { type FailoverProgress, type FailoverReport, mergeReports, readReport, reportPath, runFailover, writeReport } from './failover.js';
import { type FailoverRequest, parseFailoverRequest, REQUEST_SCHEMA, REQUEST_VERSION } from './message.js';
import { verifyRunFields, verifyTarget, writeVerifyReport } from './verify.js';

export type { Disposition, QueueMessage } from '../runs/queue.js';

/** Sends a follow-up message onto the failover queue. */
export type FollowUpSender = RequestSender<FailoverRequest>;

/** Stop this long before the function's time budget (at most), to save progress and send the follow-up. */
const SAFETY_MS = 60_000;
/** A run stopped by an unreachable workspace is tried again after 1, 2, 4, 8 and 16 minutes, then given up. */
const MAX_RETRIES = 5;
const PROGRESS_EVERY_MS = 10_000;
/** Another failover holds the target: look again in a minute instead of redelivering at once. */
const LOCKED_DELAY_MS = 60_000;

/**
 * Handle one failover message: validate it, replay the snapshot into the target
 * within the function's time budget, write the run record and report, and either
 * complete the message or continue in a follow-up message. A message that can never
 * succeed (not JSON, wrong schema or version, an unknown target or snapshot) is
 * dead-lettered with the reason, before anything is written to the target.
 * Transient trouble (storage down) is thrown, so the message is redelivered.
 */
export async function consumeFailoverMessage(
  services: Services,
  message: QueueMessage,
  sender: FollowUpSender,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Disposition> {
  const { config, logger, store } = services;
  const now = options.now ?? Date.now;
  const parsed = parseFailoverRequest(message.body);
  if (!parsed.ok) {
    logger.warn('failover message rejected', { messageId: message.messageId, reason: parsed.reason, description: parsed.description });
    return { action: 'deadLetter', reason: parsed.reason, description: parsed.description };
  }
  const request = parsed.request;
  const runId = request.runId ?? message.messageId ?? randomUUID();
  const targetName = request.target ?? config.failover.target;
  const sourceName = request.source ?? config.failover.source;
  const reject = async (reason: string, description: string): Promise<Disposition> => {
    logger.warn('failover message rejected', { messageId: message.messageId, runId, reason, description });
    await writeRun(store, { ...baseRecord(runId, request, sourceName, targetName, now()), status: 'rejected', error: description }).catch(
      () => undefined,
    );
    return { action: 'deadLetter', reason, description };
  };
  if (!config.profiles.has(targetName)) {
    return reject(
      'UnknownTarget',
      `The target profile "${targetName}" is not configured. Set DR_WORKSPACE_${targetName.toUpperCase()}_HOST (and its auth) in the app settings, or name a configured profile.`,
    );
  }
  if (!config.profiles.has(sourceName)) {
    return reject(
      'UnknownSource',
      `The source profile "${sourceName}" is not configured, so its snapshots cannot be found. Set DR_WORKSPACE_${sourceName.toUpperCase()}_HOST, or name a configured profile.`,
    );
  }
  if (sourceName === targetName) return reject('InvalidMessage', `The source and the target are the same profile ("${sourceName}").`);
  const target = requireProfile(config, targetName);
  const sourceKey = workspaceKey(requireProfile(config, sourceName).host);

  let manifest: Manifest | undefined;
  const snapshot = request.snapshot ?? 'latest';
  try {
    manifest = snapshot === 'latest' ? await store.latestManifest(sourceKey) : await store.readManifest(sourceKey, snapshot);
  } catch (error) {
    if (!(isDrError(error) && error.code === 'SNAPSHOT_NOT_FOUND')) throw error;
  }
  if (!manifest) {
    return reject(
      'UnknownSnapshot',
      snapshot === 'latest'
        ? `There is no snapshot of ${sourceKey} to fail over from. Run a backup first.`
        : `Snapshot ${snapshot} of ${sourceKey} does not exist. List them with "databricks-dr snapshots list".`,
    );
  }

  const part = (request.continuation?.part ?? 0) + 1;
  // A run queued through the HTTP API or an alert already has a record: keep what it says about the request.
  const queued = await readRun(store, runId);
  const created = request.continuation?.firstStartedAt ?? queued?.createdAt ?? new Date(now()).toISOString();
  const record: RunRecord = {
    ...baseRecord(runId, request, sourceName, targetName, now()),
    ...(queued?.requestHash ? { requestHash: queued.requestHash } : {}),
    ...(queued?.alertId ? { alertId: queued.alertId } : {}),
    createdAt: created,
    snapshotId: manifest.snapshotId,
    status: 'running',
    part,
  };
  await writeRun(store, record);
  if (request.mode === 'verify')
    return verifyRun(
      services,
      record,
      manifest,
      targetName,
      request,
      now() + config.failover.timeBudgetMs - Math.min(SAFETY_MS, config.failover.timeBudgetMs / 5),
      options.signal,
    );
  const earlier = part > 1 ? await readReport(store, workspaceKey(target.host), runId) : undefined;
  // Every part replays the same snapshot, even when the request said "latest".
  const followUp = async (delayMs: number | undefined, retries: number): Promise<void> => {
    const next: FailoverRequest = {
      ...request,
      schema: REQUEST_SCHEMA,
      version: REQUEST_VERSION,
      runId,
      snapshot: manifest.snapshotId,
      source: sourceName,
      target: targetName,
      continuation: { part, firstStartedAt: created, retries },
    };
    await sender.send(next, { messageId: `${runId}:part-${part + 1}`, ...(delayMs === undefined ? {} : { delayMs }) });
  };

  // Progress for people watching the run record: objects handled so far, every 10 s.
  let done = 0;
  let lastWrite = now();
  let writing: Promise<void> | undefined;
  const onProgress = (event: FailoverProgress): void => {
    if (event.type !== 'item') return;
    done += 1;
    if (writing || now() - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = now();
    writing = writeRun(store, { ...record, updatedAt: new Date(now()).toISOString(), progress: { done, total: manifest.artifacts.length } })
      .catch((error: unknown) => logger.warn('could not update the run record', { error: (error as Error).message }))
      .finally(() => (writing = undefined));
  };

  const client = services.client(targetName);
  let report: FailoverReport;
  try {
    report = await runFailover({
      manifest,
      store,
      target,
      client,
      runId,
      logger,
      dryRun: request.dryRun === true,
      conflictPolicy: request.conflictPolicy ?? config.failover.conflictPolicy,
      mappings: config.failover.mappings,
      onProgress,
      deadline: now() + config.failover.timeBudgetMs - Math.min(SAFETY_MS, config.failover.timeBudgetMs / 5),
      ...(request.kinds ? { kinds: request.kinds } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (isDrError(error) && error.code === 'LOCKED') {
      // Another failover into this workspace is running (or crashed within the last
      // 30 s): do not spin on redeliveries, look again in a minute.
      logger.info('the target is locked by another failover; following up in a minute', { runId });
      await followUp(LOCKED_DELAY_MS, request.continuation?.retries ?? 0);
      await writeRun(store, { ...record, status: 'continuing', updatedAt: new Date(now()).toISOString(), error: (error as Error).message });
      return { action: 'complete', runId, status: 'continuing', followUp: true };
    }
    throw error;
  } finally {
    client.close();
    await writing;
  }

  const merged = earlier ? mergeReports(earlier, report) : report;
  if (earlier) await writeReport(store, merged);
  const retries = request.continuation?.retries ?? 0;
  let status: RunRecord['status'] = merged.status;
  let followed = false;
  if (report.status === 'partial') {
    await followUp(undefined, retries);
    status = 'continuing';
    followed = true;
  } else if (report.status === 'failed' && report.error !== undefined && retries < MAX_RETRIES && isTransientStop(report.error)) {
    await followUp(60_000 * 2 ** retries, retries + 1);
    status = 'continuing';
    followed = true;
  }
  await writeRun(store, {
    ...record,
    status,
    updatedAt: new Date(now()).toISOString(),
    report: reportPath(merged.target.key, runId),
    counts: merged.counts as Record<string, number>,
    needsHuman: merged.needsHuman.length,
    ...(merged.error ? { error: merged.error } : {}),
  });
  logger.info('failover message handled', { runId, part, status, ...merged.counts });
  return { action: 'complete', runId, status, ...(followed ? { followUp: true } : {}) };
}

function baseRecord(runId: string, request: FailoverRequest, source: string, target: string, at: number): RunRecord {
  const time = new Date(at).toISOString();
  return {
    schema: 'databricks-dr/run',
    runId,
    type: request.mode === 'verify' ? 'verify' : 'failover',
    status: 'queued',
    source,
    target,
    ...(request.dryRun === undefined ? {} : { dryRun: request.dryRun }),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    part: 1,
    createdAt: time,
    updatedAt: time,
  };
}

/**
 * A verify run (the DR drill from the queue): compare the target with the snapshot,
 * keep the report and record the drift. It writes nothing to the target and is not
 * continued: a comparison cut short by the time budget is recorded as partial.
 */
async function verifyRun(
  services: Services,
  record: RunRecord,
  manifest: Manifest,
  targetName: string,
  request: FailoverRequest,
  deadline: number,
  signal?: AbortSignal,
): Promise<Disposition> {
  const { config, logger, store } = services;
  const client = services.client(targetName);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error('the time budget ran out')), Math.max(0, deadline - Date.now()));
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const report = await verifyTarget({
      manifest,
      store,
      target: requireProfile(config, targetName),
      client,
      mappings: config.failover.mappings,
      logger,
      signal: stop.signal,
      ...(request.kinds ? { kinds: request.kinds } : {}),
    });
    const path = await writeVerifyReport(store, report, record.runId);
    const status: RunRecord['status'] = stop.signal.aborted ? 'partial' : report.ok ? 'succeeded' : 'drift';
    await writeRun(store, {
      ...record,
      status,
      updatedAt: new Date().toISOString(),
      ...verifyRunFields(report, path),
      ...(status === 'partial'
        ? { error: 'The comparison did not finish within the time budget; the report covers what it reached.' }
        : {}),
    });
    logger.info('verify run handled', { runId: record.runId, status, drift: report.drift.length });
    return { action: 'complete', runId: record.runId, status };
  } catch (error) {
    if (!stop.signal.aborted || signal?.aborted) throw error;
    await writeRun(store, {
      ...record,
      status: 'partial',
      updatedAt: new Date().toISOString(),
      error: `The comparison did not finish within the time budget: ${(error as Error).message}`,
    });
    return { action: 'complete', runId: record.runId, status: 'partial' };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    client.close();
  }
}

/** A run that stopped because the workspace stopped answering is worth trying again later. */
function isTransientStop(error: string): boolean {
  return /failed \d+ objects in a row on transient errors|Cannot reach the Databricks workspace|No answer from/.test(error);
}
