import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;
let clusterId: string;

beforeAll(async () => {
  emu = await startEmulator({ clusterStartMs: 50 });
  w = api(emu.url);
  clusterId = (
    await w.post('/api/2.1/clusters/create', {
      cluster_name: 'shared',
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'Standard_DS3_v2',
      num_workers: 1,
    })
  ).json.cluster_id;
});
afterAll(() => emu.stop());

const task = (key: string, extra: Record<string, unknown> = {}) => ({
  task_key: key,
  notebook_task: { notebook_path: '/Shared/etl' },
  existing_cluster_id: clusterId,
  ...extra,
});

describe('jobs', () => {
  test('create and get: server defaults on read, pause_status, tags, run_as_user_name', async () => {
    const created = await w.post('/api/2.2/jobs/create', {
      name: 'nightly',
      tags: { team: 'data' },
      tasks: [task('b', { depends_on: [{ task_key: 'a' }] }), task('a')],
      job_clusters: [
        {
          job_cluster_key: 'jc',
          new_cluster: {
            spark_version: '15.4.x-scala2.12',
            node_type_id: 'Standard_DS3_v2',
            num_workers: 2,
            apply_policy_default_values: true,
          },
        },
      ],
      schedule: { quartz_cron_expression: '0 15 22 ? * *', timezone_id: 'UTC' },
    });
    expect(created.status).toBe(200);
    const jobId = created.json.job_id;
    expect(typeof jobId).toBe('number');
    expect(String(jobId)).toMatch(/^\d{16}$/);
    const job = (await w.get('/api/2.2/jobs/get', { job_id: jobId })).json;
    expect(job).toMatchObject({ job_id: jobId, creator_user_name: 'admin@example.com', run_as_user_name: 'admin@example.com' });
    expect(job.settings).toMatchObject({
      name: 'nightly',
      tags: { team: 'data' },
      format: 'MULTI_TASK',
      email_notifications: {},
      webhook_notifications: {},
      timeout_seconds: 0,
      max_concurrent_runs: 1,
      queue: { enabled: true },
      schedule: { quartz_cron_expression: '0 15 22 ? * *', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    });
    expect(job.settings.tasks[0]).toMatchObject({ task_key: 'b', run_if: 'ALL_SUCCESS', notebook_task: { source: 'WORKSPACE' } });
    expect(job.settings.job_clusters[0].new_cluster.apply_policy_default_values).toBeUndefined();
    expect(job.settings.job_clusters[0].new_cluster.azure_attributes).toEqual({
      availability: 'ON_DEMAND_AZURE',
      first_on_demand: 1,
      spot_bid_max_price: -1,
    });
    expect(job.settings.run_as).toBeUndefined();
    // 2.1 does not queue by default
    const legacy = await w.post('/api/2.1/jobs/create', { name: 'old', tasks: [task('a')] });
    expect((await w.get('/api/2.1/jobs/get', { job_id: legacy.json.job_id })).json.settings.queue).toBeUndefined();
  });

  test('names are not unique and nothing dedupes a repeated create', async () => {
    const body = { name: 'dup', tasks: [task('a')] };
    const a = await w.post('/api/2.2/jobs/create', body);
    const b = await w.post('/api/2.2/jobs/create', body);
    expect(a.json.job_id).not.toBe(b.json.job_id);
    const listed = await w.get('/api/2.2/jobs/list', { name: 'DUP' });
    expect(listed.json.jobs).toHaveLength(2);
  });

  test('a missing job is 400 INVALID_PARAMETER_VALUE with the real message', async () => {
    for (const v of ['2.1', '2.2']) {
      const r = await w.get(`/api/${v}/jobs/get`, { job_id: 123 });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 123 does not exist.' });
    }
    expect((await w.post('/api/2.2/jobs/delete', { job_id: 123 })).json.message).toBe('Job 123 does not exist.');
  });

  test('references are checked: existing cluster, job cluster key, pool, run_job_task', async () => {
    const badCluster = await w.post('/api/2.2/jobs/create', {
      name: 'x',
      tasks: [{ ...task('a'), existing_cluster_id: '0101-000000-missing1' }],
    });
    expect(badCluster.status).toBe(400);
    expect(badCluster.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Cluster 0101-000000-missing1 does not exist' });
    const badKey = await w.post('/api/2.2/jobs/create', {
      name: 'x',
      tasks: [{ task_key: 'a', job_cluster_key: 'nope', notebook_task: { notebook_path: '/x' } }],
    });
    expect(badKey.status).toBe(400);
    const badRun = await w.post('/api/2.2/jobs/create', { name: 'x', tasks: [{ task_key: 'a', run_job_task: { job_id: 42 } }] });
    expect(badRun.json.message).toBe('Job 42 does not exist.');
    const dupKey = await w.post('/api/2.2/jobs/create', { name: 'x', tasks: [task('a'), task('a')] });
    expect(dupKey.status).toBe(400);
  });

  test('list pages by token, newest first, limit 1..100; 2.2 has no root has_more', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await w.post('/api/2.2/jobs/create', { name: `page-${i}`, tasks: [task('a')] })).json.job_id);
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await w.get('/api/2.2/jobs/list', { limit: 3, ...(token ? { page_token: token } : {}) });
      expect(r.status).toBe(200);
      expect(r.json.has_more).toBeUndefined();
      seen.push(...(r.json.jobs ?? []).map((j: { job_id: number }) => j.job_id));
      token = r.json.next_page_token;
      pages += 1;
    } while (token);
    expect(pages).toBeGreaterThan(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(emu.workspace.jobs.records.size);
    // newest first
    expect(seen.indexOf(ids[6] as number)).toBeLessThan(seen.indexOf(ids[0] as number));
    const v21 = await w.get('/api/2.1/jobs/list', { limit: 2 });
    expect(v21.json.has_more).toBe(true);
    const tooMany = await w.get('/api/2.2/jobs/list', { limit: 101 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid limit 101 - it has to be no more than 100.' });
    const offset = await w.get('/api/2.1/jobs/list', { offset: 1025 });
    expect(offset.json.message).toBe(
      'The supplied offset 1025 has exceeded the value of 1000 allowed for this parameter.Please use the page_token parameter to paginate',
    );
    const brief = (await w.get('/api/2.2/jobs/list', { limit: 1 })).json.jobs[0];
    expect(brief.settings.tasks).toBeUndefined();
    const expanded = (await w.get('/api/2.2/jobs/list', { limit: 1, expand_tasks: true })).json.jobs[0];
    expect(expanded.settings.tasks).toHaveLength(1);
  });

  test('2.2 get pages arrays longer than 100; the last page has no next_page_token; 2.1 drops tasks', async () => {
    const tasks = Array.from({ length: 250 }, (_, i) => task(`t${String(i).padStart(3, '0')}`));
    const jobId = (await w.post('/api/2.2/jobs/create', { name: 'wide', tasks })).json.job_id;
    const collected: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await w.get('/api/2.2/jobs/get', { job_id: jobId, ...(token ? { page_token: token } : {}) });
      collected.push(...(r.json.settings.tasks ?? []).map((t: { task_key: string }) => t.task_key));
      token = r.json.next_page_token;
      if (token !== undefined) expect(token).not.toBe('');
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(collected).toEqual(tasks.map((t) => t.task_key));
    const v21 = (await w.get('/api/2.1/jobs/get', { job_id: jobId })).json;
    expect(v21.settings.tasks).toBeUndefined();
    const expanded = (await w.get('/api/2.2/jobs/list', { name: 'wide', expand_tasks: true })).json.jobs[0];
    expect(expanded.has_more).toBe(true);
    expect(expanded.settings.tasks).toHaveLength(100);
  });

  test('reset replaces everything except run_as; update merges tasks by key and removes fields', async () => {
    const sp = await w.post('/api/2.0/preview/scim/v2/ServicePrincipals', { displayName: 'runner' });
    const appId = sp.json.applicationId;
    const jobId = (
      await w.post('/api/2.2/jobs/create', {
        name: 'r',
        tasks: [task('a'), task('b')],
        run_as: { service_principal_name: appId },
        tags: { x: '1' },
      })
    ).json.job_id;
    let job = (await w.get('/api/2.2/jobs/get', { job_id: jobId })).json;
    expect(job.run_as_user_name).toBe(appId);
    expect(job.settings.run_as).toEqual({ service_principal_name: appId });
    await w.post('/api/2.2/jobs/reset', { job_id: jobId, new_settings: { name: 'r2', tasks: [task('c')] } });
    job = (await w.get('/api/2.2/jobs/get', { job_id: jobId })).json;
    expect(job.settings.name).toBe('r2');
    expect(job.settings.tags).toBeUndefined();
    expect(job.settings.tasks.map((t: { task_key: string }) => t.task_key)).toEqual(['c']);
    expect(job.settings.run_as).toEqual({ service_principal_name: appId });
    await w.post('/api/2.2/jobs/update', {
      job_id: jobId,
      new_settings: {
        tasks: [task('c', { max_retries: 3 }), task('d')],
        schedule: { quartz_cron_expression: '0 0 1 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      },
    });
    job = (await w.get('/api/2.2/jobs/get', { job_id: jobId })).json;
    expect(job.settings.tasks.map((t: { task_key: string; max_retries?: number }) => [t.task_key, t.max_retries])).toEqual([
      ['c', 3],
      ['d', undefined],
    ]);
    expect(job.settings.schedule.pause_status).toBe('PAUSED');
    await w.post('/api/2.2/jobs/update', { job_id: jobId, fields_to_remove: ['schedule', 'tasks/d'] });
    job = (await w.get('/api/2.2/jobs/get', { job_id: jobId })).json;
    expect(job.settings.schedule).toBeUndefined();
    expect(job.settings.tasks).toHaveLength(1);
  });

  test('continuous and trigger carry pause_status; only one of schedule/continuous/trigger', async () => {
    const c = await w.post('/api/2.2/jobs/create', { name: 'stream', tasks: [task('a')], continuous: {} });
    expect((await w.get('/api/2.2/jobs/get', { job_id: c.json.job_id })).json.settings.continuous).toEqual({ pause_status: 'UNPAUSED' });
    const t = await w.post('/api/2.2/jobs/create', {
      name: 'arrival',
      tasks: [task('a')],
      trigger: { pause_status: 'PAUSED', file_arrival: { url: 'abfss://c@a.dfs.core.windows.net/x/' } },
    });
    expect((await w.get('/api/2.2/jobs/get', { job_id: t.json.job_id })).json.settings.trigger.pause_status).toBe('PAUSED');
    const both = await w.post('/api/2.2/jobs/create', {
      name: 'x',
      tasks: [task('a')],
      continuous: {},
      schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' },
    });
    expect(both.status).toBe(400);
    const badPause = await w.post('/api/2.2/jobs/create', { name: 'x', tasks: [task('a')], continuous: { pause_status: 'STOPPED' } });
    expect(badPause.status).toBe(400);
  });

  test('access_control_list on create becomes the job permissions', async () => {
    const r = await w.post('/api/2.2/jobs/create', {
      name: 'acl',
      tasks: [task('a')],
      access_control_list: [{ group_name: 'users', permission_level: 'CAN_VIEW' }],
    });
    const perms = (await w.get(`/api/2.0/permissions/jobs/${r.json.job_id}`)).json;
    const levels = Object.fromEntries(
      perms.access_control_list.map(
        (e: { user_name?: string; group_name?: string; all_permissions: Array<{ permission_level: string }> }) => [
          e.user_name ?? e.group_name,
          e.all_permissions[0]?.permission_level,
        ],
      ),
    );
    expect(levels).toMatchObject({ 'admin@example.com': 'IS_OWNER', users: 'CAN_VIEW', admins: 'CAN_MANAGE' });
  });

  test('legacy 2.0 single-task bodies become a one-task job', async () => {
    const r = await w.post('/api/2.0/jobs/create', {
      name: 'legacy',
      existing_cluster_id: clusterId,
      notebook_task: { notebook_path: '/x' },
    });
    const job = (await w.get('/api/2.1/jobs/get', { job_id: r.json.job_id })).json;
    expect(job.settings.tasks).toHaveLength(1);
    expect(job.settings.tasks[0].existing_cluster_id).toBe(clusterId);
  });
});

describe('int64 ids beyond 2^53', () => {
  test('job and object ids above Number.MAX_SAFE_INTEGER are written and read back exactly', async () => {
    const big = await startEmulator({ int64Ids: 'beyond-2^53', seed: 9 });
    try {
      const b = api(big.url);
      const r = await b.post('/api/2.2/jobs/create', { name: 'big', tasks: [{ task_key: 'a', notebook_task: { notebook_path: '/x' } }] });
      expect(typeof r.json.job_id).toBe('bigint');
      expect(r.json.job_id > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      const got = await b.get('/api/2.2/jobs/get', { job_id: String(r.json.job_id) });
      expect(got.json.job_id).toBe(r.json.job_id);
      // The raw text carries the exact digits.
      expect(got.text).toContain(`"job_id":${r.json.job_id}`);
      const del = await b.post('/api/2.2/jobs/delete', { job_id: r.json.job_id });
      expect(del.status).toBe(200);
      const status = await b.get('/api/2.0/workspace/get-status', { path: '/Shared' });
      expect(typeof status.json.object_id).toBe('bigint');
    } finally {
      await big.stop();
    }
  });
});
