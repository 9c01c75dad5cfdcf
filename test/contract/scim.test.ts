import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, call } from '../support/http.js';

// Contract tests for the workspace SCIM 2.0 API (databricks-api.md §6, compute-jobs-iam.md §4).

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

const BASE = '/api/2.0/preview/scim/v2';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const USER_WS_SCHEMA = 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ADMIN = 'admin@example.com';
const AZURE_DATABRICKS_APP_ID = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

interface Resource {
  id: string;
  [k: string]: any;
}

/** A SCIM error body: string `status`, `detail`, the Error schema, never an `error_code`. */
function expectScimError(json: any, status: number, detail?: string): void {
  expect(json.schemas).toEqual([ERROR_SCHEMA]);
  expect(json.status).toBe(String(status));
  expect(typeof json.status).toBe('string');
  expect(json).not.toHaveProperty('error_code');
  expect(json).not.toHaveProperty('message');
  if (detail !== undefined) expect(json.detail).toBe(detail);
}

function patchOp(...operations: Array<{ op: string; path?: string; value?: unknown }>) {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

async function createUser(userName: string, extra: Record<string, unknown> = {}): Promise<Resource> {
  const r = await w.post(`${BASE}/Users`, { schemas: [USER_SCHEMA], userName, ...extra });
  expect(r.status).toBe(201);
  return r.json as Resource;
}

async function createGroup(displayName: string, extra: Record<string, unknown> = {}): Promise<Resource> {
  const r = await w.post(`${BASE}/Groups`, { schemas: [GROUP_SCHEMA], displayName, ...extra });
  expect(r.status).toBe(201);
  return r.json as Resource;
}

async function createSp(extra: Record<string, unknown>): Promise<Resource> {
  const r = await w.post(`${BASE}/ServicePrincipals`, { schemas: [SP_SCHEMA], ...extra });
  expect(r.status).toBe(201);
  return r.json as Resource;
}

async function groupByName(displayName: string): Promise<Resource> {
  const r = await w.get(`${BASE}/Groups`, { filter: `displayName eq "${displayName}"` });
  expect(r.status).toBe(200);
  expect(r.json.totalResults).toBe(1);
  return r.json.Resources[0] as Resource;
}

/** Page through a list the way the SDKs do: next startIndex = startIndex + len(Resources), stop on an empty page. */
async function pageAll(kind: string, count: number, query: Record<string, string> = {}): Promise<{ ids: string[]; pages: any[] }> {
  const ids: string[] = [];
  const pages: any[] = [];
  let startIndex = 1;
  for (let guard = 0; guard < 1000; guard++) {
    const r = await w.get(`${BASE}/${kind}`, { ...query, startIndex, count });
    expect(r.status).toBe(200);
    pages.push(r.json);
    const resources: Resource[] = r.json.Resources ?? [];
    if (resources.length === 0) break;
    ids.push(...resources.map((x) => x.id));
    startIndex = r.json.startIndex + resources.length;
  }
  return { ids, pages };
}

/** A JWT-shaped Entra token (the emulator does not check signatures). */
function entraToken(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = { aud: AZURE_DATABRICKS_APP_ID, exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(payload)}.c2ln`;
}

// ---------------------------------------------------------------------------------------------

describe('SCIM Users', () => {
  test('create answers 201 with the full User resource, and get returns the same', async () => {
    const r = await w.post(`${BASE}/Users`, {
      schemas: [USER_SCHEMA],
      userName: 'jane.doe@example.com',
      displayName: 'Jane Doe',
      name: { givenName: 'Jane', familyName: 'Doe' },
      externalId: 'ext-jane',
      entitlements: [{ value: 'allow-cluster-create' }],
    });
    expect(r.status).toBe(201);
    const user = r.json;
    expect(typeof user.id).toBe('string');
    expect(user.id).toMatch(/^\d+$/);
    expect(user).toMatchObject({
      schemas: [USER_SCHEMA, USER_WS_SCHEMA],
      userName: 'jane.doe@example.com',
      displayName: 'Jane Doe',
      active: true,
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ type: 'work', value: 'jane.doe@example.com', primary: true }],
      entitlements: [{ value: 'allow-cluster-create' }],
      externalId: 'ext-jane',
    });
    // No membership yet: the empty `groups` array is omitted, not [].
    expect(user).not.toHaveProperty('groups');

    const got = await w.get(`${BASE}/Users/${user.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(user);
  });

  test('a user without entitlements has no entitlements key', async () => {
    const u = await createUser('plain.user@example.com');
    expect(u).not.toHaveProperty('entitlements');
    expect(u.active).toBe(true);
  });

  test('creating a user creates the /Users/<userName> home folder', async () => {
    const before = await w.get('/api/2.0/workspace/get-status', { path: '/Users/home.owner@example.com' });
    expect(before.status).toBe(404);
    await createUser('home.owner@example.com');
    const home = await w.get('/api/2.0/workspace/get-status', { path: '/Users/home.owner@example.com' });
    expect(home.status).toBe(200);
    expect(home.json).toMatchObject({ object_type: 'DIRECTORY', path: '/Users/home.owner@example.com' });
    const users = await w.get('/api/2.0/workspace/list', { path: '/Users' });
    expect(users.json.objects.map((o: { path: string }) => o.path)).toContain('/Users/home.owner@example.com');
  });

  test('a duplicate userName is 409 with the SCIM error body (string status, no error_code, no scimType)', async () => {
    await createUser('dup.user@example.com');
    const again = await w.post(`${BASE}/Users`, { schemas: [USER_SCHEMA], userName: 'dup.user@example.com' });
    expect(again.status).toBe(409);
    expectScimError(again.json, 409, 'User with username dup.user@example.com already exists.');
    expect(again.json).toEqual({
      schemas: [ERROR_SCHEMA],
      detail: 'User with username dup.user@example.com already exists.',
      status: '409',
    });
    // Only one user with that name exists.
    const list = await w.get(`${BASE}/Users`, { filter: 'userName eq "dup.user@example.com"' });
    expect(list.json.totalResults).toBe(1);
  });

  test('get, put, patch and delete of an unknown id are 404 "User not found."', async () => {
    const get = await w.get(`${BASE}/Users/1234567890123456`);
    expect(get.status).toBe(404);
    expect(get.json).toEqual({ schemas: [ERROR_SCHEMA], detail: 'User not found.', status: '404' });
    const put = await w.put(`${BASE}/Users/1234567890123456`, { schemas: [USER_SCHEMA], userName: 'x@example.com' });
    expect(put.status).toBe(404);
    expectScimError(put.json, 404, 'User not found.');
    const patch = await w.patch(`${BASE}/Users/1234567890123456`, patchOp({ op: 'replace', path: 'active', value: false }));
    expect(patch.status).toBe(404);
    expectScimError(patch.json, 404, 'User not found.');
    const del = await w.delete(`${BASE}/Users/1234567890123456`);
    expect(del.status).toBe(404);
    expectScimError(del.json, 404, 'User not found.');
  });

  test('a non-numeric id in the path (an email, a name) is 404 "Endpoint not supported."', async () => {
    for (const path of [`${BASE}/Users/${ADMIN}`, `${BASE}/Groups/admins`, `${BASE}/ServicePrincipals/not-an-id`]) {
      const r = await w.get(path);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ schemas: [ERROR_SCHEMA], detail: 'Endpoint not supported.', status: '404' });
    }
  });

  test('PUT replaces displayName, name, active and entitlements; userName changes are ignored', async () => {
    const u = await createUser('put.user@example.com', {
      displayName: 'Put User',
      name: { givenName: 'Put', familyName: 'User' },
      entitlements: [{ value: 'allow-cluster-create' }, { value: 'databricks-sql-access' }],
    });
    const r = await w.put(`${BASE}/Users/${u.id}`, {
      schemas: [USER_SCHEMA],
      userName: 'renamed@example.com',
      displayName: 'Renamed',
      active: false,
      entitlements: [{ value: 'workspace-access' }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: u.id,
      userName: 'put.user@example.com',
      displayName: 'Renamed',
      active: false,
      entitlements: [{ value: 'workspace-access' }],
    });
    expect(r.json).not.toHaveProperty('name');
    const got = (await w.get(`${BASE}/Users/${u.id}`)).json;
    expect(got).toEqual(r.json);
    expect(got.emails).toEqual([{ type: 'work', value: 'put.user@example.com', primary: true }]);
  });

  test('PATCH adds and removes entitlements (path, filtered path and pathless value), answers 204 with no body', async () => {
    const u = await createUser('patch.user@example.com');
    let r = await w.patch(
      `${BASE}/Users/${u.id}`,
      patchOp({ op: 'add', path: 'entitlements', value: [{ value: 'allow-cluster-create' }, { value: 'databricks-sql-access' }] }),
    );
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await w.get(`${BASE}/Users/${u.id}`)).json.entitlements).toEqual([
      { value: 'allow-cluster-create' },
      { value: 'databricks-sql-access' },
    ]);

    // Adding an entitlement that is already there does not duplicate it.
    r = await w.patch(
      `${BASE}/Users/${u.id}`,
      patchOp({ op: 'add', value: { entitlements: [{ value: 'allow-cluster-create' }, { value: 'allow-instance-pool-create' }] } }),
    );
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/Users/${u.id}`)).json.entitlements).toEqual([
      { value: 'allow-cluster-create' },
      { value: 'databricks-sql-access' },
      { value: 'allow-instance-pool-create' },
    ]);

    r = await w.patch(`${BASE}/Users/${u.id}`, patchOp({ op: 'remove', path: 'entitlements[value eq "allow-cluster-create"]' }));
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/Users/${u.id}`)).json.entitlements).toEqual([
      { value: 'databricks-sql-access' },
      { value: 'allow-instance-pool-create' },
    ]);

    r = await w.patch(
      `${BASE}/Users/${u.id}`,
      patchOp({ op: 'remove', path: 'entitlements', value: [{ value: 'databricks-sql-access' }, { value: 'allow-instance-pool-create' }] }),
    );
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/Users/${u.id}`)).json).not.toHaveProperty('entitlements');
  });

  test('PATCH replace active/displayName works; userName is silently ignored', async () => {
    const u = await createUser('patch.two@example.com', { displayName: 'Two' });
    const r = await w.patch(
      `${BASE}/Users/${u.id}`,
      patchOp(
        { op: 'replace', path: 'active', value: false },
        { op: 'replace', path: 'displayName', value: 'Deux' },
        { op: 'replace', path: 'userName', value: 'other@example.com' },
      ),
    );
    expect(r.status).toBe(204);
    const got = (await w.get(`${BASE}/Users/${u.id}`)).json;
    expect(got).toMatchObject({ userName: 'patch.two@example.com', displayName: 'Deux', active: false });
  });

  test('an unknown entitlement is rejected with a 400 SCIM error', async () => {
    const bad = await w.post(`${BASE}/Users`, {
      schemas: [USER_SCHEMA],
      userName: 'bad.ent@example.com',
      entitlements: [{ value: 'be-root' }],
    });
    expect(bad.status).toBe(400);
    expectScimError(bad.json, 400);
    expect((await w.get(`${BASE}/Users`, { filter: 'userName eq "bad.ent@example.com"' })).json.totalResults).toBe(0);
  });

  test('DELETE answers 204, the user is gone, and group memberships are dropped', async () => {
    const u = await createUser('delete.me@example.com');
    const g = await createGroup('delete-me-group', { members: [{ value: u.id }] });
    const r = await w.delete(`${BASE}/Users/${u.id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const get = await w.get(`${BASE}/Users/${u.id}`);
    expect(get.status).toBe(404);
    expectScimError(get.json, 404, 'User not found.');
    expect((await w.get(`${BASE}/Groups/${g.id}`)).json).not.toHaveProperty('members');
    expect((await w.delete(`${BASE}/Users/${u.id}`)).status).toBe(404);
  });
});

