import { randomUUID } from 'node:crypto';

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
import { RunControl } from '../runs/control.js';
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

/**
 * One incremental backup of a workspace into the snapshot store.
 *
 * Kinds are listed in discovery order (a kind that reads another kind's artifacts
 * waits for it), independent kinds run at the same time, and each object is either
 * reused from the previous snapshot (its change token did not move) or exported and
 * stored under its content hash. The manifest is written last; a run that stops
 * early (time budget, abort, crash) leaves a checkpoint the next run resumes from,
 * and no half snapshot. What an error means is decided by its class
 * (shared/runs/errors.ts): an object that fails on an error of its own is recorded
 * as uncaptured; one that fails on a transient or unexpected error keeps the backup
 * from committing (it checkpoints, then throws that error), so that the next run
 * exports it instead of a snapshot missing it.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const logger = options.logger ?? nullLogger;
  const { store, client, settings, profile } = options;
  const key = workspaceKey(profile.host);
  const started = Date.now();
  await store.ensureContainer(options.signal);
  const control = new RunControl({
    name: 'backup',
    lock: await store.acquireLock(key, 'backup'),
    logger,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    deadlineMessage: 'The backup reached its time budget; its progress is checkpointed and the next run continues from there.',
  });
  const signal = control.signal;

  const runId = randomUUID();
  const captured = new Map<KindName, ArtifactEntry[]>();
  const uncaptured: UncapturedEntry[] = [];
  const exportedKeys = new Set<string>();
  const stats = { exported: 0, reused: 0, uploadedObjects: 0, uploadedBytes: 0 };
  /** The first transient or unexpected error an object failed on: this run does not commit. */
  let incomplete: { error: unknown; objects: number } | undefined;

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
    const ctx: BackupContext = {
      client,
      logger,
      settings,
      signal,
      runNumber,
      captured: (kind) => captured.get(kind) ?? [],
      previous: (kind, k) => previous.get(`${kind}\u0000${k}`),
      after: async (list) => {
        await Promise.all(list.map((k) => control.settled(k)));
      },
      memo: <T>(k: string, make: () => Promise<T>): Promise<T> => ctx.memoSync(k, make),
      memoSync: <T>(k: string, make: () => T): T => {
        if (!memo.has(k)) memo.set(k, make());
        return memo.get(k) as T;
      },
    };

    const saveCheckpoint = async (): Promise<void> => {
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
    const checkpoints = control.periodic('backup checkpoint', CHECKPOINT_EVERY_MS, saveCheckpoint);

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
      try {
        await exportAndStore(kind, item);
        control.objectDone();
      } catch (error) {
        if (isApiError(error, 'not_found')) {
          logger.debug('object disappeared during the backup', { kind, key: item.key });
          return;
        }
        const cls = control.objectFailed(error);
        if (cls === 'transient' || cls === 'unexpected') {
          // Not captured this time, and not in a snapshot without it either: the run checkpoints instead of committing.
          incomplete = { error: incomplete?.error ?? error, objects: (incomplete?.objects ?? 0) + 1 };
          logger.warn('an object could not be exported; this run will not commit', {
            kind,
            key: item.key,
            error: (error as Error).message,
          });
        } else if (cls === 'object') {
          uncaptured.push({ kind, key: item.key, reason: `Export failed: ${(error as Error).message}` });
          options.onProgress?.({ type: 'artifact', kind, action: 'uncaptured' });
        }
      }
    };

    const exportAndStore = async (kind: KindName, item: Listed): Promise<void> => {
      const h = REGISTRY[kind];
      const exported = await h.export(ctx, item);
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
    };

    const runKind = async (kind: KindName): Promise<void> => {
      if (control.stopping) return;
      const h = REGISTRY[kind];
      options.onProgress?.({ type: 'kind', kind, state: 'started' });
      const tasks: Promise<void>[] = [];
      let items;
      try {
        items = h.list(ctx);
        for await (const item of items) {
          if (control.stopping) break;
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
          const task = poolFor(kind)(() => (control.stopping ? Promise.resolve() : exportOne(kind, item)));
          // Handled at once so a failure stops the run instead of surfacing as an unhandled rejection.
          task.catch((error: unknown) => control.fail(error));
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
    };

    // Each kind starts as soon as the kinds it reads are done.
    const kinds = discoveryOrder(settings.kinds);
    await control.schedule(
      kinds.map((kind) => ({ kind, after: REGISTRY[kind].discoveryAfter ?? [] })),
      runKind,
    );
    if (control.stopping || incomplete) {
      await checkpoints.stop({ final: true });
      const reason = control.stopping ? control.stopReason : incomplete?.error;
      if (!control.stopping && incomplete)
        logger.warn('the backup did not commit: objects failed on transient errors; the next run exports them', {
          workspace: key,
          objects: incomplete.objects,
        });
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
    // No checkpoint may land after the manifest: the commit deletes it.
    await checkpoints.stop({ final: control.stopping });
    if (control.stopping) {
      const reason: unknown = control.stopReason;
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
    await control.close();
  }
}
