#!/usr/bin/env node
/**
 * databricks-dr: back up an Azure Databricks workspace into Blob Storage and manage
 * its snapshots. A thin adapter: it parses flags, loads the configuration, calls the
 * core and renders the result (human text, progress bars on a terminal, or --json).
 */
import { Command, CommanderError, Option } from 'commander';
import { MultiBar, Presets } from 'cli-progress';

import { type BackupProgress, runBackup } from '../backup/backup.js';
import { type Config, loadConfig, requireProfile } from '../config/config.js';
import { ConfigError, DrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import type { Logger } from '../log/logger.js';
import { KIND_NAMES, type KindName, SNAPSHOT_ID, workspaceKey } from '../snapshot/names.js';
import { prune } from '../snapshot/retention.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Manifest } from '../snapshot/types.js';
import { verifySnapshot } from '../snapshot/verify.js';
import type { Services } from '../runs/services.js';
import { buildServices } from '../app/services.js';
import { runCutover } from '../failover/cutover.js';
import { type FailoverProgress, runFailover } from '../failover/failover.js';
import { summarizeCutover, summarizeFailover, summarizeVerify } from '../failover/summary.js';
import { recordVerifyRun, verifyTarget } from '../failover/verify.js';
import { cliLogger, EXIT, formatBytes, formatDuration, printJson } from './output.js';

interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  configFile?: string;
  container?: string;
  logLevel?: string;
}

function overridesFrom(g: GlobalOptions): Record<string, string> {
  const o: Record<string, string> = {};
  if (g.configFile) o['DATABRICKS_CONFIG_FILE'] = g.configFile;
  if (g.container) o['DR_CONTAINER'] = g.container;
  if (g.logLevel) o['DR_LOG_LEVEL'] = g.logLevel;
  return o;
}

function setup(g: GlobalOptions): { config: Config; logger: Logger } {
  const config = loadConfig(process.env, { overrides: overridesFrom(g) });
  return { config, logger: cliLogger(config.logLevel, g.json === true, g.quiet === true) };
}

/** Run a command body, turning every failure into a message and an exit code. */
async function run(g: GlobalOptions, body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = exitCodeFor(error);
    const message = redact(error instanceof Error ? error.message : String(error));
    if (g.json)
      printJson({
        ok: false,
        error: {
          code: error instanceof DrError ? error.code : 'UNEXPECTED',
          message,
          ...(error instanceof ConfigError
            ? { problems: error.problems.map((p) => ({ setting: p.setting, problem: redact(p.problem), fix: p.fix })) }
            : {}),
        },
      });
    process.stderr.write(`databricks-dr: ${message}\n`);
    if (!(error instanceof DrError)) process.stderr.write(`${redact((error as Error).stack ?? '')}\n`);
  }
  process.exitCode = code;
}

function exitCodeFor(error: unknown): number {
  if (!(error instanceof DrError)) return EXIT.FAILED;
  switch (error.code) {
    case 'CONFIG_INVALID':
    case 'USAGE':
      return EXIT.USAGE;
    case 'LOCKED':
      return EXIT.LOCKED;
    case 'ABORTED':
      return EXIT.PARTIAL;
    case 'SNAPSHOT_CORRUPT':
      return EXIT.CORRUPT;
    default:
      return EXIT.FAILED;
  }
}

