import { randomUUID } from 'node:crypto';

import pLimit from 'p-limit';

import type { WorkspaceProfile } from '../config/config.js';
import type { DatabricksClient } from '../databricks/client.js';
import { importOrder, REGISTRY } from '../kinds/registry.js';
import { type Logger, nullLogger } from '../log/logger.js';
import { RunControl } from '../runs/control.js';
import { type ErrorCode, errorInfo } from '../runs/errors.js';
import { KIND_NAMES, type KindName, workspaceKey } from '../snapshot/names.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { ArtifactEntry, Manifest } from '../snapshot/types.js';
import { EMPTY_MAPPINGS, type Mappings } from '../config/mappings.js';
import type { ConflictPolicy } from '../config/config.js';
import { type FailoverState, loadState, saveState, stateKey } from './state.js';
import {
  type ImportAction,
  type ImportContext,
  type ImportResult,
  type TargetObject,
  ImportFailure,
  UnresolvedReference,
} from '../kinds/import/types.js';

export type FailoverProgress =
  | { type: 'phase'; kind: KindName; total: number }
  | { type: 'item'; kind: KindName; key: string; action: ImportAction };

export interface FailoverOptions {
  manifest: Manifest;
  store: SnapshotStore;
  target: WorkspaceProfile;
  client: DatabricksClient;
  /** Decide every action and write nothing to the target (the report, the plan, is still kept in the store). */
  dryRun?: boolean;
  /** Write the report to the store (verify keeps its own). @default true */
  keepReport?: boolean;
  /** What to do with a target object that differs from the snapshot. @default 'update' */
  conflictPolicy?: ConflictPolicy;
  mappings?: Mappings;
  /** Only these kinds (with their order kept). @default every kind in the snapshot */
  kinds?: KindName[];
  logger?: Logger;
  signal?: AbortSignal;
  /** Epoch ms at which to stop after the work in flight, save progress and report 'partial'. */
  deadline?: number;
  onProgress?: (event: FailoverProgress) => void;
  runId?: string;
  /** Objects in flight per kind (the client's rate limits pace them). @default 16 */
  concurrency?: number;
  /** Compare every object's content, even where the last failover's record vouches for it (verify). */
  thorough?: boolean;
}

export interface FailoverItem {
  kind: KindName;
  key: string;
  action: ImportAction;
  targetId?: string;
  note?: string;
}

export interface FailoverReport {
  schema: 'databricks-dr/failover-report';
  version: 1;
  runId: string;
  snapshotId: string;
  source: { key: string; host: string };
  target: { key: string; host: string; profile: string };
  dryRun: boolean;
  /** succeeded: nothing failed; failed: something failed or the run stopped on an error; partial: stopped by its deadline. */
  status: 'succeeded' | 'failed' | 'partial';
  /** Why the run stopped (redacted), when it stopped before the end. */
  error?: string;
  /** The code of that error (shared/runs/errors.ts): what to branch on. Reports written before it have none. */
  errorCode?: ErrorCode;
  startedAt: string;
  completedAt: string;
  durationMs: number;
  counts: Partial<Record<ImportAction, number>>;
  byKind: Partial<Record<KindName, Partial<Record<ImportAction, number>>>>;
  /**
   * Kinds this run (or, merged, any part of it) took to the end: every artifact done,
   * none failed or in conflict. A later part of the same run skips them, so each part
   * of a run split by its time budget gets further instead of re-checking them.
   */
  finishedKinds?: KindName[];
  items: FailoverItem[];
  /** What a person must still do: secret values, mounts without a mapping, … */
  needsHuman: Array<{ kind: string; key: string; reason: string; action?: string }>;
  stats: { requests: number; retries: number; throttled: number };
  /** When each kind started and ended, in ms from the start of the run. */
  timeline?: Partial<Record<KindName, { startMs: number; endMs: number }>>;
}

export function reportPath(targetKey: string, runId: string): string {
  return `workspaces/${targetKey}/failover/runs/${runId}.json.gz`;
}

