import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { runBackup } from '../../backup/backup.js';
import { requireProfile } from '../../config/config.js';
import { EXIT } from '../exitCodes.js';
import { timeBudgetOption } from '../flags.js';
import { backupBar, wantsProgress } from '../progress.js';
import { backupView, emit } from '../render.js';
import { interruptible, runCommand } from '../run.js';

interface BackupFlags {
  source: string;
  timeBudget?: string;
}

/** `backup --source <profile>`: one incremental snapshot. */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('Take an incremental snapshot of a workspace.')
    .requiredOption('-s, --source <profile>', 'profile of the workspace to back up')
    .option('--time-budget <seconds>', 'stop after this long, checkpoint, and exit 4 (the next run continues)')
    .action((opts: BackupFlags, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const profile = requireProfile(config, opts.source);
        const services = buildServices(config, logger);
        const budget = timeBudgetOption(opts.timeBudget, '1 and 2592000 (30 days)');
        const bar = backupBar(wantsProgress(globals));
        const client = services.client(opts.source);
        const stop = interruptible('Interrupted; the progress is checkpointed and the next backup continues from there.');
        try {
          const result = await runBackup({
            profile,
            client,
            store: services.store,
            settings: config.backup,
            logger,
            signal: stop.signal,
            ...(budget === undefined ? {} : { deadline: Date.now() + budget * 1000 }),
            onProgress: bar.onProgress,
          });
          bar.stop();
          emit(backupView(result), globals.json === true);
          return EXIT.OK;
        } finally {
          bar.stop();
          client.close();
          stop.dispose();
        }
      }),
    );
}
