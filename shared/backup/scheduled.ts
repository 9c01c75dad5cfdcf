import type { Logger } from '../log/logger.js';
import { requireProfile } from '../config/config.js';
import { DrError } from '../errors/drError.js';
import { pruneRuns } from '../runs/runs.js';
import { prune, type PruneReport } from '../snapshot/retention.js';
import type { Services } from '../runs/services.js';
import { runBackup, type BackupResult } from './backup.js';

/** Garbage collection reads every retained manifest, so the timer runs it every this many backups. */
export const GC_EVERY_RUNS = 24;

export type ScheduledBackupOutcome =
  | { status: 'committed'; result: BackupResult; prune: PruneReport | undefined }
  | { status: 'skipped'; reason: string }
  | { status: 'partial'; reason: string };

/**
 * What the backup timer does on each tick: an incremental backup of the configured
 * source, within the time budget, then retention. A run that finds the previous one
 * still going is skipped (never overlapped); a run that reaches its budget is
 * checkpointed and reported as partial, and the next tick continues it.
 */
export async function runScheduledBackup(
  services: Services,
  logger: Logger,
  options: { deadline?: number; signal?: AbortSignal; source?: string } = {},
): Promise<ScheduledBackupOutcome> {
  const { config, store } = services;
  const source = options.source ?? config.backup.source;
  const profile = requireProfile(config, source);
  const client = services.client(source);
  let result: BackupResult;
  try {
    result = await runBackup({
      profile,
      client,
      store,
      settings: config.backup,
      logger,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (error instanceof DrError && error.code === 'LOCKED') return { status: 'skipped', reason: error.message };
    if (error instanceof DrError && error.code === 'ABORTED') return { status: 'partial', reason: error.message };
    throw error;
  } finally {
    client.close();
  }
  let report: PruneReport | undefined;
  try {
    report = await prune(store, {
      retention: config.backup.retention,
      workspaces: [result.workspaceKey],
      collectGarbage: result.manifest.runNumber % GC_EVERY_RUNS === 0,
      logger,
    });
  } catch (error) {
    // Retention can wait for the next run; the snapshot is committed.
    logger.warn('retention did not run', { error: (error as Error).message });
  }
  if (result.manifest.runNumber % GC_EVERY_RUNS === 0) {
    // Old run records go with the garbage collection, on the same rhythm.
    await pruneRuns(store, { keepDays: config.backup.retention.days }).catch((error: unknown) =>
      logger.warn('old run records were not pruned', { error: (error as Error).message }),
    );
  }
  return { status: 'committed', result, prune: report };
}
