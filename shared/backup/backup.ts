import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';

import pLimit from 'p-limit';

import type { BackupSettings, WorkspaceProfile } from '../config/config.js';
import type { DatabricksClient } from '../databricks/client.js';
import { isApiError } from '../databricks/errors.js';
import { canonicalJson } from '../codec/json.js';
import { DrError } from '../errors/drError.js';
import { type Logger, nullLogger } from '../log/logger.js';
import { extractRefs } from '../kinds/refs.js';
import { discoveryOrder, REGISTRY } from '../kinds/registry.js';
import type { BackupContext, Listed } from '../kinds/types.js';
import { type KindName, newSnapshotId, workspaceKey } from '../snapshot/names.js';
import { sha256, type SnapshotStore } from '../snapshot/store.js';
import { type ArtifactEntry, type Manifest, MANIFEST_SCHEMA, MANIFEST_VERSION, type UncapturedEntry } from '../snapshot/types.js';

export const TOOL = { name: 'databricks-dr', version: '0.1.0' };

export type BackupProgress =
  | { type: 'start'; workspaceKey: string; parentSnapshotId?: string; resumed: boolean }
  | { type: 'kind'; kind: KindName; state: 'started' | 'done'; count?: number }
  | { type: 'artifact'; kind: KindName; action: 'exported' | 'reused' | 'uncaptured' }
  | { type: 'commit'; snapshotId: string };

export interface BackupOptions {
  profile: WorkspaceProfile;
  client: DatabricksClient;
  store: SnapshotStore;
  settings: BackupSettings;
  logger?: Logger;
  /** Stops the backup; progress so far is checkpointed. */
  signal?: AbortSignal;
  /** Epoch ms at which to stop and checkpoint (the function's time budget). */
  deadline?: number;
  onProgress?: (event: BackupProgress) => void;
  /** Exports in flight per kind (the client's rate limits pace them). @default 32 */
  concurrency?: number;
}

export interface BackupResult {
  snapshotId: string;
  workspaceKey: string;
  parentSnapshotId?: string;
  counts: Partial<Record<KindName, number>>;
  uncaptured: UncapturedEntry[];
  manifest: Manifest;
}

/** How often an unfinished backup saves its progress. */
const CHECKPOINT_EVERY_MS = 15_000;

/** Errors that stop the whole run rather than one object. */
function isFatal(error: unknown): boolean {
  if (error instanceof DrError && error.name !== 'DatabricksApiError') return true;
  if (isApiError(error)) return error.category === 'unauthenticated' || error.retryable;
  return true;
}

