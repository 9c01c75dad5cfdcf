import { randomUUID } from 'node:crypto';

import type { Disposition, QueueMessage, RequestSender } from '../runs/queue.js';
import { readRun, type RunRecord, writeRun } from '../runs/runs.js';
import type { Services } from '../runs/services.js';
import { type BackupRequest, parseBackupRequest } from './request.js';
import { runScheduledBackup } from './scheduled.js';

/** Stop this long before the function's time budget (at most), to checkpoint and send the follow-up. */
const SAFETY_MS = 60_000;
/** Another backup of the workspace is running: look again after this long, at most this many times. */
const LOCKED_DELAY_MS = 60_000;
const MAX_LOCKED_RETRIES = 10;

/**
 * Handle one on-demand backup message (POST /api/backup): back up the source within
 * the function's time budget and record the run. A backup that runs out of time is
 * checkpointed and continues in a follow-up message; one that finds another backup
 * of the same workspace running looks again a minute later. A message that can never
 * succeed is dead-lettered with its reason; transient trouble is thrown, so Service
 * Bus redelivers it.
 */
export async function consumeBackupMessage(
  services: Services,
  message: QueueMessage,
  sender: RequestSender<BackupRequest>,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Disposition> {
  const { config, logger, store } = services;
  const now = options.now ?? Date.now;
  const parsed = parseBackupRequest(message.body);
  if (!parsed.ok) {
    logger.warn('backup message rejected', { messageId: message.messageId, reason: parsed.reason, description: parsed.description });
    return { action: 'deadLetter', reason: parsed.reason, description: parsed.description };
  }
  const request = parsed.request;
  const runId = request.runId ?? message.messageId ?? randomUUID();
  const source = request.source ?? config.backup.source;
  const queued = await readRun(store, runId);
  const part = (request.continuation?.part ?? 0) + 1;
  const at = new Date(now()).toISOString();
  // What the queued record says about the request stays; what an earlier attempt left (an error, progress) goes.
  const { error: _error, progress: _progress, ...kept } = queued ?? {};
  const record: RunRecord = {
    ...kept,
    schema: 'databricks-dr/run',
    runId,
    type: 'backup',
    status: 'running',
    source,
    part,
    createdAt: request.continuation?.firstStartedAt ?? queued?.createdAt ?? at,
    updatedAt: at,
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
  };
  if (!config.profiles.has(source)) {
    const description = `The source profile "${source}" is not configured. Set DR_WORKSPACE_${source.toUpperCase()}_HOST (and its auth) in the app settings, or name a configured profile.`;
    await writeRun(store, { ...record, status: 'rejected', error: description }).catch(() => undefined);
    return { action: 'deadLetter', reason: 'UnknownSource', description };
  }
  await writeRun(store, record);

  const followUp = async (delayMs: number | undefined, retries: number): Promise<void> => {
    const next: BackupRequest = { ...request, runId, source, continuation: { part, firstStartedAt: record.createdAt, retries } };
    await sender.send(next, { messageId: `${runId}:part-${part + 1}`, ...(delayMs === undefined ? {} : { delayMs }) });
  };
  const budget = config.backup.timeBudgetMs;
  const done = (patch: Partial<RunRecord>): Promise<void> =>
    writeRun(store, { ...record, ...patch, updatedAt: new Date(now()).toISOString() });
  let outcome;
  try {
    outcome = await runScheduledBackup(services, logger, {
      source,
      deadline: now() + budget - Math.min(SAFETY_MS, budget / 5),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    // Thrown on, so Service Bus redelivers; the record says why, in case this was the last delivery.
    await done({ status: 'failed', error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
  if (outcome.status === 'committed') {
    const { result } = outcome;
    const s = result.manifest.stats;
    await done({
      status: 'succeeded',
      snapshotId: result.snapshotId,
      counts: { artifacts: result.manifest.artifacts.length, exported: s.exported, reused: s.reused, uncaptured: result.uncaptured.length },
      needsHuman: result.uncaptured.length,
    });
    logger.info(`backup run ${runId}: snapshot ${result.snapshotId} committed`);
    return { action: 'complete', runId, status: 'succeeded' };
  }
  if (outcome.status === 'partial') {
    // Checkpointed: the next part continues where this one stopped.
    await followUp(undefined, request.continuation?.retries ?? 0);
    await done({ status: 'continuing', error: outcome.reason });
    return { action: 'complete', runId, status: 'continuing', followUp: true };
  }
  const retries = request.continuation?.retries ?? 0;
  if (retries < MAX_LOCKED_RETRIES) {
    await followUp(LOCKED_DELAY_MS, retries + 1);
    await done({ status: 'continuing', error: `${outcome.reason} Trying again in a minute.` });
    return { action: 'complete', runId, status: 'continuing', followUp: true };
  }
  await done({ status: 'failed', error: `${outcome.reason} Gave up after ${MAX_LOCKED_RETRIES} tries.` });
  return { action: 'complete', runId, status: 'failed' };
}
