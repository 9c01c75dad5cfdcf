import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { requireProfile } from '../../config/config.js';
import { workspaceKey } from '../../snapshot/names.js';
import { EXIT } from '../exitCodes.js';
import { emit, snapshotListView } from '../render.js';
import { runCommand } from '../run.js';

/** `snapshots list [--source <profile>]`. */
export function registerSnapshotsList(snapshots: Command): void {
  snapshots
    .command('list')
    .description('List snapshots, oldest first.')
    .option('-s, --source <profile>', "only the snapshots of this profile's workspace")
    .action((opts: { source?: string }, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const store = buildServices(config, logger).store;
        const key = opts.source === undefined ? undefined : workspaceKey(requireProfile(config, opts.source).host);
        const list = await store.listSnapshots(key);
        emit(snapshotListView(store.containerName, list), globals.json === true);
        return EXIT.OK;
      }),
    );
}
