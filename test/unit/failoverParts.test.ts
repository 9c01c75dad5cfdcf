import { type FailoverReport, finishedKinds, mergeReports, remainingKinds } from '../../shared/failover/failover.js';

const report = (finished: unknown[] | undefined, items: FailoverReport['items'] = []): FailoverReport =>
  ({
    schema: 'databricks-dr/failover-report',
    version: 1,
    runId: 'r',
    snapshotId: 's',
    source: { key: 'a', host: 'https://a' },
    target: { key: 'b', host: 'https://b', profile: 'secondary' },
    dryRun: false,
    status: 'partial',
    startedAt: '2026-12-06T00:00:00.000Z',
    completedAt: '2026-12-06T00:00:05.000Z',
    durationMs: 5000,
    counts: {},
    byKind: {},
    items,
    needsHuman: [],
    stats: { requests: 1, retries: 0, throttled: 0 },
    ...(finished ? { finishedKinds: finished } : {}),
  }) as FailoverReport;

describe('a failover split into parts', () => {
  test('remembers every kind any part finished, and later parts skip them', () => {
    const first = report(['users', 'groups']);
    const second = report(['notebooks']);
    const merged = mergeReports(first, second);
    expect(merged.finishedKinds).toEqual(['users', 'groups', 'notebooks']);
    expect(remainingKinds(['users', 'groups', 'notebooks', 'jobs', 'workspaceSettings'], merged)).toEqual(['jobs', 'workspaceSettings']);
    expect(remainingKinds(['users', 'jobs'], undefined)).toEqual(['users', 'jobs']);
  });

  test('a report read back from storage names only known kinds; an old report without the field finished none', () => {
    expect(finishedKinds(report(['users', 'widgets', '__proto__']))).toEqual(['users']);
    expect(finishedKinds(report(undefined))).toEqual([]);
    expect(remainingKinds(['users'], report(undefined))).toEqual(['users']);
  });
});
