/**
 * Running the databricks-dr CLI as a user would, for end-to-end tests: a child
 * process (`node --import tsx shared/cli/main.ts`) with a clean environment, the
 * test Azurite and its own container.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

import { lockPath } from '../../shared/snapshot/names.js';
import { SnapshotStore } from '../../shared/snapshot/store.js';
import { type Spawned, spawnTs } from './spawn.js';
import { testConnectionString } from './storage.js';

export const CLI = 'shared/cli/main.ts';
/** A PAT-shaped token, so a leak would be obvious in the output. */
export const TOKEN = 'dapi0123456789abcdef0123456789ab';

let emptyConfigFile: string | undefined;
/** An empty Databricks config file, so ~/.databrickscfg is never consulted. */
export function emptyConfig(): string {
  if (emptyConfigFile === undefined) {
    emptyConfigFile = join(mkdtempSync(join(tmpdir(), 'dr-cli-')), 'databrickscfg');
    writeFileSync(emptyConfigFile, '');
  }
  return emptyConfigFile;
}

export function containerClient(name: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(testConnectionString()).getContainerClient(name);
}

export function storeOf(container: string): SnapshotStore {
  return new SnapshotStore(containerClient(container));
}

/**
 * The environment of one CLI run: profile "primary" on `host`, the test Azurite, an
 * empty Databricks config file, and whatever DR_ and DATABRICKS_ settings this process
 * inherited blanked out (the loader treats empty as unset).
 */
export function cliEnv(host: string, container: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('DR_') || k.startsWith('DATABRICKS_')) env[k] = '';
  return {
    ...env,
    DATABRICKS_CONFIG_FILE: emptyConfig(),
    DR_STORAGE_CONNECTION_STRING: testConnectionString(),
    DR_CONTAINER: container,
    DR_WORKSPACE_PRIMARY_HOST: host,
    DR_WORKSPACE_PRIMARY_TOKEN: TOKEN,
    ...extra,
  };
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start the CLI; `done` resolves once the process exited and its output is drained. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): { proc: Spawned; done: Promise<Run> } {
  const proc = spawnTs(CLI, args, env);
  // 'close', not 'exit': stdout may still hold data when 'exit' fires.
  const done = once(proc.child, 'close').then(() => ({
    code: proc.child.exitCode,
    signal: proc.child.signalCode,
    stdout: proc.stdout(),
    stderr: proc.stderr(),
  }));
  return { proc, done };
}

export function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return startCli(args, env).done;
}

/** stdout must be exactly one JSON object. */
export function onlyJson(run: Run): any {
  const text = run.stdout.trim();
  expect(text.startsWith('{') && text.endsWith('}')).toBe(true);
  return JSON.parse(text);
}

/** Wait until `done()` holds, checking every 2 ms. */
export async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** What a lease expiring looks like to the next run: the lease is broken at once. */
export async function expireLock(container: string, key: string): Promise<void> {
  await containerClient(container).getBlobClient(lockPath(key)).getBlobLeaseClient().breakLease(0);
}
