import { DrError } from '../errors/drError.js';
import { type Logger, nullLogger } from '../log/logger.js';
import type { Lock } from './lock.js';
import type { SnapshotStore } from './store.js';
import type { SnapshotSummary } from './types.js';

export interface Retention {
  /** Newest snapshots always kept. */
  count: number;
  /** Snapshots younger than this are kept too. */
  days: number;
}

/** Which snapshots of one workspace retention keeps. The newest is always kept. */
export function selectRetained(
  snapshots: readonly SnapshotSummary[],
  retention: Retention,
  now: Date,
): { keep: SnapshotSummary[]; drop: SnapshotSummary[] } {
  const newestFirst = [...snapshots].sort((a, b) => (a.snapshotId < b.snapshotId ? 1 : -1));
  const cutoff = now.getTime() - retention.days * 86_400_000;
  const keep: SnapshotSummary[] = [];
  const drop: SnapshotSummary[] = [];
  newestFirst.forEach((s, i) => {
    if (i < Math.max(1, retention.count) || s.createdAt.getTime() >= cutoff) keep.push(s);
    else drop.push(s);
  });
  return { keep, drop };
}

export interface PruneReport {
  dryRun: boolean;
  snapshotsDeleted: Array<{ workspaceKey: string; snapshotId: string }>;
  snapshotsKept: number;
  objectsDeleted: number;
  objectsKept: number;
  /** Snapshots and objects due for deletion that an immutability policy still protects; a later prune deletes them. */
  protectedByPolicy: number;
}

export interface PruneOptions {
  retention: Retention;
  dryRun?: boolean;
  /** Also delete objects no retained snapshot needs. @default true */
  collectGarbage?: boolean;
  /** Objects younger than this are never deleted. @default 1 hour */
  graceMs?: number;
  now?: Date;
  logger?: Logger;
  /** Only apply retention to these workspaces. @default all in the container */
  workspaces?: string[];
}

/**
 * Apply retention to every workspace in the container, then garbage-collect objects.
 * It holds every workspace's lock while it works, so it never runs during a backup
 * (a LOCKED error says which one is running), and it never deletes an object that a
 * retained snapshot or an unfinished backup's checkpoint references.
 */
export async function prune(store: SnapshotStore, options: PruneOptions): Promise<PruneReport> {
  const logger = options.logger ?? nullLogger;
  const now = options.now ?? new Date();
  const dryRun = options.dryRun ?? false;
  const report: PruneReport = { dryRun, snapshotsDeleted: [], snapshotsKept: 0, objectsDeleted: 0, objectsKept: 0, protectedByPolicy: 0 };
  const collect = options.collectGarbage !== false;
  const all = await store.workspaceKeys();
  const selected = options.workspaces ?? all;
  // Garbage collection looks at every workspace's snapshots, so it locks them all.
  const lockKeys = collect ? all : selected;
  const locks: Lock[] = [];
  try {
    for (const key of lockKeys) locks.push(await store.acquireLock(key, 'prune'));
    const live = new Set<string>();
    for (const key of all) {
      let retained = await store.listSnapshots(key);
      if (selected.includes(key)) {
        const { keep, drop } = selectRetained(retained, options.retention, now);
        const stillThere: typeof drop = [];
        for (const s of drop) {
          if (!dryRun && !(await store.deleteManifest(key, s.snapshotId))) {
            // Protected by the immutability policy: it stays, and so do its objects.
            report.protectedByPolicy += 1;
            stillThere.push(s);
            continue;
          }
          report.snapshotsDeleted.push({ workspaceKey: key, snapshotId: s.snapshotId });
        }
        report.snapshotsKept += keep.length + stillThere.length;
        retained = [...keep, ...stillThere];
      }
      if (!collect) continue;
      for (const s of retained) {
        const manifest = await store.readManifest(key, s.snapshotId);
        for (const a of manifest.artifacts) if (a.hash) live.add(a.hash);
      }
      for (const a of (await store.readCheckpoint(key))?.artifacts ?? []) if (a.hash) live.add(a.hash);
    }
    if (collect) {
      const grace = options.graceMs ?? 3_600_000;
      for await (const object of store.listObjects()) {
        if (live.has(object.hash) || now.getTime() - object.lastModified.getTime() < grace) {
          report.objectsKept += 1;
          continue;
        }
        if (!dryRun && !(await store.deleteObject(object.hash))) {
          report.protectedByPolicy += 1;
          report.objectsKept += 1;
          continue;
        }
        report.objectsDeleted += 1;
      }
    }
    logger.info('prune finished', { ...report, snapshotsDeleted: report.snapshotsDeleted.length });
    return report;
  } catch (error) {
    if (error instanceof DrError && error.code === 'LOCKED') {
      throw new DrError('LOCKED', `${error.message} Nothing was pruned; prune when no backup or failover is running.`, { retryable: true });
    }
    throw error;
  } finally {
    for (const lock of locks) await lock.release();
  }
}
