import type { Command } from 'commander';

import { EXIT } from '../exitCodes.js';
import { emit, kindsView } from '../render.js';
import { runCommand } from '../run.js';

/** `kinds`: every artifact kind, as its module declares it. */
export function registerKinds(program: Command): void {
  program
    .command('kinds')
    .description('List the artifact kinds a snapshot holds: what each captures, its natural key, permissions and restore order.')
    .action((_opts: unknown, command: Command) =>
      runCommand(command, async ({ globals }) => {
        emit(kindsView(), globals.json === true);
        return EXIT.OK;
      }),
    );
}