describe('SCIM list paging, filters and attribute selection', () => {
  const names = [
    'pg.alpha@example.com',
    'pg.bravo@example.com',
    'pg.charlie@example.com',
    'pg.delta@example.com',
    'pg.echo@example.com',
    'pg.foxtrot@example.com',
    'pg.golf@example.com',
  ];

  beforeAll(async () => {
    for (const [i, userName] of names.entries()) {
      await createUser(userName, { displayName: `Paging ${String.fromCharCode(65 + i)}`, active: i % 2 === 0 });
    }
  });

  test('the list envelope: ListResponse schema, totalResults, startIndex, itemsPerPage, Resources', async () => {
    const r = await w.get(`${BASE}/Users`);
    expect(r.status).toBe(200);
    expect(r.json.schemas).toEqual([LIST_SCHEMA]);
    expect(r.json.startIndex).toBe(1);
    expect(r.json.totalResults).toBe(r.json.Resources.length);
    expect(r.json.itemsPerPage).toBe(r.json.Resources.length);
    const userNames = r.json.Resources.map((u: Resource) => u.userName);
    expect(userNames).toContain(ADMIN);
    for (const n of names) expect(userNames).toContain(n);
    for (const u of r.json.Resources) expect(u.schemas).toEqual([USER_SCHEMA, USER_WS_SCHEMA]);
  });

  test('SDK-style paging (startIndex += len(Resources), stop on an empty page) visits every user exactly once', async () => {
    const all = (await w.get(`${BASE}/Users`)).json;
    const expected = all.Resources.map((u: Resource) => u.id);
    for (const count of [1, 2, 3, 100]) {
      const { ids, pages } = await pageAll('Users', count);
      expect(ids).toEqual(expected);
      expect(new Set(ids).size).toBe(ids.length);
      let start = 1;
      for (const page of pages.slice(0, -1)) {
        expect(page.startIndex).toBe(start);
        expect(page.totalResults).toBe(all.totalResults);
        expect(page.itemsPerPage).toBe(page.Resources.length);
        expect(page.Resources.length).toBeLessThanOrEqual(count);
        start += page.Resources.length;
      }
      // The terminating page: startIndex echoed, totalResults still the total, no Resources key.
      const last = pages[pages.length - 1];
      expect(last.startIndex).toBe(all.totalResults + 1);
      expect(last.totalResults).toBe(all.totalResults);
      expect(last.itemsPerPage).toBe(0);
      expect(last).not.toHaveProperty('Resources');
    }
  });

  test('a page from the middle: startIndex=3&count=2 returns the 3rd and 4th users', async () => {
    const all = (await w.get(`${BASE}/Users`)).json.Resources.map((u: Resource) => u.id);
    const r = await w.get(`${BASE}/Users`, { startIndex: 3, count: 2 });
    expect(r.json).toMatchObject({ startIndex: 3, itemsPerPage: 2, totalResults: all.length });
    expect(r.json.Resources.map((u: Resource) => u.id)).toEqual(all.slice(2, 4));
  });

  test('a filter that matches nothing has totalResults 0 and no Resources', async () => {
    const r = await w.get(`${BASE}/Users`, { filter: 'userName eq "nobody@example.com"' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ schemas: [LIST_SCHEMA], totalResults: 0, startIndex: 1, itemsPerPage: 0 });
  });

  test('userName eq is case-insensitive', async () => {
    for (const value of ['pg.bravo@example.com', 'PG.Bravo@Example.COM']) {
      const r = await w.get(`${BASE}/Users`, { filter: `userName eq "${value}"` });
      expect(r.json.totalResults).toBe(1);
      expect(r.json.Resources[0].userName).toBe('pg.bravo@example.com');
    }
  });

  test('eq, ne, co, sw, and, or', async () => {
    const userNames = async (filter: string): Promise<string[]> => {
      const r = await w.get(`${BASE}/Users`, { filter });
      expect(r.status).toBe(200);
      return ((r.json.Resources ?? []) as Resource[]).map((u) => u.userName as string).sort();
    };
    const total = (await w.get(`${BASE}/Users`)).json.totalResults;

    expect(await userNames('displayName eq "Paging C"')).toEqual(['pg.charlie@example.com']);
    expect(await userNames('userName sw "pg."')).toEqual([...names].sort());
    expect(await userNames('userName co "ha"')).toEqual(['pg.alpha@example.com', 'pg.charlie@example.com']);
    expect(await userNames('userName co "HA"')).toEqual(['pg.alpha@example.com', 'pg.charlie@example.com']);
    const notAlpha = await userNames('userName ne "pg.alpha@example.com"');
    expect(notAlpha).toHaveLength(total - 1);
    expect(notAlpha).not.toContain('pg.alpha@example.com');
    expect(await userNames('userName sw "pg." and active eq true')).toEqual([
      'pg.alpha@example.com',
      'pg.charlie@example.com',
      'pg.echo@example.com',
      'pg.golf@example.com',
    ]);
    expect(await userNames('userName eq "pg.delta@example.com" or displayName eq "Paging F"')).toEqual([
      'pg.delta@example.com',
      'pg.foxtrot@example.com',
    ]);
    expect(await userNames('(userName sw "pg.d" or userName sw "pg.e") and active eq false')).toEqual(['pg.delta@example.com']);
  });

  test('paging applies to the filtered result', async () => {
    const { ids, pages } = await pageAll('Users', 2, { filter: 'userName sw "pg."' });
    expect(ids).toHaveLength(names.length);
    expect(pages[0].totalResults).toBe(names.length);
    expect(pages).toHaveLength(Math.ceil(names.length / 2) + 1);
  });

  test('an unparsable filter is a 400 SCIM error', async () => {
    const r = await w.get(`${BASE}/Users`, { filter: 'userName eq' });
    expect(r.status).toBe(400);
    expectScimError(r.json, 400);
  });

  test('attributes keeps only the named attributes (plus id); excludedAttributes drops them', async () => {
    const only = await w.get(`${BASE}/Users`, { filter: 'userName eq "pg.echo@example.com"', attributes: 'userName' });
    const u = only.json.Resources[0];
    expect(u.id).toMatch(/^\d+$/);
    expect(u.userName).toBe('pg.echo@example.com');
    for (const k of ['displayName', 'emails', 'active', 'entitlements', 'groups']) expect(u).not.toHaveProperty(k);

    const two = await w.get(`${BASE}/Users`, { filter: 'userName eq "pg.echo@example.com"', attributes: 'id,displayName' });
    expect(two.json.Resources[0].displayName).toBe('Paging E');
    expect(two.json.Resources[0]).not.toHaveProperty('userName');

    const excluded = await w.get(`${BASE}/Users`, {
      filter: 'userName eq "pg.echo@example.com"',
      excludedAttributes: 'emails,displayName',
    });
    const e = excluded.json.Resources[0];
    expect(e.userName).toBe('pg.echo@example.com');
    expect(e.active).toBe(true);
    expect(e).not.toHaveProperty('emails');
    expect(e).not.toHaveProperty('displayName');

    const get = await w.get(`${BASE}/Users/${u.id}`, { attributes: 'userName' });
    expect(get.json.userName).toBe('pg.echo@example.com');
    expect(get.json).not.toHaveProperty('emails');
  });
});

