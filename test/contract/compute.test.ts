import { setTimeout as sleep } from 'node:timers/promises';

import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api } from '../support/http.js';

// Instance pools, cluster policies and policy families (databricks-api.md §8; compute-jobs-iam.md §5, §6).

let emu: EmulatorHandle;
let w: Api;
let adminId: string;

const ADMIN = 'admin@example.com';
const POOL_ID = /^\d{4}-\d{6}-[a-z]+\d{2}-pool-[A-Za-z0-9]{8}$/;
const POLICY_ID = /^[0-9A-F]{16}$/;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
  adminId = emu.workspace.principals.userByName(ADMIN)?.id ?? '';
});
afterAll(() => emu.stop());

const POOL = {
  instance_pool_name: 'etl-pool',
  node_type_id: 'Standard_DS3_v2',
  min_idle_instances: 1,
  max_capacity: 10,
  idle_instance_autotermination_minutes: 20,
  azure_attributes: { availability: 'SPOT_AZURE', spot_bid_max_price: -1 },
  custom_tags: { team: 'data' },
  preloaded_spark_versions: ['15.4.x-scala2.12'],
};

async function createPool(body: Record<string, unknown>): Promise<string> {
  const r = await w.post('/api/2.0/instance-pools/create', body);
  expect(r.status).toBe(200);
  expect(Object.keys(r.json)).toEqual(['instance_pool_id']);
  return r.json.instance_pool_id as string;
}

async function getPool(id: string): Promise<any> {
  const r = await w.get('/api/2.0/instance-pools/get', { instance_pool_id: id });
  expect(r.status).toBe(200);
  return r.json;
}

