import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

// Contract tests for the Permissions API 2.0 (databricks-api.md §7, compute-jobs-iam.md §3).

let emu: EmulatorHandle;
let w: Api;

const ADMIN = 'admin@example.com';
const ADMIN_DISPLAY = 'Admin';
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const SP_APP_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const SCIM = '/api/2.0/preview/scim/v2';
const PY = '# Databricks notebook source\nprint(1)\n';

/** Ids of the objects the tests work on, all created through the public API. */
const ids = {
  cluster: '',
  pool: '',
  policy: '',
  personalPolicy: '',
  job: 0,
  sharedDir: 0,
  permDir: 0,
  subDir: 0,
  notebook: 0,
  file: 0,
  homeDir: 0,
  homeNotebook: 0,
  reposUserDir: 0,
  repo: 0,
};

async function objectId(path: string): Promise<number> {
  const r = await w.get('/api/2.0/workspace/get-status', { path });
  expect(r.status).toBe(200);
  expect(typeof r.json.object_id).toBe('number');
  return r.json.object_id as number;
}

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);

  for (const [userName, displayName] of [
    [ALICE, 'Alice Liddell'],
    [BOB, 'Bob Builder'],
  ]) {
    expect((await w.post(`${SCIM}/Users`, { userName, displayName })).status).toBe(201);
  }
  expect((await w.post(`${SCIM}/Groups`, { displayName: 'data-eng' })).status).toBe(201);
  expect((await w.post(`${SCIM}/ServicePrincipals`, { applicationId: SP_APP_ID, displayName: 'etl-sp' })).status).toBe(201);

  const cluster = await w.post('/api/2.1/clusters/create', {
    cluster_name: 'perm-cluster',
    spark_version: '13.3.x-scala2.12',
    node_type_id: 'Standard_DS3_v2',
    num_workers: 1,
  });
  expect(cluster.status).toBe(200);
  ids.cluster = cluster.json.cluster_id;

  const pool = await w.post('/api/2.0/instance-pools/create', { instance_pool_name: 'perm-pool', node_type_id: 'Standard_DS3_v2' });
  expect(pool.status).toBe(200);
  ids.pool = pool.json.instance_pool_id;

  const policy = await w.post('/api/2.0/policies/clusters/create', {
    name: 'perm-policy',
    definition: JSON.stringify({ autotermination_minutes: { type: 'fixed', value: 30 } }),
  });
  expect(policy.status).toBe(200);
  ids.policy = policy.json.policy_id;
  const policies = await w.get('/api/2.0/policies/clusters/list');
  const personal = policies.json.policies.find((p: { policy_family_id?: string }) => p.policy_family_id === 'personal-vm');
  expect(personal).toBeDefined();
  ids.personalPolicy = personal.policy_id;

  const job = await w.post('/api/2.2/jobs/create', {
    name: 'perm-job',
    tasks: [{ task_key: 't', notebook_task: { notebook_path: '/Shared/perm/sub/nb' }, existing_cluster_id: ids.cluster }],
  });
  expect(job.status).toBe(200);
  expect(typeof job.json.job_id).toBe('number');
  ids.job = job.json.job_id;

  expect((await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/perm/sub' })).status).toBe(200);
  expect(
    (await w.post('/api/2.0/workspace/import', { path: '/Shared/perm/sub/nb', content: b64(PY), language: 'PYTHON', format: 'SOURCE' }))
      .status,
  ).toBe(200);
  expect(
    (await w.post('/api/2.0/workspace/import', { path: '/Shared/perm/sub/data.txt', content: b64('a,b\n1,2\n'), format: 'AUTO' })).status,
  ).toBe(200);
  expect(
    (await w.post('/api/2.0/workspace/import', { path: `/Users/${ADMIN}/home-nb`, content: b64(PY), language: 'PYTHON', format: 'SOURCE' }))
      .status,
  ).toBe(200);
  ids.sharedDir = await objectId('/Shared');
  ids.permDir = await objectId('/Shared/perm');
  ids.subDir = await objectId('/Shared/perm/sub');
  ids.notebook = await objectId('/Shared/perm/sub/nb');
  ids.file = await objectId('/Shared/perm/sub/data.txt');
  ids.homeDir = await objectId(`/Users/${ADMIN}`);
  ids.homeNotebook = await objectId(`/Users/${ADMIN}/home-nb`);
  ids.reposUserDir = await objectId(`/Repos/${ADMIN}`);

  const repo = await w.post('/api/2.0/repos', { url: 'https://github.com/acme/x.git', provider: 'gitHub', path: `/Repos/${ADMIN}/x` });
  expect(repo.status).toBe(200);
  ids.repo = repo.json.id;
});
afterAll(() => emu.stop());