/** Find which workspace a snapshot id belongs to, unless --source says. */
async function locate(store: SnapshotStore, config: Config, id: string, source?: string): Promise<{ key: string; manifest: Manifest }> {
  if (source !== undefined) {
    const key = workspaceKey(requireProfile(config, source).host);
    if (id === 'latest') {
      const m = await store.latestManifest(key);
      if (!m)
        throw new DrError(
          'SNAPSHOT_NOT_FOUND',
          `Profile "${source}" (${key}) has no snapshots yet. Run "databricks-dr backup --source ${source}".`,
        );
      return { key, manifest: m };
    }
    return { key, manifest: await store.readManifest(key, id) };
  }
  if (id !== 'latest' && !SNAPSHOT_ID.test(id)) {
    throw new DrError(
      'USAGE',
      `"${id}" is not a snapshot id; ids look like 20261126T170512.123Z-3f9a (see "databricks-dr snapshots list").`,
    );
  }
  const all = await store.listSnapshots();
  if (all.length === 0)
    throw new DrError(
      'SNAPSHOT_NOT_FOUND',
      `There are no snapshots in container "${store.containerName}" yet. Run "databricks-dr backup --source <profile>" first.`,
    );
  if (id === 'latest') {
    const keys = [...new Set(all.map((s) => s.workspaceKey))];
    if (keys.length !== 1)
      throw new DrError(
        'USAGE',
        `"latest" needs --source <profile> when the container holds ${keys.length === 0 ? 'no' : 'several'} workspaces.`,
      );
    const last = all.filter((s) => s.workspaceKey === keys[0]).pop();
    if (!last) throw new DrError('SNAPSHOT_NOT_FOUND', 'There are no snapshots yet.');
    return { key: last.workspaceKey, manifest: await store.readManifest(last.workspaceKey, last.snapshotId) };
  }
  const match = all.filter((s) => s.snapshotId === id);
  if (match.length === 0) {
    throw new DrError(
      'SNAPSHOT_NOT_FOUND',
      `Snapshot ${id} does not exist in container "${store.containerName}". Run "databricks-dr snapshots list" to see the snapshots.`,
    );
  }
  const found = match[0] as { workspaceKey: string };
  return { key: found.workspaceKey, manifest: await store.readManifest(found.workspaceKey, id) };
}

