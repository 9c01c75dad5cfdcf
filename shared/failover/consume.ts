import { requireProfile, unknownProfile, type WorkspaceProfile } from '../config/config.js';
import { isDrError } from '../errors/drError.js';
import { consumeRun, type Consumer, type Part, type PartOutcome } from '../runs/consumer.js';
import type { Disposition, QueueMessage, RequestSender } from '../runs/queue.js';
import type { RunRecord } from '../runs/runs.js';
import type { Services } from '../runs/services.js';
import { workspaceKey } from '../snapshot/names.js';
import { resolveSnapshot } from '../snapshot/resolve.js';
import type { Manifest } from '../snapshot/types.js';
import {
  type FailoverProgress,
  type FailoverReport,
  mergeReports,
  readReport,
  remainingKinds,
  reportPath,
  runFailover,
  writeReport,
} from './failover.js';
import { type FailoverRequest, parseFailoverRequest, REQUEST_SCHEMA, REQUEST_VERSION } from './message.js';
import { verifyRunFields, verifyTarget, writeVerifyReport } from './verify.js';

export type { Disposition, QueueMessage } from '../runs/queue.js';

/** Sends a follow-up message onto the failover queue. */
export type FollowUpSender = RequestSender<FailoverRequest>;

/**
 * Handle one failover message: validate it, replay the snapshot into the target
 * within the function's time budget, write the run record and report, and either
 * complete the message or continue in a follow-up message. A message that can never
 * succeed (not JSON, wrong schema or version, an unknown target or snapshot) is
 * dead-lettered with the reason, before anything is written to the target. What
 * becomes of the message otherwise is the queue consumers' common rule
 * (shared/runs/consumer.ts): a run stopped by an unreachable workspace, say, is tried
 * again later, and transient trouble before it starts (storage down) is thrown, so
 * the message is redelivered.
 */
