/** Run records on Azurite: create-only creation, listing newest first, and their retention. */
import { createRun, listRunIds, pruneRuns, readRun, type RunRecord, RUNS_KEPT } from '../../shared/runs/runs.js';
import { freshStore } from '../support/storage.js';

const record = (runId: string, status: RunRecord['status'] = 'succeeded', report?: string): RunRecord => ({
  schema: 'databricks-dr/run',
  runId,
  type: 'failover',
  status,
  part: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...(report ? { report } : {}),
});

test('a run record is created once: the second create of the same id reports false and changes nothing', async () => {
  const { store, cleanup } = await freshStore('runs');
  try {
    expect(await createRun(store, { ...record('r-1'), reason: 'first' })).toBe(true);
    expect(await createRun(store, { ...record('r-1'), reason: 'second' })).toBe(false);
    expect((await readRun(store, 'r-1'))?.reason).toBe('first');
  } finally {
    await cleanup();
  }
});

test('old run records and their reports are pruned; the newest, the recent and the active stay', async () => {
  const { store, cleanup } = await freshStore('runs');
  try {
    const total = RUNS_KEPT + 6;
    // Oldest first (Azurite dates them as written); the two oldest are still queued or running.
    for (let i = 0; i < total; i++) {
      const id = `r-${String(i).padStart(4, '0')}`;
      const status = i === 0 ? 'running' : i === 1 ? 'queued' : 'succeeded';
      const report = i === 2 ? `reports/${id}.json.gz` : undefined;
      if (report) await store.container.getBlockBlobClient(report).uploadData(Buffer.from('x'));
      await createRun(store, record(id, status, report));
      if (i < 8) await new Promise((r) => setTimeout(r, 1100)); // distinct Last-Modified seconds for the oldest
    }
    // Everything is recent today: nothing goes.
    expect(await pruneRuns(store, { keepDays: 7 })).toBe(0);
    // 40 days later: all but the newest RUNS_KEPT are old; the two active ones stay.
    const later = new Date(Date.now() + 40 * 86_400_000);
    expect(await pruneRuns(store, { keepDays: 7, now: later, dryRun: true })).toBe(4);
    expect((await listRunIds(store)).length).toBe(total);
    expect(await pruneRuns(store, { keepDays: 7, now: later })).toBe(4);
    const left = (await listRunIds(store)).map((r) => r.runId);
    expect(left).toHaveLength(RUNS_KEPT + 2);
    expect(left).toEqual(expect.arrayContaining(['r-0000', 'r-0001']));
    expect(left).not.toContain('r-0002');
    expect(await store.container.getBlobClient('reports/r-0002.json.gz').exists()).toBe(false);
    // With retention days beyond those 40 days, nothing is old.
    expect(await pruneRuns(store, { keepDays: 60, now: later })).toBe(0);
  } finally {
    await cleanup();
  }
}, 60_000);