export async function writeReport(store: SnapshotStore, report: FailoverReport): Promise<string> {
  const path = reportPath(report.target.key, report.runId);
  await store.writeJsonGz(path, report, 'write the failover report');
  return path;
}

export function readReport(store: SnapshotStore, targetKey: string, runId: string): Promise<FailoverReport | undefined> {
  return store.readJsonGz<FailoverReport>(reportPath(targetKey, runId), 'read the failover report');
}

/**
 * One report for a run that went on over several invocations: what the earlier parts
 * did stays (an object created in part 1 is "create", not the "unchanged" part 2
 * found), what the later part did wins otherwise.
 */
/** The kinds a report says were taken to the end (known kind names only: a report is read back from storage). */
export function finishedKinds(report: FailoverReport): KindName[] {
  return (report.finishedKinds ?? []).filter((k) => (KIND_NAMES as readonly string[]).includes(k));
}

/** What is left of `kinds` after the kinds earlier parts of the run finished. */
export function remainingKinds(kinds: readonly KindName[], earlier: FailoverReport | undefined): KindName[] {
  const done = new Set(earlier ? finishedKinds(earlier) : []);
  return kinds.filter((k) => !done.has(k));
}

export function mergeReports(earlier: FailoverReport, later: FailoverReport): FailoverReport {
  const byKey = new Map(earlier.items.map((i) => [`${i.kind}\u0000${i.key}`, i]));
  for (const i of later.items) {
    const k = `${i.kind}\u0000${i.key}`;
    const before = byKey.get(k);
    byKey.set(k, before && i.action === 'unchanged' && before.action !== 'failed' && before.action !== 'conflict' ? before : i);
  }
  const items = [...byKey.values()];
  const { counts, byKind } = tally(items);
  const needs = new Map([...earlier.needsHuman, ...later.needsHuman].map((n) => [`${n.kind}\u0000${n.key}`, n]));
  return {
    ...later,
    startedAt: earlier.startedAt,
    durationMs: earlier.durationMs + later.durationMs,
    items,
    counts,
    byKind,
    needsHuman: [...needs.values()],
    finishedKinds: KIND_NAMES.filter((k) => finishedKinds(earlier).includes(k) || finishedKinds(later).includes(k)),
    stats: {
      requests: earlier.stats.requests + later.stats.requests,
      retries: earlier.stats.retries + later.stats.retries,
      throttled: earlier.stats.throttled + later.stats.throttled,
    },
  };
}

function tally(items: readonly FailoverItem[]): Pick<FailoverReport, 'counts' | 'byKind'> {
  const counts: FailoverReport['counts'] = {};
  const byKind: FailoverReport['byKind'] = {};
  for (const it of items) {
    counts[it.action] = (counts[it.action] ?? 0) + 1;
    const k = (byKind[it.kind] ??= {});
    k[it.action] = (k[it.action] ?? 0) + 1;
  }
  return { counts, byKind };
}

const SAVE_EVERY_MS = 10_000;

/**
 * Replay a snapshot into a target workspace.
 *
 * Kinds are restored in dependency order (principals, policies and pools, folders and
 * content, DBFS and init scripts, secrets, clusters, jobs, mounts, permissions last);
 * objects within a kind run concurrently under the target's rate limits. Every
 * reference to a source id is rewritten to the target's id; an object whose
 * reference cannot be resolved fails with the reason and the rest go on (what each
 * error means is decided by its class, shared/runs/errors.ts). The id map
 * and what was applied are saved as the run goes, so running it again, after a crash
 * or a redelivered message, converges without duplicates.
 */
