/**
 * What every command shares: the global flags, loading the configuration, and running
 * a command body so that every failure becomes a message and an exit code.
 */
import type { Command } from 'commander';

import { type Config, loadConfig } from '../config/config.js';
import { DrError } from '../errors/drError.js';
import type { Logger } from '../log/logger.js';
import { exitCodeFor } from './exitCodes.js';
import { cliLogger } from './output.js';
import { emitFailure } from './render.js';

/** The flags of the program itself, before the command name. */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  configFile?: string;
  container?: string;
  logLevel?: string;
}

/** What a command body gets: the global flags, the configuration and a logger. */
export interface CommandContext {
  globals: GlobalOptions;
  config: Config;
  logger: Logger;
}

function overridesFrom(g: GlobalOptions): Record<string, string> {
  const o: Record<string, string> = {};
  if (g.configFile) o['DATABRICKS_CONFIG_FILE'] = g.configFile;
  if (g.container) o['DR_CONTAINER'] = g.container;
  if (g.logLevel) o['DR_LOG_LEVEL'] = g.logLevel;
  return o;
}

/** The global flags, wherever `command` sits in the tree. */
export function globalsOf(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/**
 * Run a command body, turning every failure into a message and an exit code. The
 * configuration is loaded inside, so a configuration problem exits 2 like bad flags.
 */
export async function runCommand(command: Command, body: (ctx: CommandContext) => Promise<number>): Promise<void> {
  const globals = globalsOf(command);
  let code: number;
  try {
    const config = loadConfig(process.env, { overrides: overridesFrom(globals) });
    const logger = cliLogger(config.logLevel, globals.json === true, globals.quiet === true);
    code = await body({ globals, config, logger });
  } catch (error) {
    code = exitCodeFor(error);
    emitFailure(error, globals.json === true);
  }
  process.exitCode = code;
}

/** An abort signal that SIGINT or SIGTERM fires with an ABORTED error saying `message`; dispose when done. */
export function interruptible(message: string): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new DrError('ABORTED', message));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
