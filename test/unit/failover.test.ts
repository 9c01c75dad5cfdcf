import type { FailoverReport } from '../../shared/failover/failover.js';
import { mergeReports } from '../../shared/failover/failover.js';
import { mapStorage, parseMappings } from '../../shared/config/mappings.js';
import { parseFailoverRequest } from '../../shared/failover/message.js';
import { remapIds } from '../../shared/kinds/import/remap.js';
import { UnresolvedReference } from '../../shared/kinds/import/types.js';
import { jobs } from '../../shared/kinds/jobs.js';

describe('remapIds', () => {
  const ids: Record<string, string> = {
    'clusters:0101-1': '0202-9',
    'jobs:11': '9007199254740993',
    'jobs:12': '(new job nightly)',
    'instancePools:p1': 'p9',
  };
  const resolve = (kind: string, id: string, field: string): string => {
    const t = ids[`${kind}:${id}`];
    if (t === undefined) throw new UnresolvedReference(kind as never, id, field);
    return t;
  };

  test('rewrites every id reference of a job, keeping numbers numbers and leaving the input alone', () => {
    const doc = {
      settings: {
        tasks: [
          { task_key: 'a', existing_cluster_id: '0101-1' },
          { task_key: 'b', run_job_task: { job_id: 11 } },
          { task_key: 'c', new_cluster: { instance_pool_id: 'p1', spark_version: '15.4.x-scala2.12' } },
          { task_key: 'd', run_job_task: { job_id: 12 } },
        ],
      },
    };
    const out = remapIds(doc, jobs.references, resolve);
    expect(out.settings.tasks[0]?.existing_cluster_id).toBe('0202-9');
    // Beyond 2^53: a bigint, not a rounded number.
    expect(out.settings.tasks[1]?.run_job_task?.job_id).toBe(9007199254740993n);
    expect(out.settings.tasks[2]?.new_cluster?.instance_pool_id).toBe('p9');
    // A dry run's planned id is not a number: it stays text.
    expect(out.settings.tasks[3]?.run_job_task?.job_id).toBe('(new job nightly)');
    expect(doc.settings.tasks[0]?.existing_cluster_id).toBe('0101-1');
  });

  test('an id the target lacks names the field and the object', () => {
    expect(() => remapIds({ settings: { tasks: [{ existing_cluster_id: 'gone' }] } }, jobs.references, resolve)).toThrow(
      'settings.tasks[0].existing_cluster_id refers to clusters gone, which is not in the target workspace',
    );
  });
});

describe('mappings', () => {
  const m = parseMappings(JSON.stringify({ storageAccounts: { prodlake: 'drlake' } }));
  test('storage accounts are rewritten in URIs and Spark conf keys, not elsewhere', () => {
    expect(mapStorage('abfss://raw@prodlake.dfs.core.windows.net/x', m)).toBe('abfss://raw@drlake.dfs.core.windows.net/x');
    expect(mapStorage('wasbs://c@prodlake.blob.core.windows.net/', m)).toBe('wasbs://c@drlake.blob.core.windows.net/');
    expect(mapStorage('fs.azure.account.key.prodlake.dfs.core.windows.net', m)).toBe('fs.azure.account.key.drlake.dfs.core.windows.net');
    expect(mapStorage('abfss://raw@prodlake2.dfs.core.windows.net/', m)).toBe('abfss://raw@prodlake2.dfs.core.windows.net/');
    expect(mapStorage('prodlake is a name', m)).toBe('prodlake is a name');
  });
  test('empty mappings are the default', () => {
    expect(parseMappings(undefined)).toEqual({ nodeTypes: {}, storageAccounts: {}, keyVaults: {}, mounts: [] });
  });
});

describe('failover requests', () => {
  test('arrive as text, bytes or parsed JSON', () => {
    const body = { schema: 'databricks-dr/failover-request', version: 1, snapshot: 'latest', dryRun: true };
    for (const form of [body, JSON.stringify(body), Buffer.from(JSON.stringify(body))]) {
      expect(parseFailoverRequest(form)).toEqual({ ok: true, request: body });
    }
  });
  test('every problem is named', () => {
    const r = parseFailoverRequest({
      schema: 'databricks-dr/failover-request',
      version: 1,
      snapshot: 'yesterday',
      colour: 'red',
      runId: 'a b',
    });
    expect(r).toEqual({
      ok: false,
      reason: 'InvalidMessage',
      description:
        'The failover request is invalid: unknown field(s) colour ' +
        '(known: schema, version, runId, snapshot, source, target, dryRun, kinds, ' +
        'conflictPolicy, reason, requestedBy, mode, continuation); ' +
        '"runId" must be up to 128 letters, digits, dots, dashes, colons or underscores; ' +
        '"snapshot" must be "latest" or a snapshot id such as 20261126T170512.123Z-3f9a.',
    });
    expect(parseFailoverRequest([1, 2])).toMatchObject({
      ok: false,
      reason: 'InvalidMessage',
      description: 'The message body must be a JSON object, not an array.',
    });
  });
});

describe('reports of a run in several parts', () => {
  const report = (items: FailoverReport['items'], durationMs: number): FailoverReport => ({
    schema: 'databricks-dr/failover-report',
    version: 1,
    runId: 'r',
    snapshotId: 's',
    source: { key: 'a', host: 'https://a' },
    target: { key: 'b', host: 'https://b', profile: 'secondary' },
    dryRun: false,
    status: 'succeeded',
    startedAt: `2026-11-26T00:00:0${durationMs / 1000}Z`,
    completedAt: '2026-11-26T00:00:09Z',
    durationMs,
    counts: {},
    byKind: {},
    items,
    needsHuman: [],
    stats: { requests: 10, retries: 1, throttled: 0 },
  });
  test('keep what earlier parts did and add up', () => {
    const merged = mergeReports(
      report(
        [
          { kind: 'notebooks', key: '/a', action: 'create' },
          { kind: 'notebooks', key: '/b', action: 'failed', note: 'timeout' },
        ],
        1000,
      ),
      report(
        [
          { kind: 'notebooks', key: '/a', action: 'unchanged' },
          { kind: 'notebooks', key: '/b', action: 'create' },
          { kind: 'jobs', key: '1', action: 'create' },
        ],
        2000,
      ),
    );
    expect(merged.items.map((i) => `${i.key} ${i.action}`)).toEqual(['/a create', '/b create', '1 create']);
    expect(merged.counts).toEqual({ create: 3 });
    expect(merged.durationMs).toBe(3000);
    expect(merged.stats).toEqual({ requests: 20, retries: 2, throttled: 0 });
    expect(merged.startedAt).toBe('2026-11-26T00:00:01Z');
  });
});
