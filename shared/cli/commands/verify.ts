import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { requireProfile } from '../../config/config.js';
import { recordVerifyRun, verifyTarget } from '../../failover/verify.js';
import { EXIT } from '../exitCodes.js';
import { kindsOption, snapshotOption } from '../flags.js';
import { failoverBar, wantsProgress } from '../progress.js';
import { driftView, emit } from '../render.js';
import { interruptible, runCommand } from '../run.js';

interface VerifyFlags {
  target?: string;
  source?: string;
  snapshot: string;
  kinds?: string;
}

/** `verify`: the DR drill, the DR workspace compared with a snapshot. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Compare the DR workspace with a snapshot (ids remapped, server-set fields left out); exit 6 on drift. The DR drill.')
    .option('-t, --target <profile>', 'profile of the workspace to check (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile whose snapshot to compare with (default DR_FAILOVER_SOURCE or primary)')
    .option('--snapshot <id>', 'snapshot id, or "latest"', 'latest')
    .option('--kinds <list>', 'only these kinds, comma-separated')
    .action((opts: VerifyFlags, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const services = buildServices(config, logger);
        const targetName = opts.target ?? config.failover.target;
        const sourceName = opts.source ?? config.failover.source;
        const target = requireProfile(config, targetName);
        const kinds = kindsOption(opts.kinds);
        const manifest = await snapshotOption(services.store, config, opts.snapshot, sourceName);
        const bar = failoverBar(wantsProgress(globals), 'compared');
        const client = services.client(targetName);
        const stop = interruptible('Interrupted.');
        try {
          const startedAt = new Date();
          const report = await verifyTarget({
            manifest,
            store: services.store,
            target,
            client,
            mappings: config.failover.mappings,
            logger,
            signal: stop.signal,
            onProgress: bar.onProgress,
            ...(kinds ? { kinds } : {}),
          });
          bar.stop();
          // Kept as a run, so the status page shows the last drill; the drill's result does not depend on it.
          await recordVerifyRun(services.store, report, { source: sourceName, target: targetName, startedAt }).catch((error: unknown) =>
            logger.warn('could not record the verify run', { error: (error as Error).message }),
          );
          emit(driftView(report), globals.json === true);
          return report.ok ? EXIT.OK : EXIT.DRIFT;
        } finally {
          bar.stop();
          client.close();
          stop.dispose();
        }
      }),
    );
}
