import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api } from '../support/http.js';
import { pollUntil } from '../support/poll.js';

// Clusters 2.0/2.1 and Libraries 2.0 (databricks-api.md §2, §4; compute-jobs-iam.md §1, §9).

let emu: EmulatorHandle;
let w: Api;
let adminId: string;

const ADMIN = 'admin@example.com';
const START_MS = 300;
const STOP_MS = 200;
const CLUSTER_ID = /^\d{4}-\d{6}-[a-z0-9]{8}$/;

beforeAll(async () => {
  emu = await startEmulator({ clusterStartMs: START_MS, clusterStopMs: STOP_MS });
  w = api(emu.url);
  adminId = emu.workspace.principals.userByName(ADMIN)?.id ?? '';
});
afterAll(() => emu.stop());

const SPEC = {
  cluster_name: 'etl',
  spark_version: '15.4.x-scala2.12',
  node_type_id: 'Standard_DS3_v2',
  num_workers: 2,
  autotermination_minutes: 60,
  spark_conf: { 'spark.databricks.delta.preview.enabled': 'true' },
  custom_tags: { team: 'data' },
};

async function create(body: Record<string, unknown> = SPEC, version = '2.1'): Promise<string> {
  const r = await w.post(`/api/${version}/clusters/create`, body);
  expect(r.status).toBe(200);
  return r.json.cluster_id as string;
}

async function get(id: string): Promise<any> {
  const r = await w.get('/api/2.1/clusters/get', { cluster_id: id });
  expect(r.status).toBe(200);
  return r.json;
}

const waitFor = (id: string, state: string): Promise<any> =>
  pollUntil(
    () => get(id),
    (c) => c.state === state,
  );

async function running(body: Record<string, unknown> = SPEC): Promise<string> {
  const id = await create(body);
  await waitFor(id, 'RUNNING');
  return id;
}

async function terminated(body: Record<string, unknown> = SPEC): Promise<string> {
  const id = await create(body);
  expect((await w.post('/api/2.1/clusters/delete', { cluster_id: id })).status).toBe(200);
  await waitFor(id, 'TERMINATED');
  return id;
}

/** A cluster the UI or a job created, which REST create cannot produce. */
function seed(source: 'UI' | 'JOB', name: string, state: 'RUNNING' | 'TERMINATED' = 'TERMINATED'): string {
  return emu.workspace.clusters.create({ ...SPEC, cluster_name: name }, emu.workspace.creatorOf(ADMIN), { source, state }).clusterId;
}

async function listAll(query: Record<string, string | number | boolean | string[]> = {}): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = await w.get('/api/2.1/clusters/list', { ...query, ...(token ? { page_token: token } : {}) });
    expect(r.status).toBe(200);
    out.push(...(r.json.clusters ?? []));
    token = r.json.next_page_token;
    if (!token) return out;
  }
  throw new Error('clusters/list did not end');
}