describe('SCIM Groups', () => {
  test('the built-in admins and users groups exist as workspace groups; admins holds the workspace admin', async () => {
    const r = await w.get(`${BASE}/Groups`);
    expect(r.status).toBe(200);
    const names = r.json.Resources.map((g: Resource) => g.displayName);
    expect(names).toContain('admins');
    expect(names).toContain('users');
    const admins = await groupByName('admins');
    expect(admins.schemas).toEqual([GROUP_SCHEMA]);
    expect(admins.meta).toEqual({ resourceType: 'WorkspaceGroup' });
    const me = (await w.get(`${BASE}/Me`)).json;
    expect(admins.members).toEqual(expect.arrayContaining([{ display: 'Admin', value: me.id, $ref: `Users/${me.id}` }]));
    const users = await groupByName('users');
    expect(users.meta).toEqual({ resourceType: 'WorkspaceGroup' });
  });

  test('the built-in groups cannot be deleted or recreated', async () => {
    for (const name of ['admins', 'users']) {
      const g = await groupByName(name);
      const del = await w.delete(`${BASE}/Groups/${g.id}`);
      expect(del.status).toBe(400);
      expectScimError(del.json, 400);
      expect((await w.get(`${BASE}/Groups/${g.id}`)).status).toBe(200);
      const again = await w.post(`${BASE}/Groups`, { schemas: [GROUP_SCHEMA], displayName: name });
      expect(again.status).toBe(409);
      expect(again.json).toEqual({ schemas: [ERROR_SCHEMA], detail: `Group with name ${name} already exists.`, status: '409' });
    }
  });

  test('create answers 201 with the group; a duplicate displayName is 409', async () => {
    const u = await createUser('grp.member@example.com', { displayName: 'Grp Member' });
    const r = await w.post(`${BASE}/Groups`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'data-eng',
      members: [{ value: u.id }],
      entitlements: [{ value: 'allow-cluster-create' }],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      schemas: [GROUP_SCHEMA],
      displayName: 'data-eng',
      entitlements: [{ value: 'allow-cluster-create' }],
      meta: { resourceType: 'WorkspaceGroup' },
    });
    // A user member is displayed by its displayName, as a real workspace answers.
    expect(r.json.members).toEqual([{ display: 'Grp Member', value: u.id, $ref: `Users/${u.id}` }]);
    expect(r.json.id).toMatch(/^\d+$/);
    expect((await w.get(`${BASE}/Groups/${r.json.id}`)).json).toEqual(r.json);
    // The member now lists the group.
    expect((await w.get(`${BASE}/Users/${u.id}`)).json.groups).toEqual([
      { display: 'data-eng', type: 'direct', value: r.json.id, $ref: `Groups/${r.json.id}` },
    ]);

    const dup = await w.post(`${BASE}/Groups`, { schemas: [GROUP_SCHEMA], displayName: 'data-eng' });
    expect(dup.status).toBe(409);
    expectScimError(dup.json, 409, 'Group with name data-eng already exists.');
    expect(dup.json).not.toHaveProperty('scimType');
  });

  test('an empty group has no members key', async () => {
    const g = await createGroup('empty-group');
    expect(g).not.toHaveProperty('members');
    expect(g).not.toHaveProperty('entitlements');
  });

  test('unknown group id: 404 "Group not found."', async () => {
    const r = await w.get(`${BASE}/Groups/999999999`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ schemas: [ERROR_SCHEMA], detail: 'Group not found.', status: '404' });
    const del = await w.delete(`${BASE}/Groups/999999999`);
    expect(del.status).toBe(404);
    expectScimError(del.json, 404, 'Group not found.');
    const patch = await w.patch(`${BASE}/Groups/999999999`, patchOp({ op: 'add', path: 'members', value: [] }));
    expect(patch.status).toBe(404);
    expectScimError(patch.json, 404, 'Group not found.');
  });

  test('PATCH adds members (path and pathless) and removes them with members[value eq "id"] and by value', async () => {
    const g = await createGroup('patch-members');
    const a = await createUser('pm.a@example.com');
    const b = await createUser('pm.b@example.com');
    const c = await createUser('pm.c@example.com');
    const memberIds = async (): Promise<string[]> =>
      ((await w.get(`${BASE}/Groups/${g.id}`)).json.members ?? []).map((m: { value: string }) => m.value);

    let r = await w.patch(`${BASE}/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: a.id }, { value: b.id }] }));
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(await memberIds()).toEqual([a.id, b.id]);

    r = await w.patch(`${BASE}/Groups/${g.id}`, patchOp({ op: 'add', value: { members: [{ value: c.id }, { value: a.id }] } }));
    expect(r.status).toBe(204);
    expect(await memberIds()).toEqual([a.id, b.id, c.id]);

    r = await w.patch(`${BASE}/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${b.id}"]` }));
    expect(r.status).toBe(204);
    expect(await memberIds()).toEqual([a.id, c.id]);
    expect((await w.get(`${BASE}/Users/${b.id}`)).json).not.toHaveProperty('groups');
    expect((await w.get(`${BASE}/Users/${a.id}`)).json.groups).toEqual([
      { display: 'patch-members', type: 'direct', value: g.id, $ref: `Groups/${g.id}` },
    ]);

    r = await w.patch(`${BASE}/Groups/${g.id}`, patchOp({ op: 'remove', path: 'members', value: [{ value: a.id }] }));
    expect(r.status).toBe(204);
    expect(await memberIds()).toEqual([c.id]);
  });

  test('PATCH adds and removes group entitlements', async () => {
    const g = await createGroup('patch-ents');
    let r = await w.patch(
      `${BASE}/Groups/${g.id}`,
      patchOp({ op: 'add', path: 'entitlements', value: [{ value: 'allow-cluster-create' }, { value: 'workspace-access' }] }),
    );
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/Groups/${g.id}`)).json.entitlements).toEqual([
      { value: 'allow-cluster-create' },
      { value: 'workspace-access' },
    ]);
    // Entra ID provisioning capitalises op names ("Add", "Remove").
    r = await w.patch(`${BASE}/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'entitlements[value eq "allow-cluster-create"]' }));
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/Groups/${g.id}`)).json.entitlements).toEqual([{ value: 'workspace-access' }]);
  });

  test('nested groups: a group added as a member lists its parent in `groups`', async () => {
    const parent = await createGroup('nest-parent');
    const child = await createGroup('nest-child');
    const u = await createUser('nest.user@example.com');
    await w.patch(`${BASE}/Groups/${child.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }));
    const r = await w.patch(`${BASE}/Groups/${parent.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: child.id }] }));
    expect(r.status).toBe(204);

    const p = (await w.get(`${BASE}/Groups/${parent.id}`)).json;
    expect(p.members).toEqual([expect.objectContaining({ value: child.id, display: 'nest-child', $ref: `Groups/${child.id}` })]);
    const c = (await w.get(`${BASE}/Groups/${child.id}`)).json;
    expect(c.groups).toEqual([{ display: 'nest-parent', type: 'direct', value: parent.id, $ref: `Groups/${parent.id}` }]);
    expect(c.members).toEqual([expect.objectContaining({ value: u.id, $ref: `Users/${u.id}` })]);
    const user = (await w.get(`${BASE}/Users/${u.id}`)).json;
    expect(user.groups).toEqual(
      expect.arrayContaining([{ display: 'nest-child', type: 'direct', value: child.id, $ref: `Groups/${child.id}` }]),
    );

    // Deleting the parent removes it from the child's groups.
    expect((await w.delete(`${BASE}/Groups/${parent.id}`)).status).toBe(204);
    expect((await w.get(`${BASE}/Groups/${child.id}`)).json).not.toHaveProperty('groups');
  });

  test('a service principal can be a group member with a ServicePrincipals/ $ref', async () => {
    const sp = await createSp({ displayName: 'member-sp' });
    const g = await createGroup('sp-holder', { members: [{ value: sp.id }] });
    expect(g.members).toEqual([expect.objectContaining({ value: sp.id, $ref: `ServicePrincipals/${sp.id}` })]);
    expect((await w.get(`${BASE}/ServicePrincipals/${sp.id}`)).json.groups).toEqual([
      { display: 'sp-holder', type: 'direct', value: g.id, $ref: `Groups/${g.id}` },
    ]);
  });

  test('PUT replaces members and entitlements and can rename; a built-in group cannot be renamed', async () => {
    const a = await createUser('put.g.a@example.com');
    const b = await createUser('put.g.b@example.com');
    const g = await createGroup('put-group', { members: [{ value: a.id }], entitlements: [{ value: 'allow-cluster-create' }] });
    const r = await w.put(`${BASE}/Groups/${g.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'put-group-renamed',
      members: [{ value: b.id }],
    });
    expect(r.status).toBe(200);
    expect(r.json.displayName).toBe('put-group-renamed');
    expect(r.json.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
    expect(r.json).not.toHaveProperty('entitlements');
    expect((await w.get(`${BASE}/Groups/${g.id}`)).json).toEqual(r.json);

    const clash = await w.put(`${BASE}/Groups/${g.id}`, { schemas: [GROUP_SCHEMA], displayName: 'data-eng' });
    expect(clash.status).toBe(409);
    expectScimError(clash.json, 409, 'Group with name data-eng already exists.');

    const admins = await groupByName('admins');
    const rename = await w.put(`${BASE}/Groups/${admins.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'superusers',
      members: admins.members,
    });
    expect(rename.status).toBe(400);
    expectScimError(rename.json, 400);
    expect((await w.get(`${BASE}/Groups/${admins.id}`)).json.displayName).toBe('admins');
  });

  test('DELETE answers 204 and the group is gone', async () => {
    const g = await createGroup('short-lived');
    const r = await w.delete(`${BASE}/Groups/${g.id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect((await w.get(`${BASE}/Groups/${g.id}`)).status).toBe(404);
    expect((await w.get(`${BASE}/Groups`, { filter: 'displayName eq "short-lived"' })).json.totalResults).toBe(0);
  });

  test('group list paging and attributes', async () => {
    const all = (await w.get(`${BASE}/Groups`)).json;
    const { ids } = await pageAll('Groups', 2);
    expect(ids).toEqual(all.Resources.map((g: Resource) => g.id));
    const slim = await w.get(`${BASE}/Groups`, { attributes: 'id,displayName', filter: 'displayName eq "admins"' });
    expect(slim.json.Resources[0].displayName).toBe('admins');
    expect(slim.json.Resources[0]).not.toHaveProperty('members');
    const sw = await w.get(`${BASE}/Groups`, { filter: 'displayName sw "nest-"' });
    expect(sw.json.Resources.map((g: Resource) => g.displayName)).toEqual(['nest-child']);
  });
});