/**
 * One incremental backup of a workspace into the snapshot store.
 *
 * Kinds are listed in discovery order (a kind that reads another kind's artifacts
 * waits for it), independent kinds run at the same time, and each object is either
 * reused from the previous snapshot (its change token did not move) or exported and
 * stored under its content hash. The manifest is written last; a run that stops
 * early (time budget, abort, crash) leaves a checkpoint the next run resumes from,
 * and no half snapshot.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const logger = options.logger ?? nullLogger;
  const { store, client, settings, profile } = options;
  const key = workspaceKey(profile.host);
  const started = Date.now();
  await store.ensureContainer(options.signal);
  const lock = await store.acquireLock(key, 'backup');

  // Two ways to stop. `stop` is graceful: no new work starts, work in flight finishes
  // and is checkpointed (time budget, Ctrl+C). `hard` cuts requests in flight: the
  // lease was lost or an error already ended the run.
  const stop = new AbortController();
  const hard = new AbortController();
  // Every in-flight request listens on the hard signal.
  setMaxListeners(0, hard.signal);
  const stopGracefully = (reason: unknown): void => {
    if (!stop.signal.aborted) stop.abort(reason);
  };
  /** The first error that ends the run; the others happen because of it. */
  let fatal: unknown;
  const fail = (error: unknown): void => {
    if (fatal === undefined) fatal = error;
    stopGracefully(error);
    if (!hard.signal.aborted) hard.abort(error);
  };
  if (options.signal?.aborted) stopGracefully(options.signal.reason);
  options.signal?.addEventListener('abort', () => stopGracefully(options.signal?.reason), { once: true });
  lock.signal.addEventListener('abort', () => fail(lock.signal.reason), { once: true });
  const deadlineTimer =
    options.deadline === undefined
      ? undefined
      : setTimeout(
          () =>
            stopGracefully(
              new DrError(
                'ABORTED',
                'The backup reached its time budget; its progress is checkpointed and the next run continues from there.',
              ),
            ),
          // setTimeout fires at once past 2^31-1 ms; a budget that long is no budget.
          Math.min(Math.max(0, options.deadline - Date.now()), 2 ** 31 - 1),
        );
  const signal = hard.signal;

  const runId = randomUUID();
  const captured = new Map<KindName, ArtifactEntry[]>();
  const uncaptured: UncapturedEntry[] = [];
  const exportedKeys = new Set<string>();
  const stats = { exported: 0, reused: 0, uploadedObjects: 0, uploadedBytes: 0 };
  let lastCheckpoint = Date.now();
  let checkpointing: Promise<void> | undefined;

  try {
    let parent: Manifest | undefined;
    try {
      parent = await store.latestManifest(key, signal);
    } catch (error) {
      if (!(error instanceof DrError) || error.code !== 'SNAPSHOT_CORRUPT') throw error;
      logger.warn('the latest snapshot is unreadable; this backup exports everything', { workspace: key, error: error.message });
    }
    const checkpoint = await store.readCheckpoint(key);
    const previous = new Map<string, ArtifactEntry>();
    const knownHashes = new Set<string>();
    for (const a of [...(parent?.artifacts ?? []), ...(checkpoint?.artifacts ?? [])]) {
      previous.set(`${a.kind}\u0000${a.key}`, a);
      if (a.hash) knownHashes.add(a.hash);
    }
    const runNumber = (parent?.runNumber ?? 0) + 1;
    options.onProgress?.({
      type: 'start',
      workspaceKey: key,
      ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
      resumed: checkpoint !== undefined,
    });
    logger.info('backup started', { workspace: key, runId, parent: parent?.snapshotId, resumedFrom: checkpoint?.runId, runNumber });

    const memo = new Map<string, unknown>();
    const done = new Map<KindName, Promise<void>>();
    const ctx: BackupContext = {
      client,
      logger,
      settings,
      signal,
      runNumber,
      captured: (kind) => captured.get(kind) ?? [],
      previous: (kind, k) => previous.get(`${kind}\u0000${k}`),
      after: async (list) => {
        await Promise.all(list.filter((k) => done.has(k)).map((k) => done.get(k)));
      },
      memo: <T>(k: string, make: () => Promise<T>): Promise<T> => ctx.memoSync(k, make),
      memoSync: <T>(k: string, make: () => T): T => {
        if (!memo.has(k)) memo.set(k, make());
        return memo.get(k) as T;
      },
    };

    const saveCheckpoint = async (): Promise<void> => {
      lastCheckpoint = Date.now();
      const artifacts = [...captured.values()].flat();
      await store.writeCheckpoint(key, {
        version: 1,
        runId,
        startedAt: new Date(started).toISOString(),
        updatedAt: new Date().toISOString(),
        ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
        // Entries of earlier checkpoints stay reusable too.
        artifacts: [...(checkpoint?.artifacts ?? []).filter((a) => !exportedKeys.has(`${a.kind}\u0000${a.key}`)), ...artifacts],
      });
    };
    const maybeCheckpoint = (): void => {
      if (checkpointing || Date.now() - lastCheckpoint < CHECKPOINT_EVERY_MS) return;
      checkpointing = saveCheckpoint()
        .catch((error: unknown) => logger.warn('could not save the backup checkpoint', { error: (error as Error).message }))
        .finally(() => (checkpointing = undefined));
    };

    // Each kind has its own pool, so thousands of queued notebook exports never hold
    // back the permission reads that a different rate limit governs.
    const pools = new Map<KindName, ReturnType<typeof pLimit>>();
    const poolFor = (kind: KindName): ReturnType<typeof pLimit> => {
      let pool = pools.get(kind);
      if (!pool) {
        pool = pLimit(options.concurrency ?? 32);
        pools.set(kind, pool);
      }
      return pool;
    };
    const add = (kind: KindName, entry: ArtifactEntry): void => {
      const list = captured.get(kind) ?? [];
      list.push(entry);
      captured.set(kind, list);
    };

    const exportOne = async (kind: KindName, item: Listed): Promise<void> => {
      const h = REGISTRY[kind];
      let exported;
      try {
        exported = await h.export(ctx, item);
      } catch (error) {
        if (isApiError(error, 'not_found')) {
          logger.debug('object disappeared during the backup', { kind, key: item.key });
          return;
        }
        if (isFatal(error)) throw error;
        uncaptured.push({ kind, key: item.key, reason: `Export failed: ${(error as Error).message}` });
        options.onProgress?.({ type: 'artifact', kind, action: 'uncaptured' });
        return;
      }
      let hash: string;
      let size: number;
      let refs: ArtifactEntry['refs'] = [];
      if (typeof exported.content === 'function') {
        const put = await store.putObjectStream(exported.content, signal);
        ({ hash, size } = put);
        knownHashes.add(hash);
        if (put.created) {
          stats.uploadedObjects += 1;
          stats.uploadedBytes += size;
        }
      } else {
        const isBytes = Buffer.isBuffer(exported.content);
        const bytes = isBytes ? (exported.content as Buffer) : Buffer.from(canonicalJson(exported.content), 'utf8');
        if (!isBytes) {
          const doc = exported.content as Record<string, unknown>;
          refs = [...extractRefs(doc, h.references), ...(h.extraRefs?.(doc) ?? [])];
        }
        hash = sha256(bytes);
        size = bytes.length;
        if (!knownHashes.has(hash)) {
          const put = await store.putObject(bytes, signal);
          knownHashes.add(hash);
          if (put.created) {
            stats.uploadedObjects += 1;
            stats.uploadedBytes += bytes.length;
          }
        }
      }
      if (exported.uncaptured) uncaptured.push({ kind, key: item.key, ...exported.uncaptured });
      add(kind, {
        kind,
        key: item.key,
        sourceId: item.sourceId,
        hash,
        size,
        ...(item.changeToken === undefined ? {} : { changeToken: item.changeToken }),
        meta: { ...item.meta, ...exported.meta },
        refs,
        capturedAt: new Date().toISOString(),
      });
      exportedKeys.add(`${kind}\u0000${item.key}`);
      stats.exported += 1;
      options.onProgress?.({ type: 'artifact', kind, action: 'exported' });
      maybeCheckpoint();
    };

    const runKind = async (kind: KindName): Promise<void> => {
      if (stop.signal.aborted) return;
      const h = REGISTRY[kind];
      options.onProgress?.({ type: 'kind', kind, state: 'started' });
      const tasks: Promise<void>[] = [];
      let items;
      try {
        items = h.list(ctx);
        for await (const item of items) {
          if (stop.signal.aborted) break;
          if (item.uncaptured) {
            uncaptured.push({ kind, key: item.key, ...item.uncaptured });
            options.onProgress?.({ type: 'artifact', kind, action: 'uncaptured' });
            continue;
          }
          const prev = previous.get(`${kind}\u0000${item.key}`);
          if (item.noContent) {
            add(kind, {
              kind,
              key: item.key,
              sourceId: item.sourceId,
              ...(item.changeToken === undefined ? {} : { changeToken: item.changeToken }),
              meta: item.meta,
              refs: [],
              capturedAt: prev?.capturedAt ?? new Date().toISOString(),
            });
            continue;
          }
          const reusable =
            prev?.hash !== undefined &&
            (h.reusable ? h.reusable(ctx, item, prev) : item.changeToken !== undefined && prev.changeToken === item.changeToken);
          if (reusable && prev) {
            add(kind, { ...prev, sourceId: item.sourceId, meta: { ...prev.meta, ...item.meta } });
            stats.reused += 1;
            options.onProgress?.({ type: 'artifact', kind, action: 'reused' });
            continue;
          }
          const task = poolFor(kind)(() => (stop.signal.aborted ? Promise.resolve() : exportOne(kind, item)));
          // Handled at once so a failure stops the run instead of surfacing as an unhandled rejection.
          task.catch(fail);
          tasks.push(task);
        }
      } catch (error) {
        if (isApiError(error, 'permission_denied')) {
          uncaptured.push({
            kind,
            key: '*',
            reason: `Could not list ${kind}: ${error.apiMessage}`,
            action: 'Run the backup as a workspace admin.',
          });
        } else {
          await Promise.allSettled(tasks);
          throw error;
        }
      }
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      options.onProgress?.({ type: 'kind', kind, state: 'done', count: captured.get(kind)?.length ?? 0 });
      maybeCheckpoint();
    };

    // Each kind starts as soon as the kinds it reads are done.
    const kinds = discoveryOrder(settings.kinds);
    for (const kind of kinds) {
      const after = (REGISTRY[kind].discoveryAfter ?? []).filter((k) => kinds.includes(k));
      done.set(
        kind,
        Promise.all(after.map((k) => done.get(k))).then(() => runKind(kind)),
      );
    }
    for (const p of done.values()) p.catch(fail);
    await Promise.allSettled(done.values());
    if (fatal !== undefined || stop.signal.aborted) {
      await checkpointing;
      await saveCheckpoint().catch((error: unknown) =>
        logger.warn('could not save the backup checkpoint', { error: (error as Error).message }),
      );
      const reason = fatal ?? stop.signal.reason;
      throw reason instanceof Error
        ? reason
        : new DrError('ABORTED', 'The backup was stopped; its progress is checkpointed.', { cause: reason });
    }

    // Commit: the manifest is the last write.
    const artifacts = kinds.flatMap((k) => [...(captured.get(k) ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
    const counts: Partial<Record<KindName, number>> = {};
    for (const k of kinds) counts[k] = captured.get(k)?.length ?? 0;
    const clientStats = client.stats();
    const snapshotId = newSnapshotId(new Date(), parent?.snapshotId);
    const manifest: Manifest = {
      schema: MANIFEST_SCHEMA,
      version: MANIFEST_VERSION,
      snapshotId,
      workspace: { key, host: profile.host, profile: profile.name },
      startedAt: new Date(started).toISOString(),
      completedAt: new Date().toISOString(),
      ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
      runNumber,
      tool: TOOL,
      kinds,
      counts,
      artifacts,
      uncaptured: uncaptured.sort((a, b) => `${a.kind}:${a.key}`.localeCompare(`${b.kind}:${b.key}`)),
      stats: {
        durationMs: Date.now() - started,
        ...stats,
        requests: clientStats.requests,
        retries: clientStats.retries,
        throttled: clientStats.throttled,
      },
    };
    await checkpointing;
    if (stop.signal.aborted) {
      const reason: unknown = stop.signal.reason;
      throw reason instanceof DrError ? reason : new DrError('ABORTED', 'The backup was stopped before it committed.');
    }
    options.onProgress?.({ type: 'commit', snapshotId });
    await store.commitManifest(manifest, signal);
    await store.deleteCheckpoint(key);
    logger.info('backup committed', {
      workspace: key,
      snapshotId,
      artifacts: artifacts.length,
      exported: stats.exported,
      reused: stats.reused,
      uploadedObjects: stats.uploadedObjects,
      durationMs: manifest.stats.durationMs,
    });
    return {
      snapshotId,
      workspaceKey: key,
      ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
      counts,
      uncaptured: manifest.uncaptured,
      manifest,
    };
  } finally {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    await lock.release();
  }
}
