import type { WorkspaceProfile } from '../config/config.js';
import type { DatabricksClient } from '../databricks/client.js';
import { isApiError } from '../databricks/errors.js';
import { DrError } from '../errors/drError.js';
import { idText } from '../kinds/discovery.js';
import { type Logger, nullLogger } from '../log/logger.js';
import { workspaceKey } from '../snapshot/names.js';
import type { SnapshotStore } from '../snapshot/store.js';
import { loadState, saveState } from './state.js';

const PAUSABLE = ['schedule', 'continuous', 'trigger'] as const;

export interface CutoverJob {
  /** The job's id in the workspace it was copied from. */
  sourceId: string;
  targetId?: string;
  name?: string;
  result: 'unpaused' | 'unchanged' | 'missing' | 'failed';
  detail?: string;
}

export interface CutoverReport {
  schema: 'databricks-dr/cutover-report';
  source: { key: string };
  target: { key: string; host: string; profile: string };
  dryRun: boolean;
  ok: boolean;
  at: string;
  jobs: CutoverJob[];
  /** The old primary: its schedules are paused so that jobs do not run twice, if it answers. */
  oldPrimary?: { host: string; reachable: boolean; paused: number; alreadyPaused: number; failed: number; error?: string };
}

export interface CutoverOptions {
  store: SnapshotStore;
  target: WorkspaceProfile;
  client: DatabricksClient;
  /** The workspace the failover copied from (its snapshots' key). */
  sourceKey: string;
  /** The old primary, to pause its schedules; left alone when absent or unreachable. */
  oldPrimary?: { profile: WorkspaceProfile; client: DatabricksClient };
  dryRun?: boolean;
  logger?: Logger;
  signal?: AbortSignal;
}

type JobSettings = Record<string, unknown> & { name?: string };

/**
 * Make the DR workspace the primary: give every job the failover copied the pause
 * states it had in the source (schedules, triggers and continuous runs were paused
 * on arrival), and pause the schedules of the old primary if it can be reached, so
 * that no job runs in both. Running it again changes nothing.
 */
export async function runCutover(options: CutoverOptions): Promise<CutoverReport> {
  const { store, client, target } = options;
  const logger = options.logger ?? nullLogger;
  const dryRun = options.dryRun ?? false;
  const targetKey = workspaceKey(target.host);
  const signal = options.signal;
  const lock = dryRun ? undefined : await store.acquireLock(targetKey, 'cutover');
  try {
    const state = await loadState(store, options.sourceKey, targetKey);
    if (state.idMap.size() === 0) {
      throw new DrError(
        'USAGE',
        `No failover from ${options.sourceKey} into ${targetKey} has run, so there is nothing to cut over. ` +
          'Run "databricks-dr failover" first.',
      );
    }
    const at = new Date().toISOString();
    const jobs: CutoverJob[] = [];
    for (const [sourceId, pauses] of state.pauses) {
      const targetId = state.idMap.get('jobs', sourceId);
      if (targetId === undefined) {
        jobs.push({ sourceId, result: 'missing', detail: 'The failover did not restore this job.' });
        continue;
      }
      try {
        const job = await client.get<{ settings?: JobSettings }>('/api/2.2/jobs/get', { job_id: targetId }, signal ? { signal } : {});
        const settings = job.settings ?? {};
        const change: Record<string, unknown> = {};
        for (const field of PAUSABLE) {
          const block = settings[field] as Record<string, unknown> | undefined;
          const wanted = pauses[field];
          if (block !== undefined && wanted !== undefined && (block['pause_status'] ?? 'UNPAUSED') !== wanted)
            change[field] = { ...block, pause_status: wanted };
        }
        if (Object.keys(change).length === 0) {
          jobs.push({ sourceId, targetId, ...(settings.name ? { name: settings.name } : {}), result: 'unchanged' });
          continue;
        }
        if (!dryRun)
          await client.post(
            '/api/2.2/jobs/update',
            { job_id: targetId, new_settings: change },
            { idempotent: true, ...(signal ? { signal } : {}) },
          );
        jobs.push({
          sourceId,
          targetId,
          ...(settings.name ? { name: settings.name } : {}),
          result: 'unpaused',
          detail: Object.keys(change).join(', '),
        });
      } catch (error) {
        if (isApiError(error, 'not_found') || (isApiError(error) && /does not exist/i.test(error.apiMessage))) {
          jobs.push({ sourceId, targetId, result: 'missing', detail: 'The job is no longer in the target workspace.' });
        } else if (isApiError(error) && !error.retryable && error.category !== 'unauthenticated') {
          jobs.push({ sourceId, targetId, result: 'failed', detail: error.message });
        } else {
          throw error;
        }
      }
    }
    if (!dryRun) {
      state.cutover = { at };
      await saveState(store, state);
    }
    const oldPrimary = options.oldPrimary ? await pauseOldPrimary(options.oldPrimary, dryRun, logger, signal) : undefined;
    const report: CutoverReport = {
      schema: 'databricks-dr/cutover-report',
      source: { key: options.sourceKey },
      target: { key: targetKey, host: target.host, profile: target.name },
      dryRun,
      ok: jobs.every((j) => j.result === 'unpaused' || j.result === 'unchanged') && (oldPrimary?.failed ?? 0) === 0,
      at,
      jobs,
      ...(oldPrimary ? { oldPrimary } : {}),
    };
    logger.info('cutover finished', {
      target: targetKey,
      unpaused: jobs.filter((j) => j.result === 'unpaused').length,
      oldPrimaryReachable: oldPrimary?.reachable,
    });
    return report;
  } finally {
    await lock?.release();
  }
}

/** Pause every running schedule, trigger and continuous job of the old primary; an unreachable one is reported, not an error. */
async function pauseOldPrimary(
  primary: { profile: WorkspaceProfile; client: DatabricksClient },
  dryRun: boolean,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<NonNullable<CutoverReport['oldPrimary']>> {
  const out = { host: primary.profile.host, reachable: true, paused: 0, alreadyPaused: 0, failed: 0 };
  const opts = signal ? { signal } : {};
  let token: string | undefined;
  try {
    do {
      const page = await primary.client.get<{
        jobs?: Array<{ job_id: number | bigint; settings?: JobSettings }>;
        next_page_token?: string;
      }>('/api/2.2/jobs/list', { limit: 100, page_token: token }, opts);
      for (const job of page.jobs ?? []) {
        const settings = job.settings ?? {};
        const change: Record<string, unknown> = {};
        for (const field of PAUSABLE) {
          const block = settings[field] as Record<string, unknown> | undefined;
          if (block !== undefined && (block['pause_status'] ?? 'UNPAUSED') !== 'PAUSED')
            change[field] = { ...block, pause_status: 'PAUSED' };
        }
        if (Object.keys(change).length === 0) {
          if (PAUSABLE.some((f) => settings[f] !== undefined)) out.alreadyPaused += 1;
          continue;
        }
        try {
          if (!dryRun)
            await primary.client.post(
              '/api/2.2/jobs/update',
              { job_id: idText(job.job_id), new_settings: change },
              { idempotent: true, ...opts },
            );
          out.paused += 1;
        } catch (error) {
          out.failed += 1;
          logger.warn('could not pause a job in the old primary', { job: idText(job.job_id), error: (error as Error).message });
        }
      }
      token = page.next_page_token || undefined;
    } while (token);
  } catch (error) {
    logger.warn('the old primary cannot be reached; its schedules were left as they are', { error: (error as Error).message });
    return { ...out, reachable: false, error: (error as Error).message };
  }
  return out;
}