describe('SCIM ServicePrincipals', () => {
  test('create with an applicationId keeps it; 201 with the ServicePrincipal resource', async () => {
    const appId = '0f4f3c6e-1d2b-4a5c-9e8f-7a6b5c4d3e2f';
    const r = await w.post(`${BASE}/ServicePrincipals`, {
      schemas: [SP_SCHEMA],
      applicationId: appId,
      displayName: 'etl-runner',
      entitlements: [{ value: 'allow-cluster-create' }],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      schemas: [SP_SCHEMA],
      applicationId: appId,
      displayName: 'etl-runner',
      active: true,
      entitlements: [{ value: 'allow-cluster-create' }],
    });
    expect(r.json.id).toMatch(/^\d+$/);
    expect(r.json).not.toHaveProperty('userName');
    expect((await w.get(`${BASE}/ServicePrincipals/${r.json.id}`)).json).toEqual(r.json);
  });

  test('create without an applicationId gets a generated UUID', async () => {
    const a = await createSp({ displayName: 'managed-1' });
    const b = await createSp({ displayName: 'managed-2' });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(a.applicationId).toMatch(uuid);
    expect(b.applicationId).toMatch(uuid);
    expect(a.applicationId).not.toBe(b.applicationId);
    expect(a.displayName).toBe('managed-1');
  });

  test('a duplicate applicationId is 409', async () => {
    const appId = '11111111-2222-4333-8444-555555555555';
    await createSp({ applicationId: appId, displayName: 'first' });
    const r = await w.post(`${BASE}/ServicePrincipals`, { schemas: [SP_SCHEMA], applicationId: appId, displayName: 'second' });
    expect(r.status).toBe(409);
    expect(r.json).toEqual({
      schemas: [ERROR_SCHEMA],
      detail: `Service principal with application ID ${appId} already exists.`,
      status: '409',
    });
  });

  test('filter by applicationId, list paging', async () => {
    const appId = '22222222-3333-4444-8555-666666666666';
    const sp = await createSp({ applicationId: appId, displayName: 'filtered' });
    const r = await w.get(`${BASE}/ServicePrincipals`, { filter: `applicationId eq "${appId}"` });
    expect(r.json.totalResults).toBe(1);
    expect(r.json.Resources[0].id).toBe(sp.id);
    const all = (await w.get(`${BASE}/ServicePrincipals`)).json;
    expect(all.totalResults).toBeGreaterThanOrEqual(5);
    const { ids } = await pageAll('ServicePrincipals', 2);
    expect(ids).toEqual(all.Resources.map((s: Resource) => s.id));
    const none = await w.get(`${BASE}/ServicePrincipals`, { filter: 'displayName eq "no-such-sp"' });
    expect(none.json).not.toHaveProperty('Resources');
    expect(none.json.totalResults).toBe(0);
  });

  test('PATCH entitlements and active, PUT, DELETE', async () => {
    const sp = await createSp({ displayName: 'mutable-sp' });
    let r = await w.patch(
      `${BASE}/ServicePrincipals/${sp.id}`,
      patchOp({ op: 'add', path: 'entitlements', value: [{ value: 'databricks-sql-access' }] }),
    );
    expect(r.status).toBe(204);
    expect((await w.get(`${BASE}/ServicePrincipals/${sp.id}`)).json.entitlements).toEqual([{ value: 'databricks-sql-access' }]);
    r = await w.patch(
      `${BASE}/ServicePrincipals/${sp.id}`,
      patchOp({ op: 'remove', path: 'entitlements[value eq "databricks-sql-access"]' }, { op: 'replace', path: 'active', value: false }),
    );
    expect(r.status).toBe(204);
    const after = (await w.get(`${BASE}/ServicePrincipals/${sp.id}`)).json;
    expect(after).not.toHaveProperty('entitlements');
    expect(after.active).toBe(false);

    r = await w.put(`${BASE}/ServicePrincipals/${sp.id}`, {
      schemas: [SP_SCHEMA],
      applicationId: sp.applicationId,
      displayName: 'renamed-sp',
      active: true,
      entitlements: [{ value: 'workspace-access' }],
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: sp.id,
      applicationId: sp.applicationId,
      displayName: 'renamed-sp',
      active: true,
      entitlements: [{ value: 'workspace-access' }],
    });

    r = await w.delete(`${BASE}/ServicePrincipals/${sp.id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const gone = await w.get(`${BASE}/ServicePrincipals/${sp.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ schemas: [ERROR_SCHEMA], detail: 'Service principal not found.', status: '404' });
  });
});