describe('create and get', () => {
  test('create answers an id at once; the cluster is PENDING, then RUNNING after clusterStartMs', async () => {
    const before = Date.now();
    const r = await w.post('/api/2.1/clusters/create', SPEC);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['cluster_id']);
    const id = r.json.cluster_id as string;
    expect(id).toMatch(CLUSTER_ID);
    const d = new Date(before);
    const stamp = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}-`;
    expect(id.startsWith(stamp)).toBe(true);

    const pending = await get(id);
    expect(pending.state).toBe('PENDING');
    expect(pending.state_message).toBe('Finding instances for new nodes, acquiring more instances if necessary');
    expect(pending.cluster_source).toBe('API');
    expect(pending.creator_user_name).toBe(ADMIN);
    expect(pending.cluster_memory_mb).toBe(0);
    expect(pending.driver).toBeUndefined();
    expect(pending.spark_context_id).toBeUndefined();

    const up = await waitFor(id, 'RUNNING');
    expect(Date.now() - before).toBeGreaterThanOrEqual(START_MS);
    expect(up.state_message).toBe('');
    expect(typeof up.spark_context_id).toBe('bigint');
    expect(up.spark_context_id).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    expect(up.start_time).toBeGreaterThanOrEqual(before - 1000);
  });

  test('get reports server fill-ins and read-only fields; spec holds only what the user sent', async () => {
    const id = await running();
    const c = await get(id);
    expect(c).toMatchObject({
      cluster_id: id,
      cluster_name: 'etl',
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'Standard_DS3_v2',
      driver_node_type_id: 'Standard_DS3_v2',
      num_workers: 2,
      autotermination_minutes: 60,
      enable_elastic_disk: true,
      azure_attributes: { availability: 'ON_DEMAND_AZURE', first_on_demand: 1, spot_bid_max_price: -1 },
      disk_spec: {},
      init_scripts_safe_mode: false,
      jdbc_port: 10000,
      cluster_source: 'API',
      creator_user_name: ADMIN,
      state: 'RUNNING',
      spark_conf: SPEC.spark_conf,
      custom_tags: SPEC.custom_tags,
    });
    expect(c.default_tags).toEqual({ Vendor: 'Databricks', Creator: ADMIN, ClusterName: 'etl', ClusterId: id });
    // One driver plus two workers of a 4-core, 14 GB node.
    expect(c.cluster_cores).toBe(12);
    expect(c.cluster_memory_mb).toBe(3 * 14336);
    expect(c.driver).toEqual(
      expect.objectContaining({ private_ip: expect.any(String), node_id: expect.any(String), instance_id: expect.any(String) }),
    );
    expect(c.executors).toHaveLength(2);
    expect(c.pinned_by_user_name).toBeUndefined();
    expect(c.termination_reason).toBeUndefined();
    expect(c.spec).toEqual(SPEC);
  });

  test('apply_policy_default_values reads back only under spec; SINGLE_USER gets the caller filled in', async () => {
    const policies = (await w.get('/api/2.0/policies/clusters/list')).json.policies as Array<{ name: string; policy_id: string }>;
    const personal = policies.find((p) => p.name === 'Personal Compute')?.policy_id;
    expect(personal).toBeDefined();
    const body = { ...SPEC, policy_id: personal, apply_policy_default_values: true, data_security_mode: 'SINGLE_USER' };
    const c = await get(await create(body));
    expect(c.policy_id).toBe(personal);
    expect(c.apply_policy_default_values).toBeUndefined();
    expect(c.spec.apply_policy_default_values).toBe(true);
    expect(c.single_user_name).toBe(ADMIN);
    expect(c.data_security_mode).toBe('SINGLE_USER');
  });

  test('a pool-backed cluster takes its node type from the pool, reads it back, and refuses one in the spec', async () => {
    const pool = await w.post('/api/2.0/instance-pools/create', { instance_pool_name: 'cluster-pool', node_type_id: 'Standard_DS4_v2' });
    expect(pool.status).toBe(200);
    const poolId = pool.json.instance_pool_id as string;
    const body = { cluster_name: 'pooled', spark_version: '15.4.x-scala2.12', num_workers: 1, instance_pool_id: poolId };
    const id = await create(body);
    const c = await waitFor(id, 'RUNNING');
    expect(c).toMatchObject({ instance_pool_id: poolId, node_type_id: 'Standard_DS4_v2', driver_node_type_id: 'Standard_DS4_v2' });
    expect(c.spec).toEqual(body);
    expect(c.cluster_cores).toBe(2 * 8);
    expect(c.default_tags.DatabricksInstancePoolId).toBe(poolId);
    expect(c.default_tags.DatabricksInstancePoolCreatorId).toBe(adminId);
    expect(c.azure_attributes).toBeUndefined();

    // Replaying get's top level instead of `spec` is the trap (TF#893, TF#3533).
    const replay = await w.post('/api/2.1/clusters/create', { ...body, node_type_id: c.node_type_id });
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "The field 'node_type_id' cannot be supplied when an instance pool ID is provided.",
    });
  });

  test('2.0 and 2.1 paths create and read the same clusters', async () => {
    const id = await create({ ...SPEC, cluster_name: 'via-2.0' }, '2.0');
    const r = await w.get('/api/2.0/clusters/get', { cluster_id: id });
    expect(r.status).toBe(200);
    expect(r.json.cluster_name).toBe('via-2.0');
    expect((await get(id)).cluster_id).toBe(id);
  });

  test.each([
    'state',
    'cluster_source',
    'spark_context_id',
    'default_tags',
    'creator_user_name',
    'start_time',
    'spec',
    'pinned_by_user_name',
  ])('create with read-only field %s is refused naming the field', async (field) => {
    const r = await w.post('/api/2.1/clusters/create', { ...SPEC, [field]: field === 'default_tags' || field === 'spec' ? {} : 'RUNNING' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `Field '${field}' is read-only and cannot be set in a create request. Remove it from the request.`,
    });
  });

  test('edit with a read-only field is refused naming the field', async () => {
    const id = await terminated();
    const r = await w.post('/api/2.1/clusters/edit', { ...SPEC, cluster_id: id, cluster_source: 'UI' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Field 'cluster_source' is read-only and cannot be set in an edit request. Remove it from the request.",
    });
    expect((await get(id)).spec).toEqual(SPEC);
  });

  test('bad specs are refused with 400 INVALID_PARAMETER_VALUE', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...SPEC, spark_version: undefined }, "Missing required field 'spark_version'"],
      [{ ...SPEC, node_type_id: undefined }, "Missing required field 'node_type_id'"],
      [{ ...SPEC, spark_version: 'fifteen' }, 'Invalid spark version fifteen.'],
      [
        { ...SPEC, node_type_id: 'Standard_Nope' },
        'Node type Standard_Nope is not supported. Use list-node-types to see the supported node types.',
      ],
      [
        { ...SPEC, driver_node_type_id: 'Standard_Nope' },
        'Node type Standard_Nope is not supported. Use list-node-types to see the supported node types.',
      ],
      [
        { ...SPEC, instance_pool_id: '0101-000000-nope00-pool-abcdefgh' },
        "Can't find an instance pool with id: 0101-000000-nope00-pool-abcdefgh.",
      ],
      [{ ...SPEC, policy_id: 'ABCDEF0123456789' }, 'Cluster policy ABCDEF0123456789 does not exist'],
      [{ ...SPEC, autoscale: { min_workers: 1, max_workers: 4 } }, 'Exactly one of num_workers or autoscale must be specified.'],
      [
        { ...SPEC, num_workers: undefined, autoscale: { min_workers: 4, max_workers: 4 } },
        'Invalid autoscale: max_workers (4) must be greater than min_workers (4).',
      ],
      [{ ...SPEC, autotermination_minutes: 5 }, 'Autotermination minutes must be 0 or between 10 and 10000.'],
    ];
    for (const [body, message] of cases) {
      const r = await w.post('/api/2.1/clusters/create', body);
      expect({ status: r.status, body: r.json }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } });
    }
  });
});

describe('list', () => {
  test('2.0 returns every cluster in one response without spec; 2.1 pages with tokens and finds the same set', async () => {
    for (let i = 0; i < 3; i++) await create({ ...SPEC, cluster_name: `page-${i}` });
    // Offsets only hold still while no cluster changes state (the order is by state).
    const settled = ['RUNNING', 'TERMINATED'];
    await pollUntil(
      async () => (await w.get('/api/2.0/clusters/list')).json.clusters as any[],
      (cs) => cs.every((c) => settled.includes(c.state)),
    );
    const v20 = await w.get('/api/2.0/clusters/list');
    expect(v20.status).toBe(200);
    expect(v20.json.next_page_token).toBeUndefined();
    const all = v20.json.clusters as any[];
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const c of all) {
      expect(c.spec).toBeUndefined();
      expect(c.cluster_id).toMatch(CLUSTER_ID);
    }
    expect(all.find((c) => c.cluster_name === 'page-0')).toMatchObject({
      cluster_source: 'API',
      state: expect.any(String),
      default_tags: expect.any(Object),
    });

    const first = await w.get('/api/2.1/clusters/list', { page_size: 2 });
    expect(first.json.clusters).toHaveLength(2);
    expect(first.json.prev_page_token).toBeUndefined();
    expect(typeof first.json.next_page_token).toBe('string');
    const second = await w.get('/api/2.1/clusters/list', { page_size: 2, page_token: first.json.next_page_token });
    expect(second.json.clusters).toHaveLength(2);
    expect(typeof second.json.prev_page_token).toBe('string');
    const back = await w.get('/api/2.1/clusters/list', { page_size: 2, page_token: second.json.prev_page_token });
    expect(back.json.clusters.map((c: any) => c.cluster_id)).toEqual(first.json.clusters.map((c: any) => c.cluster_id));

    const paged = await listAll({ page_size: 2 });
    expect(paged.map((c) => c.cluster_id).sort()).toEqual(all.map((c) => c.cluster_id).sort());
    expect(new Set(paged.map((c) => c.cluster_id)).size).toBe(paged.length);
    const last = await w.get('/api/2.1/clusters/list', { page_size: 100 });
    expect(last.json.next_page_token).toBeUndefined();
  });

  test('page_size outside 1..100 is refused', async () => {
    for (const size of [0, 101]) {
      const r = await w.get('/api/2.1/clusters/list', { page_size: size });
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
  });

  test('filter_by.cluster_sources takes repeated keys; UI and API clusters without JOB ones', async () => {
    const ui = seed('UI', 'from-ui');
    const job = seed('JOB', 'from-job');
    const api20 = (await w.get('/api/2.0/clusters/list')).json.clusters.map((c: any) => c.cluster_id);
    expect(api20).toEqual(expect.arrayContaining([ui, job]));

    const both = await listAll({ 'filter_by.cluster_sources': ['UI', 'API'] });
    const ids = both.map((c) => c.cluster_id);
    expect(ids).toContain(ui);
    expect(ids).not.toContain(job);
    expect(new Set(both.map((c) => c.cluster_source))).toEqual(new Set(['UI', 'API']));

    const onlyUi = await listAll({ 'filter_by.cluster_sources': 'UI' });
    expect(onlyUi.map((c) => c.cluster_id)).toEqual([ui]);
    const onlyJob = await listAll({ 'filter_by.cluster_sources': 'JOB' });
    expect(onlyJob.map((c) => c.cluster_id)).toEqual([job]);
  });

  test('filter_by.is_pinned and filter_by.cluster_states', async () => {
    const pinned = await terminated({ ...SPEC, cluster_name: 'pinned-one' });
    expect((await w.post('/api/2.1/clusters/pin', { cluster_id: pinned })).status).toBe(200);
    const onlyPinned = await listAll({ 'filter_by.is_pinned': true });
    expect(onlyPinned.map((c) => c.cluster_id)).toEqual([pinned]);
    expect(onlyPinned[0].pinned_by_user_name).toBe(adminId);
    const unpinned = await listAll({ 'filter_by.is_pinned': false });
    expect(unpinned.length).toBeGreaterThan(0);
    expect(unpinned.map((c) => c.cluster_id)).not.toContain(pinned);

    const term = await listAll({ 'filter_by.cluster_states': 'TERMINATED' });
    expect(term.map((c) => c.cluster_id)).toContain(pinned);
    expect(term.every((c) => c.state === 'TERMINATED')).toBe(true);
    await w.post('/api/2.1/clusters/unpin', { cluster_id: pinned });
  });

  test('sort_by CLUSTER_NAME in both directions; bad sort values are refused', async () => {
    const asc = (await listAll({ 'sort_by.field': 'CLUSTER_NAME', 'sort_by.direction': 'ASC' })).map((c) => String(c.cluster_name));
    expect(asc).toEqual([...asc].sort((a, b) => a.localeCompare(b)));
    const desc = (await listAll({ 'sort_by.field': 'CLUSTER_NAME', 'sort_by.direction': 'DESC' })).map((c) => String(c.cluster_name));
    expect(desc).toEqual([...asc].reverse());
    expect((await w.get('/api/2.1/clusters/list', { 'sort_by.field': 'AGE' })).status).toBe(400);
    expect((await w.get('/api/2.1/clusters/list', { 'sort_by.direction': 'UP' })).status).toBe(400);
  });
});

describe('lifecycle', () => {
  test('start on a RUNNING or PENDING cluster is 400 INVALID_STATE', async () => {
    const id = await create();
    const pending = await w.post('/api/2.1/clusters/start', { cluster_id: id });
    expect(pending.status).toBe(400);
    expect(pending.json).toEqual({ error_code: 'INVALID_STATE', message: `Cluster ${id} is in unexpected state Pending.` });
    await waitFor(id, 'RUNNING');
    const r = await w.post('/api/2.1/clusters/start', { cluster_id: id });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'INVALID_STATE', message: `Cluster ${id} is in unexpected state Running.` });
  });

  test('edit: PENDING is refused; RUNNING restarts with the new spec replacing the old one', async () => {
    const id = await create();
    const early = await w.post('/api/2.1/clusters/edit', { ...SPEC, cluster_id: id, num_workers: 3 });
    expect(early.status).toBe(400);
    expect(early.json).toEqual({ error_code: 'INVALID_STATE', message: `Cluster ${id} is in unexpected state Pending.` });
    const before = await waitFor(id, 'RUNNING');

    const edited = { cluster_name: 'etl-v2', spark_version: '16.4.x-scala2.12', node_type_id: 'Standard_DS4_v2', num_workers: 1 };
    const r = await w.post('/api/2.1/clusters/edit', { ...edited, cluster_id: id });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    const restarting = await get(id);
    expect(restarting.state).toBe('RESTARTING');
    expect(restarting.spec).toEqual(edited);
    expect(restarting.custom_tags).toBeUndefined();
    const after = await waitFor(id, 'RUNNING');
    expect(after).toMatchObject({ cluster_name: 'etl-v2', node_type_id: 'Standard_DS4_v2', num_workers: 1, cluster_cores: 16 });
    expect(after.default_tags.ClusterName).toBe('etl-v2');
    expect(after.spark_context_id).not.toBe(before.spark_context_id);
  });

  test('edit of a TERMINATED cluster keeps it TERMINATED', async () => {
    const id = await terminated();
    const r = await w.post('/api/2.1/clusters/edit', { ...SPEC, cluster_id: id, num_workers: 5 });
    expect(r.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, START_MS + 50));
    const c = await get(id);
    expect(c.state).toBe('TERMINATED');
    expect(c.num_workers).toBe(5);
    expect(c.spec.num_workers).toBe(5);
  });

  test('delete terminates: TERMINATING, then TERMINATED with USER_REQUEST; a second delete is a no-op', async () => {
    const id = await running();
    const r = await w.post('/api/2.1/clusters/delete', { cluster_id: id });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect((await get(id)).state).toBe('TERMINATING');
    const c = await waitFor(id, 'TERMINATED');
    expect(c.state_message).toBe(`Termination requested by ${ADMIN}`);
    expect(c.termination_reason).toEqual({ code: 'USER_REQUEST', type: 'SUCCESS', parameters: { username: ADMIN } });
    expect(typeof c.terminated_time).toBe('number');
    expect(c.terminated_time).toBeGreaterThanOrEqual(c.start_time);
    expect(c.cluster_memory_mb).toBe(0);
    expect(c.cluster_cores).toBe(0);
    expect(c.driver).toBeUndefined();
    expect(c.executors).toBeUndefined();
    expect((await w.post('/api/2.1/clusters/delete', { cluster_id: id })).status).toBe(200);
    expect((await get(id)).state).toBe('TERMINATED');
  });

  test('start of a TERMINATED cluster goes PENDING then RUNNING and clears the termination', async () => {
    const id = await terminated();
    expect((await w.post('/api/2.1/clusters/start', { cluster_id: id })).status).toBe(200);
    const pending = await get(id);
    expect(pending.state).toBe('PENDING');
    expect(pending.termination_reason).toBeUndefined();
    expect(pending.terminated_time).toBeUndefined();
    await waitFor(id, 'RUNNING');
  });

  test('restart and resize only when RUNNING', async () => {
    const id = await terminated();
    const restart = await w.post('/api/2.1/clusters/restart', { cluster_id: id });
    expect(restart.status).toBe(400);
    expect(restart.json).toEqual({ error_code: 'INVALID_STATE', message: `Cluster ${id} is in unexpected state Terminated.` });
    const resize = await w.post('/api/2.1/clusters/resize', { cluster_id: id, num_workers: 4 });
    expect(resize.status).toBe(400);
    expect(resize.json.error_code).toBe('INVALID_STATE');

    await w.post('/api/2.1/clusters/start', { cluster_id: id });
    await waitFor(id, 'RUNNING');
    expect((await w.post('/api/2.1/clusters/resize', { cluster_id: id, autoscale: { min_workers: 1, max_workers: 3 } })).status).toBe(200);
    const resized = await get(id);
    expect(resized.autoscale).toEqual({ min_workers: 1, max_workers: 3 });
    expect(resized.num_workers).toBeUndefined();
    expect((await w.post('/api/2.1/clusters/restart', { cluster_id: id })).status).toBe(200);
    const restarting = await get(id);
    expect(restarting.state).toBe('RESTARTING');
    expect(typeof restarting.last_restarted_time).toBe('number');
    await waitFor(id, 'RUNNING');
  });

  test('a JOB cluster cannot be edited', async () => {
    const id = seed('JOB', 'job-run-cluster');
    const r = await w.post('/api/2.1/clusters/edit', { ...SPEC, cluster_id: id });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `Cannot edit cluster ${id} created by JobLauncher` });
  });
});

describe('pin, unpin and permanent delete', () => {
  test('pin sets pinned_by_user_name to the pinning user id; unpin removes it; both are idempotent', async () => {
    const id = await terminated();
    for (let i = 0; i < 2; i++) expect((await w.post('/api/2.1/clusters/pin', { cluster_id: id })).status).toBe(200);
    const pinned = await get(id);
    expect(pinned.pinned_by_user_name).toBe(adminId);
    expect(pinned.pinned_by_user_name).toMatch(/^\d+$/);
    for (let i = 0; i < 2; i++) expect((await w.post('/api/2.1/clusters/unpin', { cluster_id: id })).status).toBe(200);
    expect((await get(id)).pinned_by_user_name).toBeUndefined();
  });

  test('permanent-delete refuses a pinned cluster, then removes it for good once unpinned', async () => {
    const id = await running();
    await w.post('/api/2.1/clusters/pin', { cluster_id: id });
    const refused = await w.post('/api/2.1/clusters/permanent-delete', { cluster_id: id });
    expect(refused.status).toBe(400);
    expect(refused.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(refused.json.message).toContain('unpin the cluster first');
    expect((await get(id)).state).toBe('RUNNING');

    await w.post('/api/2.1/clusters/unpin', { cluster_id: id });
    const r = await w.post('/api/2.1/clusters/permanent-delete', { cluster_id: id });
    expect(r.status).toBe(200);
    const gone = await w.get('/api/2.1/clusters/get', { cluster_id: id });
    expect(gone.status).toBe(400);
    expect(gone.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `Cluster ${id} does not exist` });
    expect((await listAll()).map((c) => c.cluster_id)).not.toContain(id);
    expect(((await w.get('/api/2.0/clusters/list')).json.clusters as any[]).map((c) => c.cluster_id)).not.toContain(id);
  });

  test('a cluster terminated more than 30 days ago is gone unless pinned', async () => {
    const longAgo = Date.now() - 31 * 24 * 60 * 60 * 1000;
    const creator = emu.workspace.creatorOf(ADMIN);
    const old = emu.workspace.clusters.create({ ...SPEC, cluster_name: 'old' }, creator, {
      source: 'UI',
      state: 'TERMINATED',
      terminatedTime: longAgo,
    });
    const kept = emu.workspace.clusters.create({ ...SPEC, cluster_name: 'old-pinned' }, creator, {
      source: 'UI',
      state: 'TERMINATED',
      terminatedTime: longAgo,
      pinnedBy: adminId,
    });
    const r = await w.get('/api/2.1/clusters/get', { cluster_id: old.clusterId });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error_code: 'INVALID_STATE',
      message: `Cannot access cluster ${old.clusterId} that was terminated or unpinned more than 30 days ago.`,
    });
    const ids = (await listAll()).map((c) => c.cluster_id);
    expect(ids).not.toContain(old.clusterId);
    expect(ids).toContain(kept.clusterId);
    expect((await get(kept.clusterId)).terminated_time).toBe(longAgo);
  });
});

describe('unknown cluster ids', () => {
  const missing = '0101-000000-nonexist';
  const expected = { error_code: 'INVALID_PARAMETER_VALUE', message: `Cluster ${missing} does not exist` };

  test.each([
    ['GET', '/api/2.1/clusters/get'],
    ['GET', '/api/2.0/clusters/get'],
    ['POST', '/api/2.1/clusters/start'],
    ['POST', '/api/2.1/clusters/restart'],
    ['POST', '/api/2.1/clusters/delete'],
    ['POST', '/api/2.1/clusters/permanent-delete'],
    ['POST', '/api/2.1/clusters/pin'],
    ['POST', '/api/2.1/clusters/unpin'],
    ['GET', '/api/2.0/libraries/cluster-status'],
  ])('%s %s answers 400 "Cluster <id> does not exist"', async (method, path) => {
    const r = method === 'GET' ? await w.get(path, { cluster_id: missing }) : await w.post(path, { cluster_id: missing });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(expected);
  });

  test('edit and libraries/install of an unknown id too', async () => {
    const edit = await w.post('/api/2.1/clusters/edit', { ...SPEC, cluster_id: missing });
    expect({ status: edit.status, body: edit.json }).toEqual({ status: 400, body: expected });
    const install = await w.post('/api/2.0/libraries/install', { cluster_id: missing, libraries: [{ pypi: { package: 'x' } }] });
    expect({ status: install.status, body: install.json }).toEqual({ status: 400, body: expected });
  });

  test('a missing cluster_id is a bad request', async () => {
    const r = await w.get('/api/2.1/clusters/get');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Missing required field: cluster_id' });
  });
});

describe('catalog', () => {
  test('list-node-types: Azure node types with the SDK NodeType fields', async () => {
    for (const version of ['2.0', '2.1']) {
      const r = await w.get(`/api/${version}/clusters/list-node-types`);
      expect(r.status).toBe(200);
      const types = r.json.node_types as any[];
      expect(types.length).toBeGreaterThan(5);
      for (const t of types) {
        expect(t).toMatchObject({
          node_type_id: expect.stringMatching(/^Standard_/),
          instance_type_id: t.node_type_id,
          memory_mb: expect.any(Number),
          num_cores: expect.any(Number),
          num_gpus: expect.any(Number),
          description: expect.any(String),
          category: expect.any(String),
          is_deprecated: false,
          is_hidden: false,
          photon_worker_capable: expect.any(Boolean),
          photon_driver_capable: expect.any(Boolean),
          node_instance_type: { instance_type_id: t.node_type_id, local_disks: expect.any(Number), local_disk_size_gb: expect.any(Number) },
        });
      }
      expect(types.find((t) => t.node_type_id === 'Standard_DS3_v2')).toMatchObject({ memory_mb: 14336, num_cores: 4 });
      expect(types.find((t) => t.node_type_id === 'Standard_F4s')).toMatchObject({
        memory_mb: 8192,
        num_cores: 4,
        node_instance_type: { local_disks: 1, local_disk_size_gb: 16 },
      });
    }
  });

  test('spark-versions: {versions: [{key, name}]} with well-formed keys that create accepts', async () => {
    const r = await w.get('/api/2.1/clusters/spark-versions');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['versions']);
    const versions = r.json.versions as Array<{ key: string; name: string }>;
    expect(versions).toContainEqual({ key: '16.4.x-scala2.12', name: '16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)' });
    expect(versions).toContainEqual({ key: '14.3.x-cpu-ml-scala2.12', name: '14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)' });
    for (const v of versions) {
      expect(Object.keys(v).sort()).toEqual(['key', 'name']);
      expect(v.key).toMatch(/^\d+\.\d+\.x-[a-z0-9-]*scala\d+\.\d+$/);
    }
    expect((await w.get('/api/2.0/clusters/spark-versions')).json).toEqual(r.json);
    const key = versions[versions.length - 1]?.key as string;
    expect((await w.post('/api/2.1/clusters/create', { ...SPEC, spark_version: key })).status).toBe(200);
  });
});

describe('libraries', () => {
  const PYPI = { pypi: { package: 'plotly==4.8.2', repo: 'https://pypi.example.com/simple' } };
  const MAVEN = { maven: { coordinates: 'com.databricks:spark-xml_2.12:0.16.0', exclusions: ['org.slf4j:slf4j-api'] } };
  const JAR = { jar: 'dbfs:/FileStore/jars/etl.jar' };
  const WHL = { whl: '/Workspace/Shared/libs/etl-1.0-py3-none-any.whl' };

  const status = async (id: string): Promise<any> => {
    const r = await w.get('/api/2.0/libraries/cluster-status', { cluster_id: id });
    expect(r.status).toBe(200);
    return r.json;
  };

  test('a cluster without libraries reports only its id', async () => {
    const id = await create();
    expect(await status(id)).toEqual({ cluster_id: id });
  });

  test('install on a RUNNING cluster: statuses in install order; duplicates are not added twice', async () => {
    const id = await running();
    const r = await w.post('/api/2.0/libraries/install', { cluster_id: id, libraries: [PYPI, MAVEN, JAR] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    await w.post('/api/2.0/libraries/install', { cluster_id: id, libraries: [JAR, WHL] });
    const s = await status(id);
    expect(s.cluster_id).toBe(id);
    expect(s.library_statuses).toEqual(
      [PYPI, MAVEN, JAR, WHL].map((library) => ({ library, status: 'INSTALLED', is_library_for_all_clusters: false })),
    );
  });

  test('install on a TERMINATED cluster stays PENDING until the cluster runs, then INSTALLED', async () => {
    const id = await terminated();
    expect((await w.post('/api/2.0/libraries/install', { cluster_id: id, libraries: [PYPI] })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, START_MS + 50));
    expect((await status(id)).library_statuses).toEqual([{ library: PYPI, status: 'PENDING', is_library_for_all_clusters: false }]);
    await w.post('/api/2.1/clusters/start', { cluster_id: id });
    expect((await status(id)).library_statuses[0].status).toBe('PENDING');
    await waitFor(id, 'RUNNING');
    expect((await status(id)).library_statuses).toEqual([{ library: PYPI, status: 'INSTALLED', is_library_for_all_clusters: false }]);
  });

  test('uninstall marks UNINSTALL_ON_RESTART (listed last) and the library is gone after a restart', async () => {
    const id = await running();
    await w.post('/api/2.0/libraries/install', { cluster_id: id, libraries: [PYPI, MAVEN, JAR] });
    const r = await w.post('/api/2.0/libraries/uninstall', { cluster_id: id, libraries: [PYPI, { jar: 'dbfs:/never/installed.jar' }] });
    expect(r.status).toBe(200);
    expect((await status(id)).library_statuses.map((s: any) => [s.library, s.status])).toEqual([
      [MAVEN, 'INSTALLED'],
      [JAR, 'INSTALLED'],
      [PYPI, 'UNINSTALL_ON_RESTART'],
    ]);
    await w.post('/api/2.1/clusters/restart', { cluster_id: id });
    await waitFor(id, 'RUNNING');
    expect((await status(id)).library_statuses.map((s: any) => [s.library, s.status])).toEqual([
      [MAVEN, 'INSTALLED'],
      [JAR, 'INSTALLED'],
    ]);
  });

  test('all-cluster-statuses lists every cluster that has libraries, and only those', async () => {
    const withLibs = await terminated();
    const without = await terminated();
    await w.post('/api/2.0/libraries/install', { cluster_id: withLibs, libraries: [WHL] });
    const r = await w.get('/api/2.0/libraries/all-cluster-statuses');
    expect(r.status).toBe(200);
    const statuses = r.json.statuses as Array<{ cluster_id: string; library_statuses: unknown[] }>;
    expect(statuses.find((s) => s.cluster_id === withLibs)).toEqual({
      cluster_id: withLibs,
      library_statuses: [{ library: WHL, status: 'PENDING', is_library_for_all_clusters: false }],
    });
    expect(statuses.map((s) => s.cluster_id)).not.toContain(without);
    for (const s of statuses) expect(s.library_statuses.length).toBeGreaterThan(0);
  });

  test('invalid libraries are refused with 400 INVALID_PARAMETER_VALUE', async () => {
    const id = await terminated();
    const bad: unknown[] = [
      undefined,
      [],
      [{}],
      [{ jar: 'a.jar', whl: 'b.whl' }],
      [{ pypi: {} }],
      [{ maven: { coordinates: '' } }],
      [{ cran: { repo: 'https://cran.example.com' } }],
      [{ jar: '' }],
      ['plotly'],
    ];
    for (const libraries of bad) {
      const r = await w.post('/api/2.0/libraries/install', { cluster_id: id, ...(libraries === undefined ? {} : { libraries }) });
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(await status(id)).toEqual({ cluster_id: id });
  });
});