function utcStamp(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

describe('instance pools', () => {
  test('a workspace starts without pools: list is {}', async () => {
    const r = await w.get('/api/2.0/instance-pools/list');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
  });

  test('create issues MMDD-HHMMSS-<word><nn>-pool-<8 alnum> ids; get echoes the spec with read-only fields', async () => {
    const before = Date.now();
    const id = await createPool(POOL);
    expect(id).toMatch(POOL_ID);
    expect([utcStamp(before), utcStamp(Date.now())]).toContain(id.slice(0, 4));
    const p = await getPool(id);
    expect(p).toMatchObject({ ...POOL, instance_pool_id: id, state: 'ACTIVE', enable_elastic_disk: true, status: {} });
    expect(p.stats).toEqual({ used_count: 0, idle_count: 1, pending_used_count: 0, pending_idle_count: 0 });
    expect(Object.keys(p.default_tags).sort()).toEqual([
      'DatabricksInstanceGroupId',
      'DatabricksInstancePoolCreatorId',
      'DatabricksInstancePoolId',
      'Vendor',
    ]);
    expect(p.default_tags).toMatchObject({ Vendor: 'Databricks', DatabricksInstancePoolCreatorId: adminId, DatabricksInstancePoolId: id });
    expect(p.default_tags.DatabricksInstanceGroupId).toMatch(/^-\d+$/);
  });

  test('server defaults for a minimal pool', async () => {
    const p = await getPool(await createPool({ instance_pool_name: 'minimal', node_type_id: 'Standard_F4s' }));
    expect(p).toMatchObject({
      min_idle_instances: 0,
      enable_elastic_disk: true,
      azure_attributes: { availability: 'ON_DEMAND_AZURE' },
      state: 'ACTIVE',
    });
    expect(p.stats.idle_count).toBe(0);
  });

  test('list returns every pool with the get shape', async () => {
    const r = await w.get('/api/2.0/instance-pools/list');
    expect(r.status).toBe(200);
    const pools = r.json.instance_pools as any[];
    expect(pools.map((p) => p.instance_pool_name).sort()).toEqual(['etl-pool', 'minimal']);
    for (const p of pools) expect(p).toEqual(await getPool(p.instance_pool_id));
  });

  test('pool names are unique on create and on edit', async () => {
    const dup = await w.post('/api/2.0/instance-pools/create', { ...POOL, node_type_id: 'Standard_DS4_v2' });
    expect(dup.status).toBe(400);
    expect(dup.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Instance pool with name etl-pool already exists.' });
    const other = await createPool({ instance_pool_name: 'other', node_type_id: 'Standard_DS3_v2' });
    const rename = await w.post('/api/2.0/instance-pools/edit', {
      instance_pool_id: other,
      instance_pool_name: 'etl-pool',
      node_type_id: 'Standard_DS3_v2',
    });
    expect(rename.status).toBe(400);
    expect(rename.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await getPool(other)).instance_pool_name).toBe('other');
  });

  test('edit replaces the editable fields, keeps the fixed ones, and refuses a node type change', async () => {
    const id = await createPool({ ...POOL, instance_pool_name: 'to-edit' });
    const r = await w.post('/api/2.0/instance-pools/edit', {
      instance_pool_id: id,
      instance_pool_name: 'edited',
      node_type_id: 'Standard_DS3_v2',
      min_idle_instances: 0,
      custom_tags: { team: 'ml' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    const p = await getPool(id);
    expect(p).toMatchObject({ instance_pool_name: 'edited', min_idle_instances: 0, custom_tags: { team: 'ml' } });
    // Omitted editable fields are cleared; creation-only fields stay.
    expect(p.max_capacity).toBeUndefined();
    expect(p.idle_instance_autotermination_minutes).toBeUndefined();
    expect(p.azure_attributes).toEqual(POOL.azure_attributes);
    expect(p.preloaded_spark_versions).toEqual(POOL.preloaded_spark_versions);

    const change = await w.post('/api/2.0/instance-pools/edit', {
      instance_pool_id: id,
      instance_pool_name: 'edited',
      node_type_id: 'Standard_DS4_v2',
    });
    expect(change.status).toBe(400);
    expect(change.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await getPool(id)).node_type_id).toBe('Standard_DS3_v2');
  });

  test('invalid pool specs are refused with 400 INVALID_PARAMETER_VALUE', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ node_type_id: 'Standard_DS3_v2' }, "Missing required field 'instance_pool_name'"],
      [{ instance_pool_name: 'x' }, "Missing required field 'node_type_id'"],
      [
        { instance_pool_name: 'x', node_type_id: 'Standard_Nope' },
        'Node type Standard_Nope is not supported. Use list-node-types to see the supported node types.',
      ],
      [{ instance_pool_name: 'x'.repeat(101), node_type_id: 'Standard_DS3_v2' }, 'Instance pool name must be at most 100 characters.'],
      [
        { instance_pool_name: 'x', node_type_id: 'Standard_DS3_v2', idle_instance_autotermination_minutes: 10001 },
        'idle_instance_autotermination_minutes must be between 0 and 10000.',
      ],
    ];
    for (const [body, message] of cases) {
      const r = await w.post('/api/2.0/instance-pools/create', body);
      expect({ status: r.status, body: r.json }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } });
    }
  });

  test('delete is permanent; a missing pool is 404 "Can\'t find an instance pool with id: <id>."', async () => {
    const id = await createPool({ instance_pool_name: 'doomed', node_type_id: 'Standard_DS3_v2' });
    const del = await w.post('/api/2.0/instance-pools/delete', { instance_pool_id: id });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({});
    const notFound = { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Can't find an instance pool with id: ${id}.` };
    const get = await w.get('/api/2.0/instance-pools/get', { instance_pool_id: id });
    expect({ status: get.status, body: get.json }).toEqual({ status: 404, body: notFound });
    const again = await w.post('/api/2.0/instance-pools/delete', { instance_pool_id: id });
    expect({ status: again.status, body: again.json }).toEqual({ status: 404, body: notFound });
    const edit = await w.post('/api/2.0/instance-pools/edit', {
      instance_pool_id: id,
      instance_pool_name: 'doomed',
      node_type_id: 'Standard_DS3_v2',
    });
    expect({ status: edit.status, body: edit.json }).toEqual({ status: 404, body: notFound });
    const listed = (await w.get('/api/2.0/instance-pools/list')).json.instance_pools as any[];
    expect(listed.map((p) => p.instance_pool_id)).not.toContain(id);
    // The name is free again.
    expect(await createPool({ instance_pool_name: 'doomed', node_type_id: 'Standard_DS3_v2' })).not.toBe(id);
  });
});

