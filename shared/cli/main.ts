#!/usr/bin/env node
/**
 * databricks-dr: back up an Azure Databricks workspace into Blob Storage and manage
 * its snapshots. A thin adapter: it parses flags, loads the configuration, calls the
 * core and renders the result (human text, progress bars on a terminal, or --json).
 *
 * This file builds the program and wires the commands; each command is a module in
 * commands/, what they print is in render.ts, exit codes are in exitCodes.ts.
 */
import { Command, CommanderError, Option } from 'commander';

import { registerBackup } from './commands/backup.js';
import { registerCutover } from './commands/cutover.js';
import { registerFailover } from './commands/failover.js';
import { registerKinds } from './commands/kinds.js';
import { registerSnapshotsList } from './commands/snapshotsList.js';
import { registerSnapshotsPrune } from './commands/snapshotsPrune.js';
import { registerSnapshotsShow } from './commands/snapshotsShow.js';
import { registerSnapshotsVerify } from './commands/snapshotsVerify.js';
import { registerVerify } from './commands/verify.js';
import { EXIT } from './exitCodes.js';
import { emitUsageError } from './render.js';

export function buildProgram(): Command {
  const program = new Command('databricks-dr')
    .description('Disaster recovery for Azure Databricks: back up a workspace into Blob Storage and manage its snapshots.')
    .option('--json', 'print one JSON object on stdout (logs stay on stderr)')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('--config-file <path>', 'Databricks config file with workspace profiles (default: DATABRICKS_CONFIG_FILE or ~/.databrickscfg)')
    .option('--container <name>', 'blob container for snapshots (default: DR_CONTAINER or databricks-dr)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']))
    .showHelpAfterError()
    .exitOverride();

  registerBackup(program);
  registerFailover(program);
  registerVerify(program);
  registerCutover(program);
  registerKinds(program);

  const snapshots = program.command('snapshots').description('List, inspect, verify and prune snapshots.');
  registerSnapshotsList(snapshots);
  registerSnapshotsShow(snapshots);
  registerSnapshotsVerify(snapshots);
  registerSnapshotsPrune(snapshots);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      if (error.exitCode !== 0 && argv.includes('--json')) emitUsageError(error.message);
      return;
    }
    throw error;
  }
}

await main(process.argv);
