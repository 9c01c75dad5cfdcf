import pLimit from 'p-limit';

import { DrError } from '../errors/drError.js';
import type { SnapshotStore } from './store.js';
import type { Manifest } from './types.js';

export interface VerifyReport {
  snapshotId: string;
  workspaceKey: string;
  objectsChecked: number;
  bytesChecked: number;
  problems: Array<{ kind: string; key: string; hash: string; problem: string }>;
  ok: boolean;
}

/** Re-read every object a snapshot references and check its hash. */
export async function verifySnapshot(
  store: SnapshotStore,
  manifest: Manifest,
  options: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<VerifyReport> {
  const limit = pLimit(options.concurrency ?? 16);
  // One object can stand for several artifacts (two identical notebooks): a damaged
  // object is reported for each of them.
  const unique = new Map<string, Array<{ kind: string; key: string }>>();
  for (const a of manifest.artifacts) if (a.hash) unique.set(a.hash, [...(unique.get(a.hash) ?? []), { kind: a.kind, key: a.key }]);
  const report: VerifyReport = {
    snapshotId: manifest.snapshotId,
    workspaceKey: manifest.workspace.key,
    objectsChecked: 0,
    bytesChecked: 0,
    problems: [],
    ok: true,
  };
  let done = 0;
  await Promise.all(
    [...unique].map(([hash, owners]) =>
      limit(async () => {
        try {
          report.bytesChecked += await store.verifyObject(hash);
        } catch (error) {
          if (!(error instanceof DrError) || error.code !== 'SNAPSHOT_CORRUPT') throw error;
          for (const owner of owners) report.problems.push({ ...owner, hash, problem: error.message });
        }
        report.objectsChecked += 1;
        done += 1;
        options.onProgress?.(done, unique.size);
      }),
    ),
  );
  report.ok = report.problems.length === 0;
  report.problems.sort((a, b) => `${a.kind}:${a.key}`.localeCompare(`${b.kind}:${b.key}`));
  return report;
}
