import { type Command, Option } from 'commander';

import { buildServices } from '../../app/services.js';
import { requireProfile } from '../../config/config.js';
import { DrError } from '../../errors/drError.js';
import { runFailover } from '../../failover/failover.js';
import { EXIT } from '../exitCodes.js';
import { kindsOption, snapshotOption, timeBudgetOption } from '../flags.js';
import { failoverBar, wantsProgress } from '../progress.js';
import { emit, failoverView } from '../render.js';
import { interruptible, runCommand } from '../run.js';

interface FailoverFlags {
  target?: string;
  source?: string;
  snapshot: string;
  dryRun?: boolean;
  kinds?: string;
  conflictPolicy?: 'update' | 'report';
  timeBudget?: string;
  all?: boolean;
}

/** `failover`: replay a snapshot into the DR workspace. */
export function registerFailover(program: Command): void {
  program
    .command('failover')
    .description('Replay a snapshot into the DR workspace: idempotent, resumable, ids remapped, job schedules paused.')
    .option('-t, --target <profile>', 'profile of the workspace to restore into (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile whose snapshots to replay (default DR_FAILOVER_SOURCE or primary)')
    .option('--snapshot <id>', 'snapshot id, or "latest"', 'latest')
    .option('--dry-run', 'print the plan (create, update, unchanged or skip for each object) and write nothing')
    .option('--kinds <list>', 'only these kinds, comma-separated (their order is kept)')
    .addOption(
      new Option('--conflict-policy <policy>', 'an object that differs in the target: update it, or report it and leave it').choices([
        'update',
        'report',
      ]),
    )
    .option('--time-budget <seconds>', 'stop after this long, save progress and exit 4 (running it again continues)')
    .option('--all', 'list every object in the summary, not only those that need a look')
    .action((opts: FailoverFlags, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const services = buildServices(config, logger);
        const targetName = opts.target ?? config.failover.target;
        const sourceName = opts.source ?? config.failover.source;
        const target = requireProfile(config, targetName);
        if (sourceName === targetName)
          throw new DrError(
            'USAGE',
            `The source and the target are the same profile ("${sourceName}"). Name the DR workspace with --target.`,
          );
        const kinds = kindsOption(opts.kinds);
        const budget = timeBudgetOption(opts.timeBudget);
        const manifest = await snapshotOption(services.store, config, opts.snapshot, sourceName);
        const bar = failoverBar(wantsProgress(globals), opts.dryRun ? 'planned' : 'restored');
        const client = services.client(targetName);
        const stop = interruptible('Interrupted; the progress is saved and running the failover again continues from there.');
        try {
          const report = await runFailover({
            manifest,
            store: services.store,
            target,
            client,
            dryRun: opts.dryRun === true,
            conflictPolicy: opts.conflictPolicy ?? config.failover.conflictPolicy,
            mappings: config.failover.mappings,
            logger,
            signal: stop.signal,
            onProgress: bar.onProgress,
            ...(kinds ? { kinds } : {}),
            ...(budget === undefined ? {} : { deadline: Date.now() + budget * 1000 }),
          });
          bar.stop();
          emit(failoverView(report, opts.all === true), globals.json === true);
          return report.status === 'succeeded' ? EXIT.OK : report.status === 'partial' ? EXIT.PARTIAL : EXIT.FAILED;
        } finally {
          bar.stop();
          client.close();
          stop.dispose();
        }
      }),
    );
}