export async function runFailover(options: FailoverOptions): Promise<FailoverReport> {
  const { manifest, store, client, target } = options;
  const logger = options.logger ?? nullLogger;
  const dryRun = options.dryRun ?? false;
  const runId = options.runId ?? randomUUID();
  const targetKey = workspaceKey(target.host);
  const started = Date.now();
  const items: FailoverItem[] = [];
  const timeline: NonNullable<FailoverReport['timeline']> = {};
  const needsHuman: FailoverReport['needsHuman'] = [];
  const doneKinds = new Set<KindName>();

  const control = new RunControl({
    name: 'failover',
    ...(dryRun ? {} : { lock: await store.acquireLock(targetKey, 'failover') }),
    logger,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    deadlineMessage: 'The failover reached its time budget.',
  });

  let state: FailoverState | undefined;
  // A dry run writes nothing, not even its state.
  const saves = dryRun ? undefined : control.periodic('failover state', SAVE_EVERY_MS, async () => state && saveState(store, state));

  const finish = async (status: FailoverReport['status'], error?: unknown): Promise<FailoverReport> => {
    const { counts, byKind } = tally(items);
    const stats = client.stats();
    const stopped = error === undefined ? undefined : errorInfo(error);
    const report: FailoverReport = {
      schema: 'databricks-dr/failover-report',
      version: 1,
      runId,
      snapshotId: manifest.snapshotId,
      source: { key: manifest.workspace.key, host: manifest.workspace.host },
      target: { key: targetKey, host: target.host, profile: target.name },
      dryRun,
      status: status === 'succeeded' && (counts.failed ?? 0) + (counts.conflict ?? 0) > 0 ? 'failed' : status,
      ...(stopped ? { error: stopped.message, errorCode: stopped.code } : {}),
      startedAt: new Date(started).toISOString(),
      completedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      counts,
      byKind,
      finishedKinds: KIND_NAMES.filter((k) => doneKinds.has(k)),
      items,
      needsHuman,
      stats: { requests: stats.requests, retries: stats.retries, throttled: stats.throttled },
      timeline,
    };
    await saves?.stop({ final: true });
    // A dry run's report is its plan: kept too (in the store, never in the target).
    if (options.keepReport !== false)
      await writeReport(store, report).catch((e: unknown) =>
        logger.warn('could not write the failover report', { error: (e as Error).message }),
      );
    return report;
  };

  try {
    state = await loadState(store, manifest.workspace.key, targetKey);
    const st = state;
    const byKey = new Map<string, ArtifactEntry>();
    for (const a of manifest.artifacts) byKey.set(stateKey(a.kind, a.key), a);
    const uncapturedByKey = new Map(manifest.uncaptured.map((u) => [stateKey(u.kind, u.key), u]));
    const inventories = new Map<KindName, Promise<Map<string, TargetObject>>>();
    const memos = new Map<string, Promise<unknown>>();
    const plannedIds = new Map<string, string>();
    const created = new Set<string>();

    const ctx: ImportContext = {
      references: (kind) => REGISTRY[kind].references,
      client,
      logger,
      signal: control.signal,
      dryRun,
      conflictPolicy: options.conflictPolicy ?? 'update',
      mappings: options.mappings ?? EMPTY_MAPPINGS,
      idMap: st.idMap,
      runId,
      thorough: options.thorough ?? false,
      cutover: st.cutover !== undefined,
      inventory: (kind) => {
        let p = inventories.get(kind);
        if (!p) {
          const importer = REGISTRY[kind].importer;
          p = importer?.inventory ? importer.inventory(ctx) : Promise.resolve(new Map());
          inventories.set(kind, p);
        }
        return p;
      },
      memo: <T>(key: string, make: () => Promise<T>): Promise<T> => {
        let p = memos.get(key) as Promise<T> | undefined;
        if (!p) {
          p = make();
          memos.set(key, p);
        }
        return p;
      },
      resolve: (kind, sourceId, field) => {
        const mapped = plannedIds.get(stateKey(kind, sourceId)) ?? st.idMap.get(kind, sourceId);
        if (mapped === undefined) throw new UnresolvedReference(kind, sourceId, field);
        return mapped;
      },
      resolveKey: (kind, key, field) => {
        const a = byKey.get(stateKey(kind, key));
        if (!a) throw new UnresolvedReference(kind, key, field);
        return ctx.resolve(kind, a.sourceId, field);
      },
      artifact: (kind, key) => byKey.get(stateKey(kind, key)),
      applied: (kind, key) => st.applied.get(stateKey(kind, key)),
      createdInRun: (kind, key) => created.has(stateKey(kind, key)),
      uncaptured: (kind, key) => uncapturedByKey.get(stateKey(kind, key)),
      read: (entry) => store.getObject(entry.hash as string, control.signal),
      recordPauses: (jobKey, pauses) => {
        st.pauses.set(jobKey, pauses);
      },
    };

    const selected = new Set(options.kinds ?? manifest.kinds);
    const order = importOrder(manifest.kinds.filter((k) => selected.has(k) && REGISTRY[k].importer !== undefined));
    const inOrder = new Set(order);
    // What the snapshot could not capture is for a person, unless an importer that
    // handles the object says otherwise (a scope whose keys already have values).
    for (const u of manifest.uncaptured) {
      if (!byKey.has(stateKey(u.kind, u.key)) || !inOrder.has(u.kind))
        needsHuman.push({ kind: u.kind, key: u.key, reason: u.reason, ...(u.action ? { action: u.action } : {}) });
    }
    logger.info('failover started', { runId, snapshot: manifest.snapshotId, target: targetKey, dryRun, kinds: order.join(',') });

    const itemIndex = new Map<string, FailoverItem>();
    const record = (kind: KindName, key: string, sourceId: string, hash: string | undefined, result: ImportResult): void => {
      const item: FailoverItem = {
        kind,
        key,
        action: result.action,
        ...(result.targetId ? { targetId: result.targetId } : {}),
        ...(result.note ? { note: result.note } : {}),
      };
      items.push(item);
      if (result.action !== 'failed') control.objectDone();
      itemIndex.set(stateKey(kind, key), item);
      if (result.needsHuman) needsHuman.push({ kind, key, ...result.needsHuman });
      options.onProgress?.({ type: 'item', kind, key, action: result.action });
      if (result.targetId === undefined || result.action === 'failed' || result.action === 'skip') return;
      if (dryRun) {
        if (result.action === 'create') plannedIds.set(stateKey(kind, sourceId), result.targetId);
        else st.idMap.set(kind, sourceId, result.targetId);
        return;
      }
      if (result.action === 'conflict') return;
      if (result.action === 'create') created.add(stateKey(kind, key));
      st.idMap.set(kind, sourceId, result.targetId);
      st.applied.set(stateKey(kind, key), {
        hash: hash ?? '',
        targetId: result.targetId,
        ...(result.token === undefined ? {} : { token: result.token }),
      });
    };
    /** An object's failure as its result, or undefined when the error stopped the run. */
    const failure = (error: unknown): ImportResult | undefined => {
      if (control.objectFailed(error) === 'stop') return undefined;
      return {
        action: 'failed',
        note: error instanceof Error ? error.message : String(error),
        ...(error instanceof ImportFailure && error.needsHuman ? { needsHuman: error.needsHuman } : {}),
      };
    };

    /** Settles when an artifact is done (whatever its outcome), for kinds that wait object by object. */
    const finished = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const finishedOf = (kind: KindName, key: string): { promise: Promise<void>; resolve: () => void } => {
      const k = stateKey(kind, key);
      let f = finished.get(k);
      if (!f) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        f = { promise, resolve };
        finished.set(k, f);
      }
      return f;
    };

    const runOne = async (kind: KindName, a: ArtifactEntry): Promise<void> => {
      const importer = REGISTRY[kind].importer;
      try {
        if (!importer?.import || control.stopping) return;
        let result: ImportResult | undefined;
        try {
          const content = a.hash ? await ctx.read(a) : undefined;
          result = await importer.import(ctx, a, content);
        } catch (error) {
          result = failure(error);
        }
        if (result) record(kind, a.key, a.sourceId, a.hash, result);
      } finally {
        finishedOf(kind, a.key).resolve();
      }
    };

    const runSecondPass = async (kind: KindName, a: ArtifactEntry): Promise<void> => {
      const importer = REGISTRY[kind].importer;
      const prev = itemIndex.get(stateKey(kind, a.key));
      if (!importer?.secondPass || !prev || prev.action === 'failed' || prev.action === 'skip' || control.stopping) return;
      let result: ImportResult | undefined;
      try {
        result = await importer.secondPass(ctx, a, a.hash ? await ctx.read(a) : undefined);
      } catch (error) {
        result = failure(error);
      }
      // The second pass finishes the object of the first: a failure fails it, and a
      // change makes an unchanged object updated.
      if (!result || result.action === 'unchanged') return;
      if (result.action === 'failed') prev.action = 'failed';
      else if (prev.action === 'unchanged') prev.action = result.action;
      if (result.note) prev.note = prev.note ? `${prev.note} ${result.note}` : result.note;
    };

    const runKind = async (kind: KindName): Promise<void> => {
      const artifacts = manifest.artifacts.filter((a) => a.kind === kind);
      options.onProgress?.({ type: 'phase', kind, total: artifacts.length });
      const importer = REGISTRY[kind].importer;
      if (!importer || control.stopping) return;
      if (importer.importAll) {
        let results: Map<string, ImportResult>;
        try {
          results = await importer.importAll(ctx, artifacts);
        } catch (error) {
          const r = failure(error);
          results = new Map(r ? artifacts.map((a) => [a.key, r]) : []);
        }
        for (const [key, result] of results) {
          const a = byKey.get(stateKey(kind, key));
          record(kind, key, a?.sourceId ?? key, a?.hash, result);
        }
        return;
      }
      const limit = pLimit(options.concurrency ?? 16);
      const perObject = new Set(importer.perObject ?? []);
      const waves = importer.waves ? importer.waves(artifacts, ctx) : [artifacts];
      for (const wave of waves) {
        await Promise.all(
          wave.map(async (a) => {
            // Wait for the objects this one needs outside the slot, so waiting never holds one.
            const wanted = importer.needs
              ? importer.needs(a)
              : a.refs.filter((r) => r.by === 'key').map((r) => ({ kind: r.kind, key: r.value }));
            const needs = wanted.filter((n) => perObject.has(n.kind) && inOrder.has(n.kind) && byKey.has(stateKey(n.kind, n.key)));
            if (needs.length > 0) await Promise.all(needs.map((n) => finishedOf(n.kind, n.key).promise));
            await limit(() => runOne(kind, a));
          }),
        );
      }
      if (importer.secondPass) await Promise.all(artifacts.map((a) => limit(() => runSecondPass(kind, a))));
    };

    // Each kind starts when the kinds it depends on are done; kinds that do not depend
    // on each other run side by side, and a kind that waits object by object starts
    // early and follows its objects.
    const plan = order.map((kind) => {
      const perObject = new Set(REGISTRY[kind].importer?.perObject ?? []);
      return { kind, after: REGISTRY[kind].dependsOn.filter((d) => !perObject.has(d)) };
    });
    await control.schedule(plan, async (kind) => {
      try {
        const startMs = Date.now() - started;
        await runKind(kind);
        timeline[kind] = { startMs, endMs: Date.now() - started };
        const unsettled = items.some((i) => i.kind === kind && (i.action === 'failed' || i.action === 'conflict'));
        if (!control.stopping && !unsettled) doneKinds.add(kind);
      } finally {
        // Whatever happened (a stop, a fatal error), nothing may wait for this kind's objects any more.
        for (const a of manifest.artifacts) if (a.kind === kind) finishedOf(kind, a.key).resolve();
      }
    });

    if (control.failed) {
      logger.error('failover stopped', { error: (control.fatal as Error).message });
      return await finish('failed', control.fatal);
    }
    if (control.stopping) return await finish('partial', control.stopReason);
    const report = await finish('succeeded');
    logger.info('failover finished', { runId, status: report.status, ...report.counts });
    return report;
  } finally {
    await control.close();
  }
}
