/**
 * End-to-end tests of the databricks-dr CLI: every command runs in a child process
 * (`node --import tsx shared/cli/main.ts`), against an emulated workspace and the
 * Azurite started by globalSetup, with a fresh container per test. They check what a
 * user sees (stdout, stderr, exit codes) and what ends up in the container.
 *
 * The tests are independent and run concurrently: a CLI process spends most of its
 * life starting up, so the file stays well under a minute.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

import { KIND_NAMES, newSnapshotId, objectPath, SNAPSHOT_ID, snapshotTime, workspaceKey } from '../../shared/snapshot/names.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { verifySnapshot } from '../../shared/snapshot/integrity.js';
import { generateSampleWorkspace, SAMPLE_SIZES, type SampleSize } from '../emulator/generator/sampleWorkspace.js';
import type { EmulatorOptions } from '../emulator/options.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { backupOnce } from '../support/backupHarness.js';
import { cli, cliEnv, containerClient, expireLock, onlyJson, startCli, storeOf, TOKEN, until } from '../support/cliHarness.js';
import { api, b64 } from '../support/http.js';
import { freePort } from '../support/spawn.js';
import { testConnectionString } from '../support/storage.js';

/**
 * Loaded with NODE_OPTIONS=--import into a CLI process, it makes the process believe
 * it runs two hours from now: prune then sees the objects as older than its one-hour
 * grace period, as a prune run an hour after the backups would.
 */
const TWO_HOURS_LATER =
  `
const Real = Date;
const offset = 2 * 3600 * 1000;
globalThis.Date = new Proxy(Real, {
  construct: (target, args, newTarget) => (args.length > 0 ? Reflect.construct(target, args, newTarget) : ` +
  `Reflect.construct(target, [Real.now() + offset], newTarget)),
  apply: () => new Real(Real.now() + offset).toString(),
  get: (target, prop, receiver) => (prop === 'now' ? () => Real.now() + offset : Reflect.get(target, prop, receiver)),
});
`;

/** The CLI's summary of a backup: snapshot id, workspace, artifacts read and reused, and the snapshot reused from. */
const BACKUP_SUMMARY =
  /^Snapshot (\S+) of (\S+) committed in .+\.\n {2}(\d+) artifacts: (\d+) read from the workspace, (\d+) reused unchanged from (\S+)\./;

let scratch: string;
let laterClock: string;
let tiny: EmulatorHandle;
const emulators: EmulatorHandle[] = [];
const containers: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'dr-cli-'));
  laterClock = join(scratch, 'two-hours-later.mjs');
  await writeFile(laterClock, TWO_HOURS_LATER);
  tiny = await emulator('tiny');
});