function progressBar(enabled: boolean): { onProgress: (e: BackupProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  const multi = new MultiBar(
    {
      format: ' {kind} |{bar}| {value} artifacts  exported {exported}  reused {reused}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  const bar = multi.create(1, 0, { kind: 'starting'.padEnd(17), exported: 0, reused: 0 });
  let value = 0;
  let exported = 0;
  let reused = 0;
  let kind = 'starting';
  return {
    onProgress: (e) => {
      if (e.type === 'kind' && e.state === 'started') kind = e.kind;
      if (e.type === 'artifact') {
        value += 1;
        if (e.action === 'exported') exported += 1;
        if (e.action === 'reused') reused += 1;
        kind = e.kind;
      }
      if (e.type === 'commit') kind = 'committing';
      bar.setTotal(Math.max(value + 1, bar.getTotal()));
      bar.update(value, { kind: kind.padEnd(17), exported, reused });
    },
    stop: () => multi.stop(),
  };
}

function failoverBar(enabled: boolean, label: string): { onProgress: (e: FailoverProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  const multi = new MultiBar(
    { format: ` {kind} |{bar}| {value}/{total} ${label}  {detail}`, hideCursor: true, clearOnComplete: false, stream: process.stderr },
    Presets.shades_classic,
  );
  const bars = new Map<string, ReturnType<MultiBar['create']>>();
  const counts = new Map<string, Record<string, number>>();
  return {
    onProgress: (e) => {
      if (e.type === 'phase') {
        bars.set(e.kind, multi.create(Math.max(1, e.total), 0, { kind: e.kind.padEnd(17), detail: '' }));
        counts.set(e.kind, {});
        return;
      }
      const c = counts.get(e.kind) ?? {};
      c[e.action] = (c[e.action] ?? 0) + 1;
      counts.set(e.kind, c);
      bars.get(e.kind)?.increment(1, {
        detail: Object.entries(c)
          .map(([k, n]) => `${k} ${n}`)
          .join(' '),
      });
    },
    stop: () => multi.stop(),
  };
}

/** The source workspace and snapshot a failover or verify works from. */
async function snapshotFor(services: Services, sourceProfile: string, id: string): Promise<Manifest> {
  const { manifest } = await locate(services.store, services.config, id, sourceProfile);
  return manifest;
}

function kindsOption(value: string | undefined): KindName[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const bad = list.filter((k) => !(KIND_NAMES as readonly string[]).includes(k));
  if (bad.length > 0) throw new DrError('USAGE', `Unknown kind(s) ${bad.join(', ')} in --kinds. Kinds: ${KIND_NAMES.join(', ')}.`);
  return list as KindName[];
}

function interruptible(message: string): { signal: AbortSignal; dispose: () => void } {
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

  program
    .command('backup')
    .description('Take an incremental snapshot of a workspace.')
    .requiredOption('-s, --source <profile>', 'profile of the workspace to back up')
    .option('--time-budget <seconds>', 'stop after this long, checkpoint, and exit 4 (the next run continues)')
    .action(async (opts: { source: string; timeBudget?: string }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const profile = requireProfile(config, opts.source);
        const services = buildServices(config, logger);
        const budget = opts.timeBudget === undefined ? undefined : Number(opts.timeBudget);
        if (budget !== undefined && !(budget > 0 && budget <= 30 * 86_400)) {
          throw new DrError(
            'USAGE',
            `--time-budget must be a number of seconds between 1 and 2592000 (30 days), got "${opts.timeBudget}".`,
          );
        }
        const bar = progressBar(process.stderr.isTTY === true && !g.json && !g.quiet);
        const client = services.client(opts.source);
        const controller = new AbortController();
        const onSignal = (): void =>
          controller.abort(new DrError('ABORTED', 'Interrupted; the progress is checkpointed and the next backup continues from there.'));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const result = await runBackup({
            profile,
            client,
            store: services.store,
            settings: config.backup,
            logger,
            signal: controller.signal,
            ...(budget === undefined ? {} : { deadline: Date.now() + budget * 1000 }),
            onProgress: bar.onProgress,
          });
          bar.stop();
          const s = result.manifest.stats;
          if (g.json) {
            printJson({
              ok: true,
              snapshotId: result.snapshotId,
              workspace: result.workspaceKey,
              parentSnapshotId: result.parentSnapshotId,
              counts: result.counts,
              uncaptured: result.uncaptured,
              stats: s,
            });
          } else {
            const total = result.manifest.artifacts.length;
            process.stdout.write(
              [
                `Snapshot ${result.snapshotId} of ${result.workspaceKey} committed in ${formatDuration(s.durationMs)}.`,
                `  ${total} artifacts: ${s.exported} read from the workspace, ${s.reused} reused unchanged from ${result.parentSnapshotId ?? 'the checkpoint of an unfinished run'}.`,
                `  ${s.uploadedObjects} new objects stored (${formatBytes(s.uploadedBytes)}); ${s.requests} API requests, ${s.retries} retries, ${s.throttled} throttled.`,
                `  ${Object.entries(result.counts)
                  .filter(([, n]) => n !== 0)
                  .map(([k, n]) => `${k} ${n}`)
                  .join(', ')}`,
                ...(result.uncaptured.length > 0
                  ? [
                      `  ${result.uncaptured.length} things not captured (see "databricks-dr snapshots show ${result.snapshotId}"):`,
                      ...result.uncaptured.slice(0, 10).map((u) => `    - ${u.kind} ${u.key}: ${u.reason}`),
                      ...(result.uncaptured.length > 10 ? [`    … and ${result.uncaptured.length - 10} more`] : []),
                    ]
                  : []),
              ].join('\n') + '\n',
            );
          }
          return EXIT.OK;
        } finally {
          bar.stop();
          client.close();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });

  program
    .command('failover')
    .description('Replay a snapshot into the DR workspace: idempotent, resumable, ids remapped, job schedules paused.')
    .option('-t, --target <profile>', 'profile of the workspace to restore into (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile whose snapshots to replay (default DR_FAILOVER_SOURCE or primary)')
    .option('--snapshot <id>', 'snapshot id, or "latest"', 'latest')
    .option('--dry-run', 'print the plan (create, update, unchanged or skip for each object) and write nothing')
    .option('--kinds <list>', 'only these kinds, comma-separated (their order is kept)')
    .addOption(
      new Option('--conflict-policy <policy>', 'an object that differs in the target: update it, or report it and leave it').choices([
        'update',
        'report',
      ]),
    )
    .option('--time-budget <seconds>', 'stop after this long, save progress and exit 4 (running it again continues)')
    .option('--all', 'list every object in the summary, not only those that need a look')
    .action(
      async (opts: {
        target?: string;
        source?: string;
        snapshot: string;
        dryRun?: boolean;
        kinds?: string;
        conflictPolicy?: 'update' | 'report';
        timeBudget?: string;
        all?: boolean;
      }) => {
        const g = program.opts<GlobalOptions>();
        await run(g, async () => {
          const { config, logger } = setup(g);
          const services = buildServices(config, logger);
          const targetName = opts.target ?? config.failover.target;
          const sourceName = opts.source ?? config.failover.source;
          const target = requireProfile(config, targetName);
          if (sourceName === targetName)
            throw new DrError(
              'USAGE',
              `The source and the target are the same profile ("${sourceName}"). Name the DR workspace with --target.`,
            );
          const kinds = kindsOption(opts.kinds);
          const budget = opts.timeBudget === undefined ? undefined : Number(opts.timeBudget);
          if (budget !== undefined && !(budget > 0 && budget <= 30 * 86_400))
            throw new DrError('USAGE', `--time-budget must be a number of seconds between 1 and 2592000, got "${opts.timeBudget}".`);
          const manifest = await snapshotFor(services, sourceName, opts.snapshot);
          const bar = failoverBar(process.stderr.isTTY === true && !g.json && !g.quiet, opts.dryRun ? 'planned' : 'restored');
          const client = services.client(targetName);
          const stop = interruptible('Interrupted; the progress is saved and running the failover again continues from there.');
          try {
            const report = await runFailover({
              manifest,
              store: services.store,
              target,
              client,
              dryRun: opts.dryRun === true,
              conflictPolicy: opts.conflictPolicy ?? config.failover.conflictPolicy,
              mappings: config.failover.mappings,
              logger,
              signal: stop.signal,
              onProgress: bar.onProgress,
              ...(kinds ? { kinds } : {}),
              ...(budget === undefined ? {} : { deadline: Date.now() + budget * 1000 }),
            });
            bar.stop();
            if (g.json) printJson({ ok: report.status === 'succeeded', ...report });
            else process.stdout.write(summarizeFailover(report, { all: opts.all === true }).join('\n') + '\n');
            return report.status === 'succeeded' ? EXIT.OK : report.status === 'partial' ? EXIT.PARTIAL : EXIT.FAILED;
          } finally {
            bar.stop();
            client.close();
            stop.dispose();
          }
        });
      },
    );

  program
    .command('verify')
    .description('Compare the DR workspace with a snapshot (ids remapped, server-set fields left out); exit 6 on drift. The DR drill.')
    .option('-t, --target <profile>', 'profile of the workspace to check (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile whose snapshot to compare with (default DR_FAILOVER_SOURCE or primary)')
    .option('--snapshot <id>', 'snapshot id, or "latest"', 'latest')
    .option('--kinds <list>', 'only these kinds, comma-separated')
    .action(async (opts: { target?: string; source?: string; snapshot: string; kinds?: string }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const services = buildServices(config, logger);
        const targetName = opts.target ?? config.failover.target;
        const target = requireProfile(config, targetName);
        const kinds = kindsOption(opts.kinds);
        const manifest = await snapshotFor(services, opts.source ?? config.failover.source, opts.snapshot);
        const bar = failoverBar(process.stderr.isTTY === true && !g.json && !g.quiet, 'compared');
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
          await recordVerifyRun(services.store, report, {
            source: opts.source ?? config.failover.source,
            target: targetName,
            startedAt,
          }).catch((error: unknown) => logger.warn('could not record the verify run', { error: (error as Error).message }));
          if (g.json) printJson(report);
          else process.stdout.write(summarizeVerify(report).join('\n') + '\n');
          return report.ok ? EXIT.OK : EXIT.DRIFT;
        } finally {
          bar.stop();
          client.close();
          stop.dispose();
        }
      });
    });

  program
    .command('cutover')
    .description('Make the DR workspace the primary: restore job schedules there and pause them in the old primary if it answers.')
    .option('-t, --target <profile>', 'profile of the DR workspace (default DR_FAILOVER_TARGET or secondary)')
    .option('-s, --source <profile>', 'profile the failover copied from (default DR_FAILOVER_SOURCE or primary)')
    .option('--old-primary <profile>', 'pause the schedules of this workspace (default: the source profile); "none" to leave it alone')
    .option('--dry-run', 'print what would change, change nothing')
    .action(async (opts: { target?: string; source?: string; oldPrimary?: string; dryRun?: boolean }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
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
          if (g.json) printJson(report);
          else process.stdout.write(summarizeCutover(report).join('\n') + '\n');
          return report.ok ? EXIT.OK : EXIT.FAILED;
        } finally {
          client.close();
          oldClient?.close();
        }
      });
    });

  const snapshots = program.command('snapshots').description('List, inspect, verify and prune snapshots.');

  snapshots
    .command('list')
    .description('List snapshots, oldest first.')
    .option('-s, --source <profile>', "only the snapshots of this profile's workspace")
    .action(async (opts: { source?: string }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const store = buildServices(config, logger).store;
        const key = opts.source === undefined ? undefined : workspaceKey(requireProfile(config, opts.source).host);
        const list = await store.listSnapshots(key);
        if (g.json) {
          printJson({
            ok: true,
            container: store.containerName,
            snapshots: list.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() })),
          });
        } else if (list.length === 0) {
          process.stdout.write(`No snapshots in container "${store.containerName}" yet.\n`);
        } else {
          process.stdout.write(`${'SNAPSHOT'.padEnd(23)} ${'WORKSPACE'.padEnd(40)} ${'CREATED (UTC)'.padEnd(20)} MANIFEST\n`);
          for (const s of list) {
            process.stdout.write(
              `${s.snapshotId.padEnd(23)} ${s.workspaceKey.padEnd(40)} ${s.createdAt.toISOString().replace('T', ' ').slice(0, 19).padEnd(20)} ${formatBytes(s.sizeBytes)}\n`,
            );
          }
        }
        return EXIT.OK;
      });
    });

  snapshots
    .command('show <id>')
    .description('Show what a snapshot holds ("latest" for the newest).')
    .option('-s, --source <profile>', 'the workspace of the snapshot')
    .option('--artifacts', 'list every artifact')
    .action(async (id: string, opts: { source?: string; artifacts?: boolean }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const store = buildServices(config, logger).store;
        const { manifest } = await locate(store, config, id, opts.source);
        if (g.json) {
          const { artifacts, ...rest } = manifest;
          printJson({ ok: true, ...rest, ...(opts.artifacts ? { artifacts } : { artifactCount: artifacts.length }) });
          return EXIT.OK;
        }
        const lines = [
          `Snapshot ${manifest.snapshotId} of ${manifest.workspace.key} (${manifest.workspace.host}, profile ${manifest.workspace.profile})`,
          `  taken ${manifest.startedAt} – ${manifest.completedAt} (${formatDuration(manifest.stats.durationMs)}), run ${manifest.runNumber}${manifest.parentSnapshotId ? `, after ${manifest.parentSnapshotId}` : ''}`,
          `  ${manifest.artifacts.length} artifacts:`,
          ...Object.entries(manifest.counts).map(([k, n]) => `    ${k.padEnd(18)} ${n}`),
          `  ${manifest.uncaptured.length} not captured:`,
          ...manifest.uncaptured.map((u) => `    - ${u.kind} ${u.key}: ${u.reason}${u.action ? `\n      → ${u.action}` : ''}`),
        ];
        if (opts.artifacts)
          lines.push('  artifacts:', ...manifest.artifacts.map((a) => `    ${a.kind.padEnd(18)} ${a.key}  ${a.hash?.slice(0, 12) ?? '-'}`));
        process.stdout.write(lines.join('\n') + '\n');
        return EXIT.OK;
      });
    });

  snapshots
    .command('verify <id>')
    .description('Re-read every object of a snapshot and check its hash ("latest" for the newest).')
    .option('-s, --source <profile>', 'the workspace of the snapshot')
    .action(async (id: string, opts: { source?: string }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const store = buildServices(config, logger).store;
        const { manifest } = await locate(store, config, id, opts.source);
        const report = await verifySnapshot(store, manifest);
        if (g.json) printJson(report);
        else {
          process.stdout.write(
            report.ok
              ? `Snapshot ${report.snapshotId}: all ${report.objectsChecked} objects (${formatBytes(report.bytesChecked)}) are intact.\n`
              : `Snapshot ${report.snapshotId}: ${report.problems.length} of ${report.objectsChecked} objects failed the check:\n${report.problems.map((p) => `  - ${p.kind} ${p.key}: ${p.problem}`).join('\n')}\n`,
          );
        }
        return report.ok ? EXIT.OK : EXIT.CORRUPT;
      });
    });

  snapshots
    .command('prune')
    .description('Delete snapshots retention no longer keeps, then objects no snapshot needs.')
    .option('--dry-run', 'only report what would be deleted')
    .option('--keep <count>', 'snapshots to keep per workspace (default DR_RETENTION_COUNT)')
    .option('--keep-days <days>', 'keep snapshots younger than this (default DR_RETENTION_DAYS)')
    .action(async (opts: { dryRun?: boolean; keep?: string; keepDays?: string }) => {
      const g = program.opts<GlobalOptions>();
      await run(g, async () => {
        const { config, logger } = setup(g);
        const store = buildServices(config, logger).store;
        const retention = { ...config.backup.retention };
        if (opts.keep !== undefined) retention.count = positive(opts.keep, '--keep');
        if (opts.keepDays !== undefined) retention.days = positive(opts.keepDays, '--keep-days', true);
        const report = await prune(store, { retention, dryRun: opts.dryRun === true, logger });
        if (g.json) printJson({ ok: true, ...report });
        else {
          const verb = report.dryRun ? 'Would delete' : 'Deleted';
          process.stdout.write(
            `${verb} ${report.snapshotsDeleted.length} snapshots (kept ${report.snapshotsKept}) and ${report.objectsDeleted} objects (kept ${report.objectsKept}).\n` +
              (report.protectedByPolicy > 0
                ? `${report.protectedByPolicy} snapshots and objects are due but still protected by the immutability policy; a later prune deletes them.\n`
                : '') +
              report.snapshotsDeleted.map((s) => `  - ${s.workspaceKey} ${s.snapshotId}`).join('\n') +
              (report.snapshotsDeleted.length > 0 ? '\n' : ''),
          );
        }
        return EXIT.OK;
      });
    });

  return program;
}

function positive(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new DrError('USAGE', `${flag} must be a whole number${allowZero ? '' : ' above 0'}, got "${value}".`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      if (error.exitCode !== 0 && argv.includes('--json')) printJson({ ok: false, error: { code: 'USAGE', message: error.message } });
      return;
    }
    throw error;
  }
}

await main(process.argv);
