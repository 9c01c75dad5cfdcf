import { app, type InvocationContext, type Timer } from '@azure/functions';

import { runScheduledBackup } from '../shared/backup/scheduled.js';
import { getServices, invocationLogger } from './_services.js';

/** Registration options, exported so tests can check them. */
export const backupTimerOptions = {
  /** NCRONTAB from the DR_BACKUP_SCHEDULE app setting (default every 15 minutes). */
  schedule: '%DR_BACKUP_SCHEDULE%',
  /** Detect missed occurrences across restarts; they arrive with isPastDue. */
  useMonitor: true,
  runOnStartup: false,
} as const;

/**
 * Backup timer: one incremental backup of DR_BACKUP_SOURCE per tick, stopped and
 * checkpointed before the function times out, then retention. An overlapping tick
 * is skipped, never run twice.
 */
export async function backupTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const logger = invocationLogger(context);
  if (timer.isPastDue) {
    logger.warn('The backup timer is past due (the host was stopped or busy); backing up now.', { last: timer.scheduleStatus?.last });
  }
  const outcome = await runScheduledBackup(services, logger, { deadline: Date.now() + services.config.backup.timeBudgetMs });
  if (outcome.status === 'committed') {
    const s = outcome.result.manifest.stats;
    logger.info(`Backup ${outcome.result.snapshotId} committed`, {
      workspace: outcome.result.workspaceKey,
      artifacts: outcome.result.manifest.artifacts.length,
      exported: s.exported,
      reused: s.reused,
      uploadedObjects: s.uploadedObjects,
      uncaptured: outcome.result.uncaptured.length,
      durationMs: s.durationMs,
      snapshotsPruned: outcome.prune?.snapshotsDeleted.length ?? 0,
    });
  } else {
    logger.warn(`Backup ${outcome.status}: ${outcome.reason}`);
  }
}

app.timer('backupTimer', { ...backupTimerOptions, handler: backupTimer });