export function consumeFailoverMessage(
  services: Services,
  message: QueueMessage,
  sender: FollowUpSender,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Disposition> {
  return consumeRun(services, failoverConsumer(services), message, sender, options);
}

function failoverConsumer(services: Services): Consumer<FailoverRequest> {
  const { config, store } = services;
  const names = (request: FailoverRequest): { source: string; target: string } => ({
    source: request.source ?? config.failover.source,
    target: request.target ?? config.failover.target,
  });
  return {
    what: 'failover',
    parse: parseFailoverRequest,
    describe: (request) => ({
      type: request.mode === 'verify' ? 'verify' : 'failover',
      ...names(request),
      ...(request.dryRun === undefined ? {} : { dryRun: request.dryRun }),
    }),
    timeBudgetMs: config.failover.timeBudgetMs,
    plan: async (request) => {
      const { source: sourceName, target: targetName } = names(request);
      if (!config.profiles.has(targetName)) {
        return {
          ok: false,
          reason: 'UnknownTarget',
          description: unknownProfile('target', targetName),
        };
      }
      if (!config.profiles.has(sourceName)) {
        return {
          ok: false,
          reason: 'UnknownSource',
          description: unknownProfile('source', sourceName),
        };
      }
      if (sourceName === targetName)
        return { ok: false, reason: 'InvalidMessage', description: `The source and the target are the same profile ("${sourceName}").` };
      const target = requireProfile(config, targetName);
      const sourceKey = workspaceKey(requireProfile(config, sourceName).host);

      let found: Manifest;
      const snapshot = request.snapshot ?? 'latest';
      try {
        found = await resolveSnapshot(store, sourceKey, snapshot, { profile: sourceName });
      } catch (error) {
        if (!(isDrError(error) && error.code === 'SNAPSHOT_NOT_FOUND')) throw error;
        return {
          ok: false,
          reason: 'UnknownSnapshot',
          description:
            snapshot === 'latest'
              ? `There is no snapshot of ${sourceKey} to fail over from. Run a backup first.`
              : `Snapshot ${snapshot} of ${sourceKey} does not exist. List them with "databricks-dr snapshots list".`,
        };
      }
      return {
        ok: true,
        record: { snapshotId: found.snapshotId },
        // Every part replays the same snapshot, even when the request said "latest".
        next: (continuation) => ({
          ...request,
          schema: REQUEST_SCHEMA,
          version: REQUEST_VERSION,
          snapshot: found.snapshotId,
          source: sourceName,
          target: targetName,
          continuation,
        }),
        run: (part) =>
          request.mode === 'verify'
            ? verifyPart(services, part, found, targetName, request)
            : failoverPart(services, part, found, targetName, target, request),
      };
    },
  };
}

/** One part of a failover: replay the snapshot until done or the deadline, and keep one report for the whole run. */
async function failoverPart(
  services: Services,
  { record, deadline, signal, progress }: Part,
  manifest: Manifest,
  targetName: string,
  target: WorkspaceProfile,
  request: FailoverRequest,
): Promise<PartOutcome> {
  const { config, logger, store } = services;
  const earlier =
    record.part > 1 ? earlierPart(await readReport(store, workspaceKey(target.host), record.runId), record, manifest, request) : undefined;
  let done = 0;
  const onProgress = (event: FailoverProgress): void => {
    if (event.type === 'item') progress(++done, manifest.artifacts.length);
  };
  const client = services.client(targetName);
  let report: FailoverReport;
  try {
    report = await runFailover({
      manifest,
      store,
      target,
      client,
      runId: record.runId,
      logger,
      dryRun: request.dryRun === true,
      conflictPolicy: request.conflictPolicy ?? config.failover.conflictPolicy,
      mappings: config.failover.mappings,
      onProgress,
      deadline,
      // Later parts skip the kinds earlier parts finished, so each part gets further.
      kinds: remainingKinds(request.kinds ?? manifest.kinds, earlier),
      ...(signal ? { signal } : {}),
    });
  } finally {
    client.close();
  }
  const merged = earlier ? mergeReports(earlier, report) : report;
  if (earlier) await writeReport(store, merged);
  const fields: Partial<RunRecord> = {
    report: reportPath(merged.target.key, record.runId),
    counts: merged.counts as Record<string, number>,
    needsHuman: merged.needsHuman.length,
    ...(merged.error ? { error: merged.error } : {}),
    ...(merged.errorCode ? { errorCode: merged.errorCode } : {}),
  };
  if (report.status === 'partial') return { status: 'continue', record: fields };
  if (report.status === 'failed' && report.error !== undefined)
    return { status: 'stopped', error: { code: report.errorCode ?? 'UNEXPECTED', message: report.error }, record: fields };
  return { status: 'finished', record: { ...fields, status: merged.status } };
}

/**
 * A verify run (the DR drill from the queue): compare the target with the snapshot,
 * keep the report and record the drift. It writes nothing to the target and is not
 * continued: a comparison cut short by the time budget is recorded as partial.
 */
async function verifyPart(
  services: Services,
  { record, deadline, signal }: Part,
  manifest: Manifest,
  targetName: string,
  request: FailoverRequest,
): Promise<PartOutcome> {
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
    logger.info('verify run handled', { runId: record.runId, status, drift: report.drift.length });
    return {
      status: 'finished',
      record: {
        status,
        ...verifyRunFields(report, path),
        ...(status === 'partial'
          ? { error: 'The comparison did not finish within the time budget; the report covers what it reached.', errorCode: 'ABORTED' }
          : {}),
      },
    };
  } catch (error) {
    if (!stop.signal.aborted || signal?.aborted) throw error;
    return {
      status: 'finished',
      record: {
        status: 'partial',
        error: `The comparison did not finish within the time budget: ${(error as Error).message}`,
        errorCode: 'ABORTED',
      },
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    client.close();
  }
}

/**
 * The report of this run's earlier parts, when it is one: the same run, snapshot and
 * mode, with items. Anything else (another snapshot's run, a dry run under the same id,
 * a damaged report) is not built upon: this part then restores every kind again, which
 * is slower but never skips one.
 */
function earlierPart(
  report: FailoverReport | undefined,
  record: RunRecord,
  manifest: Manifest,
  request: FailoverRequest,
): FailoverReport | undefined {
  if (report === undefined) return undefined;
  const same =
    report.runId === record.runId &&
    report.snapshotId === manifest.snapshotId &&
    report.dryRun === (request.dryRun === true) &&
    Array.isArray(report.items) &&
    Array.isArray(report.needsHuman) &&
    typeof report.stats === 'object' &&
    report.stats !== null;
  return same ? report : undefined;
}
