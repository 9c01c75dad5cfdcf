import type { Command } from 'commander';

import { buildServices } from '../../app/services.js';
import { verifySnapshot } from '../../snapshot/integrity.js';
import { EXIT } from '../exitCodes.js';
import { snapshotOption } from '../flags.js';
import { emit, integrityView } from '../render.js';
import { runCommand } from '../run.js';

/** `snapshots verify <id>`: re-read every object of a snapshot; exit 5 when one fails. */
export function registerSnapshotsVerify(snapshots: Command): void {
  snapshots
    .command('verify <id>')
    .description('Re-read every object of a snapshot and check its hash ("latest" for the newest).')
    .option('-s, --source <profile>', 'the workspace of the snapshot')
    .action((id: string, opts: { source?: string }, command: Command) =>
      runCommand(command, async ({ globals, config, logger }) => {
        const store = buildServices(config, logger).store;
        const manifest = await snapshotOption(store, config, id, opts.source);
        const report = await verifySnapshot(store, manifest);
        emit(integrityView(report), globals.json === true);
        return report.ok ? EXIT.OK : EXIT.CORRUPT;
      }),
    );
}