// ---------------------------------------------------------------------------------------------
// Helpers

type Entry = Record<string, any> & { all_permissions: Array<Record<string, unknown>> };

function principalKey(e: Record<string, unknown>): string {
  if (e['user_name'] !== undefined) return `user:${String(e['user_name'])}`;
  if (e['group_name'] !== undefined) return `group:${String(e['group_name'])}`;
  return `sp:${String(e['service_principal_name'])}`;
}

/** The ACL keyed by principal; fails when a principal appears twice. */
function acl(json: any): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const e of json.access_control_list as Entry[]) {
    const k = principalKey(e);
    expect(out[k]).toBeUndefined();
    out[k] = e;
  }
  return out;
}

function sortPerms(list: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Compare an ObjectPermissions body to the expected entries regardless of entry order. */
function expectAcl(json: any, expected: Record<string, Entry>): void {
  const got = acl(json);
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, e] of Object.entries(expected)) {
    const g = got[k] as Entry;
    expect({ ...g, all_permissions: sortPerms(g.all_permissions) }).toEqual({ ...e, all_permissions: sortPerms(e.all_permissions) });
  }
}

const direct = (level: string) => ({ permission_level: level, inherited: false });
const inherited = (level: string, from: string) => ({ permission_level: level, inherited: true, inherited_from_object: [from] });

const adminUser = (...all: Array<Record<string, unknown>>): Record<string, Entry> => ({
  [`user:${ADMIN}`]: { user_name: ADMIN, display_name: ADMIN_DISPLAY, all_permissions: all },
});
const admins = (from: string, level = 'CAN_MANAGE'): Record<string, Entry> => ({
  'group:admins': { group_name: 'admins', all_permissions: [inherited(level, from)] },
});
const group = (name: string, ...all: Array<Record<string, unknown>>): Record<string, Entry> => ({
  [`group:${name}`]: { group_name: name, all_permissions: all },
});
const user = (name: string, display: string, ...all: Array<Record<string, unknown>>): Record<string, Entry> => ({
  [`user:${name}`]: { user_name: name, display_name: display, all_permissions: all },
});

const path = (type: string, id: string | number) => `/api/2.0/permissions/${type}/${id}`;

async function getPerms(type: string, id: string | number): Promise<any> {
  const r = await w.get(path(type, id));
  expect(r.status).toBe(200);
  return r.json;
}

// ---------------------------------------------------------------------------------------------

