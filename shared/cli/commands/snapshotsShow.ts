import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { EXIT } from '../exitCodes.js';
import { snapshotOption } from '../flags.js';
import { emit, snapshotView } from '../render.js';
import { runCommand } from '../run.js';

/** `snapshots show <id>`: what a snapshot holds. */
export function registerSnapshotsShow(snapshots: Command): void {
  snapshots
    .command('show <id>')
    .description('Show what a snapshot holds ("latest" for the newest).')
    .option('-s, --source <profile>', 'the workspace of the snapshot')
    .option('--artifacts', 'list every artifact')
    .action((id: string, opts: { source?: string; artifacts?: boolean }, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const store = buildServices(config, logger).store;
        const manifest = await snapshotOption(store, config, id, opts.source);
        emit(snapshotView(manifest, opts.artifacts === true), globals.json === true);
        return EXIT.OK;
      }),
    );
}
