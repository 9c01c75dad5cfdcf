import { stringifyJson } from '../databricks/json.js';
import { storageError, type SnapshotStore } from '../snapshot/store.js';

/** Where a run stands, for people and the HTTP API: one small JSON blob per run id. */
export interface RunRecord {
  schema: 'databricks-dr/run';
  runId: string;
  type: 'failover' | 'backup';
  status: 'queued' | 'running' | 'continuing' | 'succeeded' | 'failed' | 'partial' | 'rejected';
  source?: string;
  target?: string;
  snapshotId?: string;
  dryRun?: boolean;
  reason?: string;
  requestedBy?: string;
  /** 1 for the first invocation, +1 for each follow-up message. */
  part: number;
  createdAt: string;
  updatedAt: string;
  /** Blob path of the full report (every object's action and result). */
  report?: string;
  counts?: Record<string, number>;
  /** Objects handled so far in this part, of the snapshot's total, while it runs. */
  progress?: { done: number; total: number };
  needsHuman?: number;
  error?: string;
}

export function runPath(runId: string): string {
  return `runs/${runId}.json`;
}

export async function readRun(store: SnapshotStore, runId: string): Promise<RunRecord | undefined> {
  try {
    const bytes = await store.container.getBlobClient(runPath(runId)).downloadToBuffer();
    return JSON.parse(bytes.toString('utf8')) as RunRecord;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw storageError(error, `read run ${runId}`, store.containerName);
  }
}

export async function writeRun(store: SnapshotStore, record: RunRecord): Promise<void> {
  try {
    await store.container.getBlockBlobClient(runPath(record.runId)).uploadData(Buffer.from(stringifyJson(record), 'utf8'), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  } catch (error) {
    throw storageError(error, `write run ${record.runId}`, store.containerName);
  }
}