describe('cluster policies', () => {
  const DEFAULTS: Record<string, string> = {
    'Personal Compute': 'personal-vm',
    'Shared Compute': 'shared-compute',
    'Power User Compute': 'power-user',
    'Job Compute': 'job-cluster',
    'Legacy Shared Compute': 'shared-data-science',
  };

  async function listPolicies(query: Record<string, string> = {}): Promise<any[]> {
    const r = await w.get('/api/2.0/policies/clusters/list', query);
    expect(r.status).toBe(200);
    return r.json.policies ?? [];
  }

  async function getPolicy(id: string): Promise<any> {
    const r = await w.get('/api/2.0/policies/clusters/get', { policy_id: id });
    expect(r.status).toBe(200);
    return r.json;
  }

  async function createPolicy(body: Record<string, unknown>): Promise<string> {
    const r = await w.post('/api/2.0/policies/clusters/create', body);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['policy_id']);
    return r.json.policy_id as string;
  }

  const byName = async (name: string): Promise<any> => (await listPolicies()).find((p) => p.name === name);

  test('every workspace has the five built-in default policies, each tied to its family', async () => {
    const policies = await listPolicies();
    expect(policies.map((p) => p.name).sort()).toEqual(Object.keys(DEFAULTS).sort());
    for (const p of policies) {
      expect(p.policy_id).toMatch(POLICY_ID);
      expect(p.is_default).toBe(true);
      expect(p.policy_family_id).toBe(DEFAULTS[p.name]);
      expect(typeof p.created_at_timestamp).toBe('number');
      const family = await w.get(`/api/2.0/policy-families/${p.policy_family_id}`);
      expect(family.status).toBe(200);
      expect(family.json.name).toBe(p.name);
      // Without overrides the policy's definition is the family's.
      expect(JSON.parse(p.definition)).toEqual(JSON.parse(family.json.definition));
      expect(await getPolicy(p.policy_id)).toEqual(p);
    }
  });

  test('a custom definition is kept byte for byte; the creator and timestamps read back', async () => {
    const definition =
      '{\n  "spark_version": {"type": "fixed", "value": "15.4.x-scala2.12"},\n  "autoscale.max_workers" : ' +
      '{"type":"range","maxValue":5,"defaultValue":2},\n  "custom_tags.team": {"type": "fixed", "value": "dätä ✓"}\n}';
    const before = Date.now();
    const id = await createPolicy({
      name: 'Team ETL',
      definition,
      description: 'ETL clusters',
      max_clusters_per_user: 2,
      libraries: [{ pypi: { package: 'requests' } }],
    });
    expect(id).toMatch(POLICY_ID);
    const p = await getPolicy(id);
    expect(p.definition).toBe(definition);
    expect(p).toMatchObject({
      policy_id: id,
      name: 'Team ETL',
      description: 'ETL clusters',
      max_clusters_per_user: 2,
      libraries: [{ pypi: { package: 'requests' } }],
      creator_user_name: ADMIN,
    });
    expect(p.created_at_timestamp).toBeGreaterThanOrEqual(before);
    expect(p.is_default).toBeUndefined();
    expect(p.policy_family_id).toBeUndefined();
  });

  test('a family policy with overrides: overrides kept as sent, definition is the merged one', async () => {
    const overrides =
      '{"autotermination_minutes": {"type": "fixed", "value": 60, "hidden": true}, "custom_tags.owner": {"type": "fixed", "value": "dr"}}';
    const id = await createPolicy({
      name: 'Personal (DR)',
      policy_family_id: 'personal-vm',
      policy_family_definition_overrides: overrides,
    });
    const p = await getPolicy(id);
    expect(p.policy_family_id).toBe('personal-vm');
    expect(p.policy_family_definition_overrides).toBe(overrides);
    const family = JSON.parse((await w.get('/api/2.0/policy-families/personal-vm')).json.definition);
    expect(JSON.parse(p.definition)).toEqual({ ...family, ...JSON.parse(overrides) });
    expect(p.is_default).toBeUndefined();
  });

  test('duplicate names are refused with the backticked message', async () => {
    for (const name of ['Personal Compute', 'Team ETL']) {
      const r = await w.post('/api/2.0/policies/clusters/create', { name, definition: '{}' });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `Cluster Policy with name \`${name}\` already exists` });
    }
    const other = await createPolicy({ name: 'Renamable', definition: '{}' });
    const rename = await w.post('/api/2.0/policies/clusters/edit', { policy_id: other, name: 'Team ETL', definition: '{}' });
    expect(rename.status).toBe(400);
    expect(rename.json.message).toBe('Cluster Policy with name `Team ETL` already exists');
  });

  test('bad policy bodies are refused', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ definition: '{}' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: 'x'.repeat(101), definition: '{}' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: 'Broken', definition: '{"spark_version": ' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: 'Array', definition: '[1]' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: 'Both', definition: '{}', policy_family_id: 'personal-vm' }, 400, 'INVALID_PARAMETER_VALUE'],
      [{ name: 'No family', policy_family_id: 'no-such-family' }, 404, 'RESOURCE_DOES_NOT_EXIST'],
      [
        { name: 'Bad overrides', policy_family_id: 'job-cluster', policy_family_definition_overrides: 'nope' },
        400,
        'INVALID_PARAMETER_VALUE',
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await w.post('/api/2.0/policies/clusters/create', body);
      expect({ name: body['name'], status: r.status, code: r.json.error_code }).toEqual({ name: body['name'], status, code });
    }
    expect((await listPolicies()).map((p) => p.name)).not.toEqual(expect.arrayContaining(['Broken', 'Both', 'No family']));
  });

  test('edit replaces the policy: omitted optional fields are cleared', async () => {
    const id = await createPolicy({
      name: 'Editable',
      definition: '{"a": {"type": "unlimited"}}',
      description: 'old',
      max_clusters_per_user: 3,
    });
    const definition = '{"b":{"type":"forbidden"}}';
    const r = await w.post('/api/2.0/policies/clusters/edit', { policy_id: id, name: 'Edited', definition });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    const p = await getPolicy(id);
    expect(p).toMatchObject({ policy_id: id, name: 'Edited', definition, creator_user_name: ADMIN });
    expect(p.description).toBeUndefined();
    expect(p.max_clusters_per_user).toBeUndefined();
  });

  test('a default policy takes overrides but keeps its family and cannot be deleted', async () => {
    const job = await byName('Job Compute');
    const overrides = '{"spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"}}';
    const edit = await w.post('/api/2.0/policies/clusters/edit', {
      policy_id: job.policy_id,
      name: 'Job Compute',
      policy_family_id: 'job-cluster',
      policy_family_definition_overrides: overrides,
    });
    expect(edit.status).toBe(200);
    const edited = await getPolicy(job.policy_id);
    expect(edited).toMatchObject({ is_default: true, policy_family_id: 'job-cluster', policy_family_definition_overrides: overrides });

    const family = await w.post('/api/2.0/policies/clusters/edit', {
      policy_id: job.policy_id,
      name: 'Job Compute',
      policy_family_id: 'power-user',
    });
    expect(family.status).toBe(400);
    expect(family.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await getPolicy(job.policy_id)).policy_family_id).toBe('job-cluster');

    for (const name of Object.keys(DEFAULTS)) {
      const p = await byName(name);
      const del = await w.post('/api/2.0/policies/clusters/delete', { policy_id: p.policy_id });
      expect(del.status).toBe(400);
      expect(del.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `Default policy ${name} cannot be deleted.` });
    }
    expect((await listPolicies()).filter((p) => p.is_default)).toHaveLength(5);
  });

  test('delete removes a custom policy; a missing one is 404 "Can\'t find a cluster policy with id: <id>."', async () => {
    const id = await createPolicy({ name: 'Short-lived', definition: '{}' });
    const del = await w.post('/api/2.0/policies/clusters/delete', { policy_id: id });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({});
    const notFound = { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Can't find a cluster policy with id: ${id}.` };
    const get = await w.get('/api/2.0/policies/clusters/get', { policy_id: id });
    expect({ status: get.status, body: get.json }).toEqual({ status: 404, body: notFound });
    const again = await w.post('/api/2.0/policies/clusters/delete', { policy_id: id });
    expect({ status: again.status, body: again.json }).toEqual({ status: 404, body: notFound });
    const edit = await w.post('/api/2.0/policies/clusters/edit', { policy_id: id, name: 'Short-lived', definition: '{}' });
    expect(edit.status).toBe(404);
    expect((await listPolicies()).map((p) => p.policy_id)).not.toContain(id);
    // A cluster can no longer name it.
    const cluster = await w.post('/api/2.1/clusters/create', {
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'Standard_DS3_v2',
      num_workers: 0,
      policy_id: id,
    });
    expect(cluster.status).toBe(400);
    expect(cluster.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('list sorts by creation time (newest first by default) or by name', async () => {
    await sleep(5);
    const first = await createPolicy({ name: 'zz first', definition: '{}' });
    await sleep(5);
    const second = await createPolicy({ name: 'aa second', definition: '{}' });
    const byDefault = (await listPolicies()).map((p) => p.policy_id);
    expect(byDefault.slice(0, 2)).toEqual([second, first]);
    expect(await listPolicies({ sort_column: 'POLICY_CREATION_TIME', sort_order: 'DESC' })).toEqual(await listPolicies());
    const asc = await listPolicies({ sort_column: 'POLICY_CREATION_TIME', sort_order: 'ASC' });
    expect(asc.map((p) => p.policy_id).slice(-2)).toEqual([first, second]);
    const times = asc.map((p) => p.created_at_timestamp as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const names = (await listPolicies({ sort_column: 'POLICY_NAME', sort_order: 'ASC' })).map((p) => p.name as string);
    expect(names[0]).toBe('aa second');
    expect(names[names.length - 1]).toBe('zz first');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    const desc = (await listPolicies({ sort_column: 'POLICY_NAME', sort_order: 'DESC' })).map((p) => p.name as string);
    expect(desc).toEqual([...names].reverse());

    expect((await w.get('/api/2.0/policies/clusters/list', { sort_column: 'NAME' })).status).toBe(400);
    expect((await w.get('/api/2.0/policies/clusters/list', { sort_order: 'UP' })).status).toBe(400);
  });
});

describe('policy families', () => {
  const FAMILY_IDS = ['personal-vm', 'shared-compute', 'power-user', 'job-cluster', 'shared-data-science'];

  test('list: every family with a JSON-string definition', async () => {
    const r = await w.get('/api/2.0/policy-families');
    expect(r.status).toBe(200);
    const families = r.json.policy_families as any[];
    expect(families.map((f) => f.policy_family_id).sort()).toEqual([...FAMILY_IDS].sort());
    expect(r.json.next_page_token).toBeUndefined();
    for (const f of families) {
      expect(Object.keys(f).sort()).toEqual(['definition', 'description', 'name', 'policy_family_id']);
      expect(typeof f.definition).toBe('string');
      expect(typeof JSON.parse(f.definition)).toBe('object');
    }
    expect(families.find((f) => f.policy_family_id === 'personal-vm').name).toBe('Personal Compute');
    expect(families.find((f) => f.policy_family_id === 'job-cluster').name).toBe('Job Compute');
  });

  test('list pages with max_results and page_token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await w.get('/api/2.0/policy-families', { max_results: 2, ...(token ? { page_token: token } : {}) });
      expect(r.status).toBe(200);
      expect(r.json.policy_families.length).toBeLessThanOrEqual(2);
      seen.push(...r.json.policy_families.map((f: any) => f.policy_family_id));
      token = r.json.next_page_token;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...FAMILY_IDS].sort());
    expect((await w.get('/api/2.0/policy-families', { max_results: 0 })).status).toBe(400);
  });

  test('get one family; an unknown one is 404', async () => {
    const r = await w.get('/api/2.0/policy-families/job-cluster');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ policy_family_id: 'job-cluster', name: 'Job Compute', description: expect.any(String) });
    const all = (await w.get('/api/2.0/policy-families')).json.policy_families as any[];
    expect(r.json).toEqual(all.find((f) => f.policy_family_id === 'job-cluster'));
    const missing = await w.get('/api/2.0/policy-families/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Policy family nope does not exist' });
  });
});
