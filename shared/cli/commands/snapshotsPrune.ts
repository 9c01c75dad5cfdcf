import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { prune } from '../../snapshot/retention.js';
import { EXIT } from '../exitCodes.js';
import { positive } from '../flags.js';
import { emit, pruneView } from '../render.js';
import { runCommand } from '../run.js';

interface PruneFlags {
  dryRun?: boolean;
  keep?: string;
  keepDays?: string;
}

/** `snapshots prune`: retention, then garbage collection of unreferenced objects. */
export function registerSnapshotsPrune(snapshots: Command): void {
  snapshots
    .command('prune')
    .description('Delete snapshots retention no longer keeps, then objects no snapshot needs.')
    .option('--dry-run', 'only report what would be deleted')
    .option('--keep <count>', 'snapshots to keep per workspace (default DR_RETENTION_COUNT)')
    .option('--keep-days <days>', 'keep snapshots younger than this (default DR_RETENTION_DAYS)')
    .action((opts: PruneFlags, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const store = buildServices(config, logger).store;
        const retention = { ...config.backup.retention };
        if (opts.keep !== undefined) retention.count = positive(opts.keep, '--keep');
        if (opts.keepDays !== undefined) retention.days = positive(opts.keepDays, '--keep-days', true);
        const report = await prune(store, { retention, dryRun: opts.dryRun === true, logger });
        emit(pruneView(report), globals.json === true);
        return EXIT.OK;
      }),
    );
}
