import { unknownProfile } from '../config/config.js';
import { consumeRun, type Consumer, type PartOutcome } from '../runs/consumer.js';
import type { Disposition, QueueMessage, RequestSender } from '../runs/queue.js';
import type { Services } from '../runs/services.js';
import { type BackupRequest, parseBackupRequest } from './request.js';
import { runScheduledBackup } from './scheduled.js';

/**
 * Handle one on-demand backup message (POST /api/backup): back up the source within
 * the function's time budget and record the run. A backup that runs out of time is
 * checkpointed and continues in a follow-up message; one that finds another backup
 * of the same workspace running looks again a minute later. What becomes of the
 * message otherwise is the queue consumers' common rule (shared/runs/consumer.ts).
 */
export function consumeBackupMessage(
  services: Services,
  message: QueueMessage,
  sender: RequestSender<BackupRequest>,
  options: { signal?: AbortSignal; now?: () => number } = {},
): Promise<Disposition> {
  return consumeRun(services, backupConsumer(services), message, sender, options);
}

function backupConsumer(services: Services): Consumer<BackupRequest> {
  const { config, logger } = services;
  const sourceOf = (request: BackupRequest): string => request.source ?? config.backup.source;
  return {
    what: 'backup',
    parse: parseBackupRequest,
    describe: (request) => ({ type: 'backup', source: sourceOf(request) }),
    timeBudgetMs: config.backup.timeBudgetMs,
    plan: async (request) => {
      const source = sourceOf(request);
      if (!config.profiles.has(source)) {
        return {
          ok: false,
          reason: 'UnknownSource',
          description: unknownProfile('source', source),
        };
      }
      return {
        ok: true,
        record: {},
        next: (continuation) => ({ ...request, source, continuation }),
        run: async ({ record, deadline, signal }): Promise<PartOutcome> => {
          const outcome = await runScheduledBackup(services, logger, { source, deadline, ...(signal ? { signal } : {}) });
          if (outcome.status === 'partial')
            // Checkpointed: the next part continues where this one stopped.
            return { status: 'continue', record: { error: outcome.reason, errorCode: 'ABORTED' } };
          if (outcome.status === 'skipped') return { status: 'stopped', error: { code: 'LOCKED', message: outcome.reason } };
          const { result } = outcome;
          const s = result.manifest.stats;
          logger.info(`backup run ${record.runId}: snapshot ${result.snapshotId} committed`);
          return {
            status: 'finished',
            record: {
              status: 'succeeded',
              snapshotId: result.snapshotId,
              counts: {
                artifacts: result.manifest.artifacts.length,
                exported: s.exported,
                reused: s.reused,
                uncaptured: result.uncaptured.length,
              },
              needsHuman: result.uncaptured.length,
            },
          };
        },
      };
    },
  };
}
