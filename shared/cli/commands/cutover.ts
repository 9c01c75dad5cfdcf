import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { requireProfile } from '../../config/config.js';
import { runCutover } from '../../failover/cutover.js';
import { workspaceKey } from '../../snapshot/names.js';
import { EXIT } from '../exitCodes.js';
import { cutoverView, emit } from '../render.js';
import { runCommand } from '../run.js';

interface CutoverFlags {
  target?: string;
  source?: string;
  oldPrimary?: string;
  dryRun?: boolean;
}

/** `cutover`: make the DR workspace the primary. */
export function registerCutover(program: Command): void {
  program
    .command('cutover')
    .description('Make the DR workspace the primary: restore job schedules there and pause them in the old primary if it answers.')
    .option('-t, --target <profile>', 'profile of the DR workspace (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile the failover copied from (default DR_FAILOVER_SOURCE or primary)')
    .option('--old-primary <profile>', 'pause the schedules of this workspace (default: the source profile); "none" to leave it alone')
    .option('--dry-run', 'print what would change, change nothing')
    .action((opts: CutoverFlags, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const services = buildServices(config, logger);
        const targetName = opts.target ?? config.failover.target;
        const sourceName = opts.source ?? config.failover.source;
        const target = requireProfile(config, targetName);
        const source = config.profiles.get(sourceName);
        const sourceKey = source ? workspaceKey(source.host) : sourceName;
        const oldName = opts.oldPrimary ?? (source ? sourceName : 'none');
        const client = services.client(targetName);
        // The old primary may be in the middle of the outage: ask briefly, do not wait on it.
        const oldClient =
          oldName === 'none'
            ? undefined
            : services.client(oldName, { requestTimeoutMs: 15_000, retry: { maxAttempts: 3, timeoutMs: 30_000 } });
        try {
          const report = await runCutover({
            store: services.store,
            target,
            client,
            sourceKey,
            dryRun: opts.dryRun === true,
            logger,
            ...(oldClient ? { oldPrimary: { profile: requireProfile(config, oldName), client: oldClient } } : {}),
          });
          emit(cutoverView(report), globals.json === true);
          return report.ok ? EXIT.OK : EXIT.FAILED;
        } finally {
          client.close();
          oldClient?.close();
        }
      }),
    );
}