describe('fresh objects', () => {
  test('cluster: creator CAN_MANAGE (direct), admins CAN_MANAGE inherited from /clusters/', async () => {
    const p = await getPerms('clusters', ids.cluster);
    expect(p.object_id).toBe(`/clusters/${ids.cluster}`);
    expect(p.object_type).toBe('cluster');
    expectAcl(p, { ...adminUser(direct('CAN_MANAGE')), ...admins('/clusters/') });
    // Direct entries carry no inherited_from_object; groups carry no display_name.
    expect(acl(p)[`user:${ADMIN}`]?.all_permissions[0]).not.toHaveProperty('inherited_from_object');
    expect(acl(p)['group:admins']).not.toHaveProperty('display_name');
  });

  test('instance pool: creator CAN_MANAGE, admins from /instance-pools/', async () => {
    const p = await getPerms('instance-pools', ids.pool);
    expect(p.object_id).toBe(`/instance-pools/${ids.pool}`);
    expect(p.object_type).toBe('instance-pool');
    expectAcl(p, { ...adminUser(direct('CAN_MANAGE')), ...admins('/instance-pools/') });
  });

  test('cluster policy: no creator entry, admins CAN_USE from /cluster-policies/', async () => {
    const p = await getPerms('cluster-policies', ids.policy);
    expect(p.object_id).toBe(`/cluster-policies/${ids.policy}`);
    expect(p.object_type).toBe('cluster-policy');
    expectAcl(p, admins('/cluster-policies/', 'CAN_USE'));
  });

  test('the default Personal Compute policy grants users CAN_USE', async () => {
    const p = await getPerms('cluster-policies', ids.personalPolicy);
    expectAcl(p, { ...group('users', direct('CAN_USE')), ...admins('/cluster-policies/', 'CAN_USE') });
  });

  test('job: creator IS_OWNER (direct), admins CAN_MANAGE from /jobs/; object_id uses the numeric job id', async () => {
    const p = await getPerms('jobs', ids.job);
    expect(p.object_id).toBe(`/jobs/${ids.job}`);
    expect(p.object_type).toBe('job');
    expectAcl(p, { ...adminUser(direct('IS_OWNER')), ...admins('/jobs/') });
  });

  test('/Shared grants users CAN_MANAGE directly', async () => {
    const p = await getPerms('directories', ids.sharedDir);
    expect(p.object_id).toBe(`/directories/${ids.sharedDir}`);
    expect(p.object_type).toBe('directory');
    expectAcl(p, { ...group('users', direct('CAN_MANAGE')), ...admins('/directories/') });
  });

  test('a directory under /Shared inherits users from /directories/<Shared id> and admins from /directories/', async () => {
    const p = await getPerms('directories', ids.permDir);
    expect(p.object_id).toBe(`/directories/${ids.permDir}`);
    expectAcl(p, { ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)), ...admins('/directories/') });
  });

  test('notebook: no direct grants; inherits the ancestor directory grants', async () => {
    const p = await getPerms('notebooks', ids.notebook);
    expect(p.object_id).toBe(`/notebooks/${ids.notebook}`);
    expect(p.object_type).toBe('notebook');
    expectAcl(p, { ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)), ...admins('/directories/') });
  });

  test('file: as notebooks, with object_type file', async () => {
    const p = await getPerms('files', ids.file);
    expect(p.object_id).toBe(`/files/${ids.file}`);
    expect(p.object_type).toBe('file');
    expectAcl(p, { ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)), ...admins('/directories/') });
  });

  test('home folder: the user manages it; a notebook inside inherits that from /directories/<home id>', async () => {
    const home = await getPerms('directories', ids.homeDir);
    expectAcl(home, { ...adminUser(direct('CAN_MANAGE')), ...admins('/directories/') });
    const nb = await getPerms('notebooks', ids.homeNotebook);
    expectAcl(nb, { ...adminUser(inherited('CAN_MANAGE', `/directories/${ids.homeDir}`)), ...admins('/directories/') });
  });

  test('home folders of users created through SCIM are managed by that user', async () => {
    const aliceHome = await objectId(`/Users/${ALICE}`);
    const p = await getPerms('directories', aliceHome);
    expectAcl(p, { ...user(ALICE, 'Alice Liddell', direct('CAN_MANAGE')), ...admins('/directories/') });
  });

  test('repo: /repos/<repo id>, inherits the /Repos/<user> folder owner and admins', async () => {
    expect(typeof ids.repo).toBe('number');
    expect(await objectId(`/Repos/${ADMIN}/x`)).toBe(ids.repo);
    const p = await getPerms('repos', ids.repo);
    expect(p.object_id).toBe(`/repos/${ids.repo}`);
    expect(p.object_type).toBe('repo');
    expectAcl(p, { ...adminUser(inherited('CAN_MANAGE', `/directories/${ids.reposUserDir}`)), ...admins('/directories/') });
  });

  test('the root directory /directories/0 grants admins CAN_MANAGE', async () => {
    const p = await getPerms('directories', 0);
    expect(p.object_type).toBe('directory');
    const entries = acl(p);
    expect(Object.keys(entries)).toEqual(['group:admins']);
    expect(entries['group:admins']?.all_permissions.map((x) => x['permission_level'])).toEqual(['CAN_MANAGE']);
    expect(entries['group:admins']).not.toHaveProperty('display_name');
  });
});