afterAll(async () => {
  await Promise.allSettled(emulators.map((e) => e.stop()));
  await Promise.allSettled(containers.map((c) => containerClient(c).deleteIfExists()));
  await rm(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

async function emulator(size: SampleSize, options: Omit<EmulatorOptions, 'fixture'> = {}): Promise<EmulatorHandle> {
  const e = await startEmulator({ fixture: generateSampleWorkspace({ seed: 5, ...SAMPLE_SIZES[size] }), seed: 5, ...options });
  emulators.push(e);
  return e;
}

function newContainer(tag: string): string {
  const name = `cli-${tag}-${randomBytes(5).toString('hex')}`;
  containers.push(name);
  return name;
}

/** Snapshot ids committed in a container (none when it does not exist). */
async function snapshotIds(container: string): Promise<string[]> {
  return (await storeOf(container).listSnapshots()).map((s) => s.snapshotId);
}

function notebookCount(e: EmulatorHandle): number {
  return [...e.workspace.tree.walk()].filter((n) => n.objectType === 'NOTEBOOK').length;
}

function hashesOf(manifests: Manifest[]): Set<string> {
  return new Set(manifests.flatMap((m) => m.artifacts.map((a) => a.hash).filter((h): h is string => h !== undefined)));
}

async function objectCount(container: string): Promise<number> {
  let n = 0;
  for await (const _ of storeOf(container).listObjects()) n += 1;
  return n;
}

/** Resolve once the wall clock is in a later UTC second than `after`. */
async function nextSecond(after: Date): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Math.floor(after.getTime() / 1000)) await sleep(50);
}

const exportsOf = (e: EmulatorHandle): number => e.stats.count('GET', '/api/2.0/workspace/export');

// ---------------------------------------------------------------- tests

describe('databricks-dr CLI', () => {
  test.concurrent.each([5, 20, 40])(
    'kill -9 after %i notebook exports: no snapshot is committed; the next run completes and verifies',
    async (killAfter) => {
      const emu = await emulator('small', { latency: { fixedMs: 20, jitterMs: 10 } });
      const container = newContainer(`kill${killAfter}`);
      const env = cliEnv(emu.url, container);
      const key = workspaceKey(emu.url);

      const { proc, done } = startCli(['backup', '--source', 'primary', '--json'], env);
      await until(() => exportsOf(emu) >= killAfter || proc.child.exitCode !== null, 30_000);
      expect(proc.child.exitCode).toBeNull(); // still running: it is killed midway
      proc.child.kill('SIGKILL');
      const killed = await done;
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.stdout).toBe('');
      const exportsAtKill = exportsOf(emu);
      expect(await snapshotIds(container)).toEqual([]);

      if (killAfter === 20) {
        // The killed run still holds the workspace lease (60 s): a run right away is refused, and says why.
        const locked = await cli(['backup', '--source', 'primary'], env);
        expect(locked.code).toBe(3);
        expect(locked.stderr).toContain(`Another backup or failover of ${key} is running`);
        expect(locked.stderr).toMatch(/wait 30 s if it crashed/);
        expect(await snapshotIds(container)).toEqual([]);
      }
      await expireLock(container, key);

      const rerun = await cli(['backup', '--source', 'primary', '--json'], env);
      expect(rerun.stderr).not.toMatch(/databricks-dr:/);
      expect(rerun.code).toBe(0);
      const result = onlyJson(rerun);
      expect(result.ok).toBe(true);
      expect(result.counts.notebooks).toBe(notebookCount(emu));
      // The killed run was stopped midway: a whole run exports more than it had.
      expect(exportsOf(emu) - exportsAtKill).toBeGreaterThan(exportsAtKill);
      expect(await snapshotIds(container)).toEqual([result.snapshotId]);

      if (killAfter === 20) {
        const verify = await cli(['snapshots', 'verify', result.snapshotId], env);
        expect(verify.code).toBe(0);
        expect(verify.stdout).toContain(`Snapshot ${result.snapshotId}: all`);
      } else {
        // The same check in-process, to keep the file fast.
        expect((await verifySnapshot(storeOf(container), await storeOf(container).readManifest(key, result.snapshotId))).ok).toBe(true);
      }
    },
    60_000,
  );

  test.concurrent(
    'snapshots prune --keep 1 --keep-days 0 after three backups deletes two snapshots; --dry-run deletes nothing',
    async () => {
      const emu = await emulator('tiny');
      const container = newContainer('prune');
      const env = cliEnv(emu.url, container);
      const key = workspaceKey(emu.url);
      const target = [...emu.workspace.tree.walk()].find((n) => n.objectType === 'NOTEBOOK' && n.notebook?.language === 'PYTHON');
      expect(target).toBeDefined();
      const w = api(emu.url);

      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) {
          const source = `# Databricks notebook source\nprint("version ${i}")\n`;
          expect(
            (await w.post('/api/2.0/workspace/import', { path: target?.path, content: b64(source), language: 'PYTHON', overwrite: true }))
              .status,
          ).toBe(200);
        }
        // In-process backups (the prune command is under test), each committed in a later
        // second than the one before: ids order snapshots by second only (see the BUG test below).
        if (i > 0) await nextSecond(snapshotTime(ids[i - 1] as string));
        ids.push((await backupOnce(emu.url, storeOf(container))).snapshotId);
      }
      expect(await snapshotIds(container)).toEqual(ids);
      const manifests = await Promise.all(ids.map((id) => storeOf(container).readManifest(key, id)));
      // Each backup stored a new version of the notebook.
      expect(new Set(manifests.map((m) => m.artifacts.find((a) => a.key === target?.path)?.hash)).size).toBe(3);
      const objectsBefore = await objectCount(container);
      const live = hashesOf([manifests[2] as Manifest]);
      const garbage = [...hashesOf(manifests)].filter((h) => !live.has(h));
      expect(garbage.length).toBeGreaterThanOrEqual(2);

      const dry = await cli(['snapshots', 'prune', '--keep', '1', '--keep-days', '0', '--dry-run'], env);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^Would delete 2 snapshots \(kept 1\)/);
      expect(dry.stdout).toContain(ids[0]);
      expect(dry.stdout).toContain(ids[1]);
      expect(await snapshotIds(container)).toEqual(ids);
      expect(await objectCount(container)).toBe(objectsBefore);

      const pruned = await cli(['snapshots', 'prune', '--keep', '1', '--keep-days', '0', '--json'], env);
      expect(pruned.code).toBe(0);
      const report = onlyJson(pruned);
      expect(report).toMatchObject({ ok: true, dryRun: false, snapshotsKept: 1 });
      expect(report.snapshotsDeleted).toHaveLength(2);
      expect(report.snapshotsDeleted).toEqual(
        expect.arrayContaining([
          { workspaceKey: key, snapshotId: ids[0] },
          { workspaceKey: key, snapshotId: ids[1] },
        ]),
      );
      // Objects younger than the one-hour grace period are never collected.
      expect(report.objectsDeleted).toBe(0);
      expect(report.objectsKept).toBe(objectsBefore);
      expect(await snapshotIds(container)).toEqual([ids[2]]);

      // An hour later, the objects only the deleted snapshots used are collected.
      const later = await cli(['snapshots', 'prune', '--keep', '1', '--keep-days', '0'], {
        ...env,
        NODE_OPTIONS: `--import ${pathToFileURL(laterClock).href}`,
      });
      expect(later.code).toBe(0);
      expect(later.stdout).toContain(`Deleted 0 snapshots (kept 1) and ${garbage.length} objects (kept ${live.size}).`);
      expect(await objectCount(container)).toBe(live.size);

      expect((await verifySnapshot(storeOf(container), manifests[2] as Manifest)).ok).toBe(true);
    },
    60_000,
  );

  test.concurrent(
    '--time-budget 1 on a slow workspace exits 4 with its progress checkpointed; the next run completes',
    async () => {
      const emu = await emulator('tiny', { latency: { fixedMs: 150, jitterMs: 20 } });
      const container = newContainer('budget');
      const env = cliEnv(emu.url, container);
      const key = workspaceKey(emu.url);

      const stopped = await cli(['backup', '--source', 'primary', '--time-budget', '1'], env);
      expect(stopped.code).toBe(4);
      expect(stopped.stdout).toBe('');
      expect(stopped.stderr).toMatch(/time budget/);
      expect(stopped.stderr).toMatch(/progress is checkpointed/);
      expect(await snapshotIds(container)).toEqual([]);
      const checkpoint = await storeOf(container).readCheckpoint(key);
      expect(checkpoint).toBeDefined();

      const rerun = await cli(['backup', '--source', 'primary', '--json'], env);
      expect(rerun.code).toBe(0);
      const result = onlyJson(rerun);
      expect(rerun.stderr).toContain(`"resumedFrom":"${checkpoint?.runId}"`);
      expect(result.counts.notebooks).toBe(notebookCount(emu));
      expect(await snapshotIds(container)).toEqual([result.snapshotId]);
      expect(await storeOf(container).readCheckpoint(key)).toBeUndefined();
    },
    60_000,
  );

  test.concurrent(
    'backup --json, a human backup, snapshots list / show / show latest / verify',
    async () => {
      const container = newContainer('happy');
      const env = cliEnv(tiny.url, container);
      const key = workspaceKey(tiny.url);

      const first = await cli(['backup', '--source', 'primary', '--json'], env);
      expect(first.code).toBe(0);
      const r1 = onlyJson(first);
      expect(r1.ok).toBe(true);
      expect(r1.snapshotId).toMatch(SNAPSHOT_ID);
      expect(r1.workspace).toBe(key);
      expect(Object.keys(r1.counts).sort()).toEqual([...KIND_NAMES].sort());
      for (const kind of KIND_NAMES) expect(typeof r1.counts[kind]).toBe('number');
      expect(r1.counts.notebooks).toBe(notebookCount(tiny));
      expect(r1.counts.jobs).toBe(tiny.workspace.jobs.records.size);
      expect(r1.counts.users).toBe(tiny.workspace.principals.users.size);
      // Logs go to stderr, never to stdout.
      expect(first.stderr).toContain('backup committed');

      const second = await cli(['backup', '--source', 'primary'], env);
      expect(second.code).toBe(0);
      const summary = BACKUP_SUMMARY.exec(second.stdout);
      expect(summary).not.toBeNull();
      const id2 = summary?.[1] as string;
      expect(id2).toMatch(SNAPSHOT_ID);
      expect(summary?.[2]).toBe(key);
      expect(summary?.[6]).toBe(r1.snapshotId);
      expect(second.stdout).toMatch(/notebooks \d+/);
      expect(second.stdout).toMatch(/things not captured/);
      expect(await snapshotIds(container)).toEqual([r1.snapshotId, id2]);

      const [list, listJson, show, latest, verify] = await Promise.all([
        cli(['snapshots', 'list'], env),
        cli(['snapshots', 'list', '--json'], env),
        cli(['snapshots', 'show', r1.snapshotId], env),
        cli(['snapshots', 'show', 'latest', '--source', 'primary', '--json'], env),
        cli(['snapshots', 'verify', id2], env),
      ]);

      expect(list.code).toBe(0);
      const rows = list.stdout.trim().split('\n');
      expect(rows[0]).toMatch(/^SNAPSHOT\s+WORKSPACE\s+CREATED \(UTC\)\s+MANIFEST$/);
      expect(rows).toHaveLength(3);
      expect(rows[1]).toContain(r1.snapshotId);
      expect(rows[2]).toContain(id2);
      expect(rows[2]).toContain(key);

      expect(listJson.code).toBe(0);
      const listed = onlyJson(listJson);
      expect(listed.ok).toBe(true);
      expect(listed.container).toBe(container);
      expect(listed.snapshots.map((s: { snapshotId: string }) => s.snapshotId)).toEqual([r1.snapshotId, id2]);
      expect(listed.snapshots[0]).toMatchObject({
        workspaceKey: key,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sizeBytes: expect.any(Number),
      });

      expect(show.code).toBe(0);
      expect(show.stdout).toContain(`Snapshot ${r1.snapshotId} of ${key} (${tiny.url}, profile primary)`);
      expect(show.stdout).toMatch(/\n {4}notebooks\s+\d+\n/);
      expect(show.stdout).toMatch(/\d+ not captured:/);

      expect(latest.code).toBe(0);
      const m = onlyJson(latest);
      expect(m).toMatchObject({ ok: true, snapshotId: id2, parentSnapshotId: r1.snapshotId, runNumber: 2 });
      expect(m.counts).toEqual(r1.counts);
      expect(m.uncaptured).toEqual(r1.uncaptured);
      expect(m.uncaptured.map((u: { key: string }) => u.key)).toContain('/Shared/libraries/legacy-utils-1.0');
      expect(m.artifactCount).toBeGreaterThan(0);
      expect(m.artifacts).toBeUndefined();

      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(new RegExp(`^Snapshot ${id2}: all \\d+ objects \\(.+\\) are intact\\.`));
    },
    60_000,
  );

  test.concurrent(
    'a corrupted object: snapshots verify exits 5 and names the artifact',
    async () => {
      const container = newContainer('corrupt');
      const env = cliEnv(tiny.url, container);
      const key = workspaceKey(tiny.url);
      const { snapshotId: id, manifest } = await backupOnce(tiny.url, storeOf(container));
      expect(manifest.workspace.key).toBe(key);
      const uses = new Map<string, number>();
      for (const a of manifest.artifacts) if (a.hash) uses.set(a.hash, (uses.get(a.hash) ?? 0) + 1);
      const victim = manifest.artifacts.find((a) => a.kind === 'notebooks' && a.hash !== undefined && uses.get(a.hash) === 1);
      expect(victim).toBeDefined();
      const hash = victim?.hash as string;
      // Valid gzip, other content.
      await containerClient(container)
        .getBlockBlobClient(objectPath(hash))
        .uploadData(gzipSync(Buffer.from('# Databricks notebook source\nprint("tampered")\n')), {
          blobHTTPHeaders: { blobContentEncoding: 'gzip' },
        });

      const human = await cli(['snapshots', 'verify', id], env);
      expect(human.code).toBe(5);
      expect(human.stdout).toMatch(new RegExp(`^Snapshot ${id}: 1 of \\d+ objects failed the check:\n`));
      expect(human.stdout).toContain(`  - notebooks ${victim?.key}: Object ${hash} is corrupt: its content hashes to `);
      expect(human.stdout.trim().split('\n')).toHaveLength(2); // only the damaged object is reported
    },
    60_000,
  );

  // ---- bad input: a clear message on stderr, the right exit code, nothing committed

  test.concurrent(
    'bad input: an unreachable workspace exits 1 naming the host',
    async () => {
      const container = newContainer('unreach');
      const host = `http://127.0.0.1:${await freePort()}`;
      const run = await cli(['backup', '--source', 'primary'], cliEnv(host, container));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`databricks-dr: Cannot reach the Databricks workspace at ${host}`);
      expect(run.stderr).toMatch(/Check the host in the profile/);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace for a known failure
      expect(await snapshotIds(container)).toEqual([]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: an invalid token exits 1, says the token is invalid and never shows it',
    async () => {
      const emu = await emulator('tiny', { token: 'dapi-good' });
      const container = newContainer('token');
      const run = await cli(['--log-level', 'debug', 'backup', '--source', 'primary', '--json'], cliEnv(emu.url, container));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/databricks-dr: .*Invalid access token/);
      const result = onlyJson(run);
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe('DATABRICKS_API');
      expect(result.error.message).toMatch(/Invalid access token/);
      for (const out of [run.stdout, run.stderr]) {
        expect(out).not.toContain(TOKEN);
        expect(out).not.toContain(TOKEN.slice(4));
      }
      expect(await snapshotIds(container)).toEqual([]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: unreachable storage exits 1 with a storage error',
    async () => {
      const container = newContainer('storage');
      const closed = testConnectionString().replace(/BlobEndpoint=http:\/\/[^/;]+/, `BlobEndpoint=http://127.0.0.1:${await freePort()}`);
      expect(closed).not.toBe(testConnectionString());
      const run = await cli(
        ['backup', '--source', 'primary', '--json'],
        cliEnv(tiny.url, container, { DR_STORAGE_CONNECTION_STRING: closed }),
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/databricks-dr: Blob storage failed to open container "cli-storage-[0-9a-f]+"/);
      expect(run.stderr).toMatch(/storage endpoint did not answer/);
      expect(run.stderr).not.toMatch(/AccountKey=(?!\*\*\*)/); // the key is never shown
      expect(onlyJson(run).error.code).toBe('STORAGE_UNAVAILABLE');
      expect(await snapshotIds(container)).toEqual([]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: several invalid settings exit 2 and every problem is listed with its fix',
    async () => {
      const container = newContainer('config');
      const missing = join(scratch, 'no-such-databrickscfg');
      const run = await cli(
        ['backup', '--source', 'primary', '--json'],
        cliEnv(tiny.url, container, {
          DR_CONTAINER: 'Bad_Name',
          DR_BACKUP_SCHEDULE: '*/5 * * * *',
          DR_RETENTION_COUNT: 'abc',
          DATABRICKS_CONFIG_FILE: missing,
        }),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('databricks-dr: The configuration has 4 problems:');
      expect(run.stderr).toMatch(/DR_CONTAINER: "Bad_Name" is not a valid blob container name\.\n\s+Fix: /);
      expect(run.stderr).toMatch(/DR_BACKUP_SCHEDULE: "\*\/5 \* \* \* \*" is not an NCRONTAB expression.*\n\s+Fix: Use six fields/);
      expect(run.stderr).toMatch(/DR_RETENTION_COUNT: "abc" is not a whole number.*\n\s+Fix: /);
      expect(run.stderr).toContain(`DATABRICKS_CONFIG_FILE: ${missing} does not exist.`);
      const result = onlyJson(run);
      expect(result.error.code).toBe('CONFIG_INVALID');
      expect(result.error.problems.map((p: { setting: string }) => p.setting).sort()).toEqual([
        'DATABRICKS_CONFIG_FILE',
        'DR_BACKUP_SCHEDULE',
        'DR_CONTAINER',
        'DR_RETENTION_COUNT',
      ]);
      for (const p of result.error.problems) expect(p.fix).toMatch(/\w/);
      expect(await snapshotIds(container)).toEqual([]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: an unknown profile exits 2 and lists the configured profiles',
    async () => {
      const container = newContainer('profile');
      const run = await cli(
        ['backup', '--source', 'secondary'],
        cliEnv(tiny.url, container, { DR_WORKSPACE_STAGING_HOST: tiny.url, DR_WORKSPACE_STAGING_TOKEN: TOKEN }),
      );
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/profile "secondary": it does not exist; configured profiles: (primary, staging|staging, primary)\./);
      expect(run.stderr).toMatch(/Fix: Add a \[secondary\] section .* or set DR_WORKSPACE_SECONDARY_HOST/);
      expect(await snapshotIds(container)).toEqual([]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: an unknown snapshot id exits 1 with a hint to run snapshots list',
    async () => {
      const container = newContainer('unknownid');
      const env = cliEnv(tiny.url, container);
      const { snapshotId } = await backupOnce(tiny.url, storeOf(container));
      const unknown = '20200101T000000Z-0000';
      const run = await cli(['snapshots', 'show', unknown], env);
      expect(run.code).toBe(1); // SNAPSHOT_NOT_FOUND
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`databricks-dr: Snapshot ${unknown} does not exist in container "${container}".`);
      expect(run.stderr).toContain('Run "databricks-dr snapshots list"');
      expect(await snapshotIds(container)).toEqual([snapshotId]);
    },
    60_000,
  );

  test.concurrent(
    'bad input: a --time-budget that is not a positive number exits 2',
    async () => {
      const container = newContainer('badbudget');
      const env = cliEnv(tiny.url, container);
      const run = await cli(['backup', '--source', 'primary', '--time-budget', 'ten'], env);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('databricks-dr: --time-budget must be a number of seconds between 1 and 2592000 (30 days), got "ten".');
      expect(await snapshotIds(container)).toEqual([]);
      // Nothing was written at all: the container was not even created.
      expect(await containerClient(container).exists()).toBe(false);
    },
    60_000,
  );

  // ---- regressions of bugs these tests found

  test.concurrent(
    'a --time-budget above 2^31-1 ms (about 24.8 days) does not stop the backup at once',
    async () => {
      // setTimeout clamps delays above 2^31-1 ms to 1 ms; the backup must not stop then.
      const container = newContainer('bigbudget');
      const run = await cli(['backup', '--source', 'primary', '--time-budget', '2500000'], cliEnv(tiny.url, container));
      expect(run.code).toBe(0);
    },
    60_000,
  );

  test.concurrent(
    'snapshots verify names every artifact that shares a corrupt object',
    async () => {
      const emu = await emulator('tiny');
      const container = newContainer('shared');
      const source = '# Databricks notebook source\nprint("the same notebook, twice")\n';
      const w = api(emu.url);
      for (const path of ['/Shared/copy-a', '/Shared/copy-b']) {
        expect(
          (await w.post('/api/2.0/workspace/import', { path, content: b64(source), language: 'PYTHON', overwrite: true })).status,
        ).toBe(200);
      }
      const { snapshotId, manifest } = await backupOnce(emu.url, storeOf(container));
      const hash = manifest.artifacts.find((a) => a.key === '/Shared/copy-a')?.hash as string;
      expect(manifest.artifacts.find((a) => a.key === '/Shared/copy-b')?.hash).toBe(hash);
      await containerClient(container)
        .getBlockBlobClient(objectPath(hash))
        .uploadData(gzipSync(Buffer.from('tampered')));
      const run = await cli(['snapshots', 'verify', snapshotId, '--json'], cliEnv(emu.url, container));
      expect(run.code).toBe(5);
      expect(
        onlyJson(run)
          .problems.map((p: { key: string }) => p.key)
          .sort(),
      ).toEqual(['/Shared/copy-a', '/Shared/copy-b']);
    },
    60_000,
  );

  test.concurrent(
    'back-to-back snapshots are ordered by time, so "latest" is always the newest',
    async () => {
      // Ids carry milliseconds and are always later than their parent's, so two runs
      // within one second (or one millisecond) never swap places.
      const container = newContainer('samesec');
      const store = storeOf(container);
      const first = await backupOnce(tiny.url, store);
      const second = await backupOnce(tiny.url, store);
      expect(second.parentSnapshotId).toBe(first.snapshotId);
      expect(second.snapshotId > first.snapshotId).toBe(true);
      expect(newSnapshotId(snapshotTime(first.snapshotId), second.snapshotId) > second.snapshotId).toBe(true);
      const run = await cli(['snapshots', 'show', 'latest', '--source', 'primary', '--json'], cliEnv(tiny.url, container));
      expect(run.code).toBe(0);
      expect(onlyJson(run).snapshotId).toBe(second.snapshotId);
    },
    60_000,
  );
});