describe('SCIM Me', () => {
  test('the PAT caller is the workspace admin, a member of admins; the org id header is set', async () => {
    const r = await w.get(`${BASE}/Me`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-databricks-org-id')).toBe(emu.workspace.workspaceId);
    expect(r.json).toMatchObject({
      schemas: [USER_SCHEMA, USER_WS_SCHEMA],
      userName: ADMIN,
      active: true,
      emails: [{ type: 'work', value: ADMIN, primary: true }],
    });
    const admins = await groupByName('admins');
    expect(r.json.groups).toEqual(
      expect.arrayContaining([{ display: 'admins', type: 'direct', value: admins.id, $ref: `Groups/${admins.id}` }]),
    );
    // Me is the same resource as Users/<id>.
    expect((await w.get(`${BASE}/Users/${r.json.id}`)).json).toEqual(r.json);
  });

  test('attributes and excludedAttributes select fields, as on Users/<id>', async () => {
    const me = (await w.get(`${BASE}/Me`)).json;
    expect(me.groups).toBeDefined();
    const some = (await w.get(`${BASE}/Me`, { attributes: 'userName' })).json;
    expect(Object.keys(some).sort()).toEqual(['id', 'schemas', 'userName']);
    const without = (await w.get(`${BASE}/Me`, { excludedAttributes: 'groups,emails' })).json;
    expect(without.groups).toBeUndefined();
    expect(without.emails).toBeUndefined();
    expect(without.userName).toBe(me.userName);
  });

  test('a non-admin user (Entra token) is not in admins', async () => {
    const u = await createUser('entra.user@example.com');
    const r = await api(emu.url, entraToken({ upn: 'entra.user@example.com' })).get(`${BASE}/Me`);
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(u.id);
    expect(r.json.userName).toBe('entra.user@example.com');
    expect(r.json).not.toHaveProperty('groups');
  });

  test('a service principal caller reads back as a User whose userName is its applicationId', async () => {
    const appId = '33333333-4444-4555-8666-777777777777';
    const sp = await createSp({ applicationId: appId, displayName: 'me-sp' });
    const r = await api(emu.url, entraToken({ appid: appId })).get(`${BASE}/Me`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: sp.id, userName: appId, displayName: 'me-sp', active: true });
    expect(r.json.schemas).toContain(USER_SCHEMA);
  });
});

describe('SCIM bad JSON', () => {
  test('is answered in the SCIM error schema with prose in scimType', async () => {
    const emu = await startEmulator();
    try {
      const r = await call(emu.url, 'POST', '/api/2.0/preview/scim/v2/Users', { body: '{"userName": ' });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        detail: 'Request is unparsable, syntactically incorrect, or violates schema.',
        status: '400',
        scimType: 'Invalid JSON provided in request body.',
      });
    } finally {
      await emu.stop();
    }
  });
});