describe('permissionLevels', () => {
  test.each([
    ['clusters', () => ids.cluster, ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE']],
    ['cluster-policies', () => ids.policy, ['CAN_USE']],
    ['instance-pools', () => ids.pool, ['CAN_ATTACH_TO', 'CAN_MANAGE']],
    ['jobs', () => ids.job, ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER']],
    ['notebooks', () => ids.notebook, ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']],
    ['directories', () => ids.permDir, ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']],
    ['files', () => ids.file, ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']],
    ['repos', () => ids.repo, ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']],
  ] as Array<[string, () => string | number, string[]]>)('%s', async (type, id, levels) => {
    const r = await w.get(`${path(type, id())}/permissionLevels`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['permission_levels']);
    expect(r.json.permission_levels.map((l: { permission_level: string }) => l.permission_level)).toEqual(levels);
    for (const l of r.json.permission_levels) {
      expect(typeof l.description).toBe('string');
      expect(l.description.length).toBeGreaterThan(0);
    }
  });

  test('permissionLevels of an unknown object is an error too', async () => {
    const r = await w.get(`${path('notebooks', 123)}/permissionLevels`);
    expect(r.status).toBe(404);
    expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('PUT replaces, PATCH merges', () => {
  test('clusters: PUT replaces direct grants (creator dropped), admins stay inherited; GET matches the PUT answer', async () => {
    const put = await w.put(path('clusters', ids.cluster), {
      access_control_list: [{ user_name: ALICE, permission_level: 'CAN_ATTACH_TO' }],
    });
    expect(put.status).toBe(200);
    expect(put.json.object_id).toBe(`/clusters/${ids.cluster}`);
    expect(put.json.object_type).toBe('cluster');
    const expected = { ...user(ALICE, 'Alice Liddell', direct('CAN_ATTACH_TO')), ...admins('/clusters/') };
    expectAcl(put.json, expected);
    expectAcl(await getPerms('clusters', ids.cluster), expected);
  });

  test('clusters: PATCH adds a group (no display_name) and upserts an existing principal', async () => {
    let r = await w.patch(path('clusters', ids.cluster), {
      access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_RESTART' }],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...user(ALICE, 'Alice Liddell', direct('CAN_ATTACH_TO')),
      ...group('data-eng', direct('CAN_RESTART')),
      ...admins('/clusters/'),
    });
    r = await w.patch(path('clusters', ids.cluster), { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_MANAGE' }] });
    expect(r.status).toBe(200);
    const expected = {
      ...user(ALICE, 'Alice Liddell', direct('CAN_MANAGE')),
      ...group('data-eng', direct('CAN_RESTART')),
      ...admins('/clusters/'),
    };
    expectAcl(r.json, expected);
    expectAcl(await getPerms('clusters', ids.cluster), expected);
  });

  test('clusters: PATCH with an empty list changes nothing; PUT with an empty list leaves only admins', async () => {
    const before = await getPerms('clusters', ids.cluster);
    const patch = await w.patch(path('clusters', ids.cluster), { access_control_list: [] });
    expect(patch.status).toBe(200);
    expectAcl(patch.json, acl(before));
    const put = await w.put(path('clusters', ids.cluster), { access_control_list: [] });
    expect(put.status).toBe(200);
    expectAcl(put.json, admins('/clusters/'));
  });

  test('instance pools: service principals are named by applicationId and carry their display_name', async () => {
    const r = await w.put(path('instance-pools', ids.pool), {
      access_control_list: [
        { service_principal_name: SP_APP_ID, permission_level: 'CAN_ATTACH_TO' },
        { user_name: ADMIN, permission_level: 'CAN_MANAGE' },
      ],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      [`sp:${SP_APP_ID}`]: { service_principal_name: SP_APP_ID, display_name: 'etl-sp', all_permissions: [direct('CAN_ATTACH_TO')] },
      ...adminUser(direct('CAN_MANAGE')),
      ...admins('/instance-pools/'),
    });
  });

  test('cluster policies: grant CAN_USE to a group', async () => {
    const r = await w.patch(path('cluster-policies', ids.policy), {
      access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_USE' }],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, { ...group('data-eng', direct('CAN_USE')), ...admins('/cluster-policies/', 'CAN_USE') });
  });

  test('the last entry for a duplicate principal wins', async () => {
    const r = await w.put(path('clusters', ids.cluster), {
      access_control_list: [
        { user_name: BOB, permission_level: 'CAN_MANAGE' },
        { user_name: BOB, permission_level: 'CAN_ATTACH_TO' },
      ],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, { ...user(BOB, 'Bob Builder', direct('CAN_ATTACH_TO')), ...admins('/clusters/') });
  });

  test('directories: PUT on a folder is inherited by everything below it', async () => {
    const r = await w.put(path('directories', ids.permDir), { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_READ' }] });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...user(ALICE, 'Alice Liddell', direct('CAN_READ')),
      ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)),
      ...admins('/directories/'),
    });
    for (const [type, id] of [
      ['directories', ids.subDir],
      ['notebooks', ids.notebook],
      ['files', ids.file],
    ] as const) {
      expectAcl(await getPerms(type, id), {
        ...user(ALICE, 'Alice Liddell', inherited('CAN_READ', `/directories/${ids.permDir}`)),
        ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)),
        ...admins('/directories/'),
      });
    }
  });

  test('notebooks: a direct grant sits next to the inherited ones of the same principal', async () => {
    const r = await w.patch(path('notebooks', ids.notebook), { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_EDIT' }] });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...user(ALICE, 'Alice Liddell', direct('CAN_EDIT'), inherited('CAN_READ', `/directories/${ids.permDir}`)),
      ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)),
      ...admins('/directories/'),
    });
    // A grant to a nearer folder and a farther folder both show, each with its source.
    await w.patch(path('directories', ids.subDir), { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_RUN' }] });
    expectAcl(await getPerms('notebooks', ids.notebook), {
      ...user(
        ALICE,
        'Alice Liddell',
        direct('CAN_EDIT'),
        inherited('CAN_RUN', `/directories/${ids.subDir}`),
        inherited('CAN_READ', `/directories/${ids.permDir}`),
      ),
      ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)),
      ...admins('/directories/'),
    });
  });

  test('notebooks: PUT [] removes the direct grants only; inherited ones remain', async () => {
    const r = await w.put(path('notebooks', ids.notebook), { access_control_list: [] });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...user(
        ALICE,
        'Alice Liddell',
        inherited('CAN_RUN', `/directories/${ids.subDir}`),
        inherited('CAN_READ', `/directories/${ids.permDir}`),
      ),
      ...group('users', inherited('CAN_MANAGE', `/directories/${ids.sharedDir}`)),
      ...admins('/directories/'),
    });
  });

  test('files: PUT a grant for a service principal', async () => {
    const r = await w.put(path('files', ids.file), {
      access_control_list: [{ service_principal_name: SP_APP_ID, permission_level: 'CAN_READ' }],
    });
    expect(r.status).toBe(200);
    const entries = acl(r.json);
    expect(entries[`sp:${SP_APP_ID}`]).toEqual({
      service_principal_name: SP_APP_ID,
      display_name: 'etl-sp',
      all_permissions: [direct('CAN_READ')],
    });
  });

  test('repos: PUT and PATCH on a repo', async () => {
    let r = await w.put(path('repos', ids.repo), { access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_RUN' }] });
    expect(r.status).toBe(200);
    expect(r.json.object_id).toBe(`/repos/${ids.repo}`);
    r = await w.patch(path('repos', ids.repo), { access_control_list: [{ user_name: BOB, permission_level: 'CAN_EDIT' }] });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...group('data-eng', direct('CAN_RUN')),
      ...user(BOB, 'Bob Builder', direct('CAN_EDIT')),
      ...adminUser(inherited('CAN_MANAGE', `/directories/${ids.reposUserDir}`)),
      ...admins('/directories/'),
    });
  });

  test('repos: objects inside a Git folder inherit the repo grants from /repos/<id>', async () => {
    // Grants on a repo cover its content; the source is named after the repo (the exact
    // reference string is inferred from the /directories/<id> form).
    const readme = await objectId(`/Repos/${ADMIN}/x/README.md`);
    expectAcl(await getPerms('files', readme), {
      ...group('data-eng', inherited('CAN_RUN', `/repos/${ids.repo}`)),
      ...user(BOB, 'Bob Builder', inherited('CAN_EDIT', `/repos/${ids.repo}`)),
      ...adminUser(inherited('CAN_MANAGE', `/directories/${ids.reposUserDir}`)),
      ...admins('/directories/'),
    });
  });

  test('root directory: a PUT must keep admins CAN_MANAGE; its grants are inherited from /directories/', async () => {
    const dropped = await w.put(path('directories', 0), { access_control_list: [{ group_name: 'users', permission_level: 'CAN_READ' }] });
    expect(dropped.status).toBe(400);
    expect(dropped.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Cannot change permissions for group 'admins' to None.",
    });

    const ok = await w.put(path('directories', 0), {
      access_control_list: [
        { group_name: 'admins', permission_level: 'CAN_MANAGE' },
        { group_name: 'users', permission_level: 'CAN_READ' },
      ],
    });
    expect(ok.status).toBe(200);
    const root = acl(ok.json);
    expect(Object.keys(root).sort()).toEqual(['group:admins', 'group:users']);
    expect(root['group:users']?.all_permissions).toEqual([direct('CAN_READ')]);

    // Everything now inherits users CAN_READ from the root, rendered as "/directories/".
    expectAcl(await getPerms('notebooks', ids.homeNotebook), {
      ...adminUser(inherited('CAN_MANAGE', `/directories/${ids.homeDir}`)),
      ...group('users', inherited('CAN_READ', '/directories/')),
      ...admins('/directories/'),
    });
    expectAcl(await getPerms('directories', ids.sharedDir), {
      ...group('users', direct('CAN_MANAGE'), inherited('CAN_READ', '/directories/')),
      ...admins('/directories/'),
    });

    // Restore.
    const restore = await w.put(path('directories', 0), {
      access_control_list: [{ group_name: 'admins', permission_level: 'CAN_MANAGE' }],
    });
    expect(restore.status).toBe(200);
    expect(Object.keys(acl(restore.json))).toEqual(['group:admins']);
  });

  test('a failed PUT leaves the grants unchanged', async () => {
    const before = await getPerms('directories', ids.permDir);
    const r = await w.put(path('directories', ids.permDir), {
      access_control_list: [
        { user_name: BOB, permission_level: 'CAN_READ' },
        { user_name: 'ghost@example.com', permission_level: 'CAN_READ' },
      ],
    });
    expect(r.status).toBe(400);
    expectAcl(await getPerms('directories', ids.permDir), acl(before));
  });
});

describe('jobs: exactly one IS_OWNER', () => {
  const ownerError = { error_code: 'INVALID_PARAMETER_VALUE', message: 'The job must have exactly one owner.' };

  test('PUT without an owner is rejected and changes nothing', async () => {
    const r = await w.put(path('jobs', ids.job), { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_VIEW' }] });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(ownerError);
    const empty = await w.put(path('jobs', ids.job), { access_control_list: [] });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual(ownerError);
    expectAcl(await getPerms('jobs', ids.job), { ...adminUser(direct('IS_OWNER')), ...admins('/jobs/') });
  });

  test('PUT with two owners is rejected', async () => {
    const r = await w.put(path('jobs', ids.job), {
      access_control_list: [
        { user_name: ADMIN, permission_level: 'IS_OWNER' },
        { user_name: ALICE, permission_level: 'IS_OWNER' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(ownerError);
  });

  test('PUT with one owner replaces the grants; admins CAN_MANAGE is re-added as inherited', async () => {
    const r = await w.put(path('jobs', ids.job), {
      access_control_list: [
        { user_name: ADMIN, permission_level: 'IS_OWNER' },
        { user_name: ALICE, permission_level: 'CAN_VIEW' },
        { group_name: 'data-eng', permission_level: 'CAN_MANAGE_RUN' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.object_id).toBe(`/jobs/${ids.job}`);
    expectAcl(r.json, {
      ...adminUser(direct('IS_OWNER')),
      ...user(ALICE, 'Alice Liddell', direct('CAN_VIEW')),
      ...group('data-eng', direct('CAN_MANAGE_RUN')),
      ...admins('/jobs/'),
    });
  });

  test('duplicates: the last entry wins (CAN_VIEW,CAN_MANAGE_RUN ⇒ CAN_MANAGE_RUN; CAN_MANAGE,IS_OWNER ⇒ IS_OWNER)', async () => {
    const r = await w.put(path('jobs', ids.job), {
      access_control_list: [
        { user_name: ADMIN, permission_level: 'CAN_MANAGE' },
        { user_name: ALICE, permission_level: 'CAN_VIEW' },
        { user_name: ADMIN, permission_level: 'IS_OWNER' },
        { user_name: ALICE, permission_level: 'CAN_MANAGE_RUN' },
      ],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, { ...adminUser(direct('IS_OWNER')), ...user(ALICE, 'Alice Liddell', direct('CAN_MANAGE_RUN')), ...admins('/jobs/') });
  });

  test('duplicates: IS_OWNER then CAN_MANAGE for the same user loses the owner ⇒ error', async () => {
    const r = await w.put(path('jobs', ids.job), {
      access_control_list: [
        { user_name: ADMIN, permission_level: 'IS_OWNER' },
        { user_name: ADMIN, permission_level: 'CAN_MANAGE' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(ownerError);
  });

  test('PATCH merges and keeps the owner', async () => {
    const r = await w.patch(path('jobs', ids.job), { access_control_list: [{ user_name: BOB, permission_level: 'CAN_VIEW' }] });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      ...adminUser(direct('IS_OWNER')),
      ...user(ALICE, 'Alice Liddell', direct('CAN_MANAGE_RUN')),
      ...user(BOB, 'Bob Builder', direct('CAN_VIEW')),
      ...admins('/jobs/'),
    });
  });

  test('a service principal can own a job', async () => {
    const r = await w.put(path('jobs', ids.job), {
      access_control_list: [{ service_principal_name: SP_APP_ID, permission_level: 'IS_OWNER' }],
    });
    expect(r.status).toBe(200);
    expectAcl(r.json, {
      [`sp:${SP_APP_ID}`]: { service_principal_name: SP_APP_ID, display_name: 'etl-sp', all_permissions: [direct('IS_OWNER')] },
      ...admins('/jobs/'),
    });
    // Give it back.
    expect((await w.put(path('jobs', ids.job), { access_control_list: [{ user_name: ADMIN, permission_level: 'IS_OWNER' }] })).status).toBe(
      200,
    );
  });

  test('a group cannot own a job', async () => {
    const r = await w.put(path('jobs', ids.job), { access_control_list: [{ group_name: 'data-eng', permission_level: 'IS_OWNER' }] });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('jobs/create with an access_control_list: the creator becomes owner, the list is applied', async () => {
    const created = await w.post('/api/2.2/jobs/create', {
      name: 'acl-job',
      access_control_list: [{ user_name: BOB, permission_level: 'CAN_MANAGE_RUN' }],
    });
    expect(created.status).toBe(200);
    const p = await getPerms('jobs', created.json.job_id);
    expectAcl(p, { ...adminUser(direct('IS_OWNER')), ...user(BOB, 'Bob Builder', direct('CAN_MANAGE_RUN')), ...admins('/jobs/') });
  });
});

describe('errors', () => {
  test.each([
    ['clusters', () => ids.cluster, 'IS_OWNER'],
    ['cluster-policies', () => ids.policy, 'CAN_MANAGE'],
    ['instance-pools', () => ids.pool, 'CAN_RESTART'],
    ['jobs', () => ids.job, 'CAN_USE'],
    ['notebooks', () => ids.notebook, 'CAN_ATTACH_TO'],
    ['directories', () => ids.permDir, 'IS_OWNER'],
    ['files', () => ids.file, 'CAN_VIEW'],
    ['repos', () => ids.repo, 'CAN_USE'],
  ] as Array<[string, () => string | number, string]>)(
    'an invalid level for %s is 400 INVALID_PARAMETER_VALUE and changes nothing',
    async (type, id, level) => {
      const before = await getPerms(type, id());
      for (const method of ['put', 'patch'] as const) {
        const r = await w[method](path(type, id()), { access_control_list: [{ user_name: ALICE, permission_level: level }] });
        expect(r.status).toBe(400);
        expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      }
      expectAcl(await getPerms(type, id()), acl(before));
    },
  );

  test('a missing permission_level is 400', async () => {
    const r = await w.patch(path('clusters', ids.cluster), { access_control_list: [{ user_name: ALICE }] });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('an unknown user: "Principal: UserName(x) does not exist"', async () => {
    for (const method of ['put', 'patch'] as const) {
      const r = await w[method](path('clusters', ids.cluster), {
        access_control_list: [{ user_name: 'ghost@example.com', permission_level: 'CAN_ATTACH_TO' }],
      });
      expect(r.status).toBe(400);
      // Observed both as BAD_REQUEST and as RESOURCE_DOES_NOT_EXIST (databricks-api.md §7.3).
      expect(['BAD_REQUEST', 'RESOURCE_DOES_NOT_EXIST']).toContain(r.json.error_code);
      expect(r.json.message).toBe('Principal: UserName(ghost@example.com) does not exist');
    }
  });

  test('an unknown service principal: "Principal: ServicePrincipalName(x) does not exist"', async () => {
    const appId = '00000000-1111-4222-8333-444444444444';
    const r = await w.patch(path('notebooks', ids.notebook), {
      access_control_list: [{ service_principal_name: appId, permission_level: 'CAN_READ' }],
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(`Principal: ServicePrincipalName(${appId}) does not exist`);
  });

  test('an unknown group is rejected', async () => {
    const r = await w.patch(path('notebooks', ids.notebook), {
      access_control_list: [{ group_name: 'no-such-group', permission_level: 'CAN_READ' }],
    });
    expect(r.status).toBe(400);
  });

  test('an entry must name exactly one principal', async () => {
    const none = await w.put(path('clusters', ids.cluster), { access_control_list: [{ permission_level: 'CAN_ATTACH_TO' }] });
    expect(none.status).toBe(400);
    expect(none.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const two = await w.put(path('clusters', ids.cluster), {
      access_control_list: [{ user_name: ALICE, group_name: 'data-eng', permission_level: 'CAN_ATTACH_TO' }],
    });
    expect(two.status).toBe(400);
    expect(two.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('unknown workspace objects, pools and policies are 404 RESOURCE_DOES_NOT_EXIST', async () => {
    for (const [type, id] of [
      ['notebooks', '1234567890123456'],
      ['directories', '1234567890123456'],
      ['files', '1234567890123456'],
      ['repos', '1234567890123456'],
      ['instance-pools', '0101-000000-nope1-pool-aaaaaaaa'],
      ['cluster-policies', 'ABCDEF0123456789'],
    ]) {
      for (const r of [
        await w.get(path(type as string, id as string)),
        await w.put(path(type as string, id as string), { access_control_list: [] }),
      ]) {
        expect(r.status).toBe(404);
        expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      }
    }
  });

  test('an object id of the wrong workspace type is 404 (a notebook is not a directory)', async () => {
    for (const [type, id] of [
      ['directories', ids.notebook],
      ['notebooks', ids.permDir],
      ['files', ids.notebook],
      ['notebooks', ids.file],
      ['repos', ids.permDir],
      ['directories', ids.repo],
    ] as const) {
      const r = await w.get(path(type, id));
      expect(r.status).toBe(404);
      expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    }
  });

  test('unknown clusters and jobs follow the legacy quirk: 400 INVALID_PARAMETER_VALUE', async () => {
    const c = await w.get(path('clusters', '0101-000000-nonexist'));
    expect(c.status).toBe(400);
    expect(c.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Cluster 0101-000000-nonexist does not exist' });
    const j = await w.get(path('jobs', 1234567890123456));
    expect(j.status).toBe(400);
    expect(j.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 1234567890123456 does not exist.' });
    const jp = await w.put(path('jobs', 1234567890123456), { access_control_list: [{ user_name: ADMIN, permission_level: 'IS_OWNER' }] });
    expect(jp.status).toBe(400);
    expect(jp.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('an unrecognised request_object_type is 400', async () => {
    const r = await w.get(path('widgets', 1));
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('request_object_type is not recognized: widgets');
  });

  test('a deleted notebook has no permissions any more', async () => {
    await w.post('/api/2.0/workspace/import', { path: '/Shared/perm/doomed', content: b64(PY), language: 'PYTHON', format: 'SOURCE' });
    const id = await objectId('/Shared/perm/doomed');
    expect((await w.patch(path('notebooks', id), { access_control_list: [{ user_name: BOB, permission_level: 'CAN_READ' }] })).status).toBe(
      200,
    );
    expect((await w.post('/api/2.0/workspace/delete', { path: '/Shared/perm/doomed' })).status).toBe(200);
    const r = await w.get(path('notebooks', id));
    expect(r.status).toBe(404);
    expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    // A new notebook at the same path starts fresh.
    await w.post('/api/2.0/workspace/import', { path: '/Shared/perm/doomed', content: b64(PY), language: 'PYTHON', format: 'SOURCE' });
    const again = await objectId('/Shared/perm/doomed');
    expect(again).not.toBe(id);
    expect(acl(await getPerms('notebooks', again))[`user:${BOB}`]).toBeUndefined();
  });
});

describe('token usage permissions (authorization/tokens)', () => {
  const TOKENS = '/api/2.0/permissions/authorization/tokens';
  const adminsOnly = {
    object_id: 'authorization/tokens',
    object_type: 'tokens',
    access_control_list: [{ group_name: 'admins', all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: false }] }],
  };

  test('a new workspace: admins manage tokens, nobody else may use them', async () => {
    const r = await w.get(TOKENS);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(adminsOnly);
    const levels = await w.get(`${TOKENS}/permissionLevels`);
    expect(levels.json.permission_levels.map((l: { permission_level: string }) => l.permission_level)).toEqual(['CAN_USE', 'CAN_MANAGE']);
    // Only `tokens` exists under authorization on Azure.
    expect((await w.get('/api/2.0/permissions/authorization/passwords')).status).toBe(404);
  });

  test('PATCH grants CAN_USE; PUT replaces and must keep admins CAN_MANAGE; CAN_MANAGE is for admins only', async () => {
    const patched = await w.patch(TOKENS, { access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_USE' }] });
    expect(patched.status).toBe(200);
    expect(patched.json.access_control_list).toEqual([
      { group_name: 'admins', all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: false }] },
      { group_name: 'data-eng', all_permissions: [{ permission_level: 'CAN_USE', inherited: false }] },
    ]);
    const withoutAdmins = await w.put(TOKENS, { access_control_list: [{ user_name: ALICE, permission_level: 'CAN_USE' }] });
    expect(withoutAdmins.status).toBe(400);
    expect(withoutAdmins.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Cannot change permissions for group 'admins' to None.",
    });
    const put = await w.put('/api/2.0/preview/permissions/authorization/tokens', {
      access_control_list: [
        { user_name: ALICE, permission_level: 'CAN_USE' },
        { group_name: 'admins', permission_level: 'CAN_MANAGE' },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.json.access_control_list.map((e: Record<string, string>) => e['group_name'] ?? e['user_name'])).toEqual(['admins', ALICE]);
    const manage = await w.patch(TOKENS, { access_control_list: [{ user_name: BOB, permission_level: 'CAN_MANAGE' }] });
    expect(manage.status).toBe(400);
    expect(manage.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const demoteAdmins = await w.patch(TOKENS, { access_control_list: [{ group_name: 'admins', permission_level: 'CAN_USE' }] });
    expect(demoteAdmins.status).toBe(400);
  });

  test('the grants other than admins are in the fixture and load back', async () => {
    const dump = emu.workspace.toFixture();
    expect(dump.permissions?.filter((p) => p.objectType === 'authorization')).toEqual([
      { objectType: 'authorization', object: 'tokens', accessControlList: [{ user_name: ALICE, permission_level: 'CAN_USE' }] },
    ]);
    const copy = await startEmulator({ fixture: dump });
    try {
      expect((await api(copy.url).get(TOKENS)).json).toEqual((await w.get(TOKENS)).json);
    } finally {
      await copy.stop();
    }
    const fresh = await startEmulator();
    try {
      expect(fresh.workspace.toFixture().permissions?.some((p) => p.objectType === 'authorization')).toBe(false);
      expect((await api(fresh.url).get(TOKENS)).json).toEqual(adminsOnly);
    } finally {
      await fresh.stop();
    }
  });
});
