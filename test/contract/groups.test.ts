import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { fakeEntraToken } from '../support/entra.js';
import { type Api, api } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator({
    fixture: {
      version: 1,
      users: [{ userName: 'ana@example.com' }, { userName: 'bo@example.com' }],
      servicePrincipals: [{ applicationId: '6b1c3e52-0d0c-4d55-8e5b-2bb5f4a7f0a1', displayName: 'etl' }],
    },
  });
  w = api(emu.url);
});
afterAll(() => emu.stop());

describe('legacy Groups API 2.0', () => {
  test('list names every group, built-in ones included; SCIM sees the same groups', async () => {
    const r = await w.get('/api/2.0/groups/list');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ group_names: ['admins', 'users'] });
  });

  test('create echoes the name; a second create is RESOURCE_ALREADY_EXISTS; SCIM lists the group', async () => {
    const created = await w.post('/api/2.0/groups/create', { group_name: 'analysts' });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ group_name: 'analysts' });
    const again = await w.post('/api/2.0/groups/create', { group_name: 'analysts' });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Group analysts already exists.' });
    const scim = await w.get('/api/2.0/preview/scim/v2/Groups', { filter: 'displayName eq "analysts"' });
    expect(scim.json.Resources).toHaveLength(1);
  });

  test('add-member, list-members (direct only), list-parents, remove-member', async () => {
    await w.post('/api/2.0/groups/create', { group_name: 'etl-team' });
    await w.post('/api/2.0/groups/create', { group_name: 'data' });
    expect((await w.post('/api/2.0/groups/add-member', { parent_name: 'etl-team', user_name: 'ana@example.com' })).json).toEqual({});
    await w.post('/api/2.0/groups/add-member', { parent_name: 'data', group_name: 'etl-team' });
    await w.post('/api/2.0/groups/add-member', { parent_name: 'etl-team', user_name: '6b1c3e52-0d0c-4d55-8e5b-2bb5f4a7f0a1' });
    // Adding twice changes nothing.
    await w.post('/api/2.0/groups/add-member', { parent_name: 'etl-team', user_name: 'ana@example.com' });

    const members = await w.get('/api/2.0/groups/list-members', { group_name: 'etl-team' });
    expect(members.json).toEqual({
      members: [{ user_name: 'ana@example.com' }, { user_name: '6b1c3e52-0d0c-4d55-8e5b-2bb5f4a7f0a1' }],
    });
    expect((await w.get('/api/2.0/groups/list-members', { group_name: 'data' })).json).toEqual({ members: [{ group_name: 'etl-team' }] });
    // Parents are direct too: ana is in data only through etl-team.
    expect((await w.get('/api/2.0/groups/list-parents', { user_name: 'ana@example.com' })).json).toEqual({ group_names: ['etl-team'] });
    expect((await w.get('/api/2.0/groups/list-parents', { group_name: 'etl-team' })).json).toEqual({ group_names: ['data'] });
    expect((await w.get('/api/2.0/groups/list-parents', { user_name: 'bo@example.com' })).json).toEqual({});
    // SCIM shows the membership made through the legacy API.
    const scim = await w.get('/api/2.0/preview/scim/v2/Groups', { filter: 'displayName eq "etl-team"' });
    expect(scim.json.Resources[0].members.map((m: { display: string }) => m.display).sort()).toEqual(['Ana', 'etl']);

    expect((await w.post('/api/2.0/groups/remove-member', { parent_name: 'etl-team', user_name: 'ana@example.com' })).json).toEqual({});
    expect((await w.get('/api/2.0/groups/list-parents', { user_name: 'ana@example.com' })).json).toEqual({});
  });

  test('unknown groups and members are RESOURCE_DOES_NOT_EXIST (404); bad arguments are 400', async () => {
    const missing = await w.get('/api/2.0/groups/list-members', { group_name: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Group nope does not exist.' });
    const noUser = await w.post('/api/2.0/groups/add-member', { parent_name: 'admins', user_name: 'ghost@example.com' });
    expect(noUser.status).toBe(404);
    expect(noUser.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const noParent = await w.post('/api/2.0/groups/add-member', { parent_name: 'ghosts', user_name: 'ana@example.com' });
    expect(noParent.status).toBe(404);
    const both = await w.post('/api/2.0/groups/add-member', { parent_name: 'admins', user_name: 'ana@example.com', group_name: 'users' });
    expect(both.status).toBe(400);
    expect(both.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await w.get('/api/2.0/groups/list-parents')).status).toBe(400);
    const noName = await w.post('/api/2.0/groups/delete', {});
    expect(noName.status).toBe(400);
  });

  test('delete removes the group and its memberships; built-in groups cannot be deleted', async () => {
    await w.post('/api/2.0/groups/create', { group_name: 'temp' });
    await w.post('/api/2.0/groups/add-member', { parent_name: 'temp', user_name: 'bo@example.com' });
    expect((await w.post('/api/2.0/groups/delete', { group_name: 'temp' })).json).toEqual({});
    expect((await w.get('/api/2.0/groups/list')).json.group_names).not.toContain('temp');
    expect((await w.get('/api/2.0/groups/list-parents', { user_name: 'bo@example.com' })).json).toEqual({});
    const builtIn = await w.post('/api/2.0/groups/delete', { group_name: 'admins' });
    expect(builtIn.status).toBe(400);
    expect((await w.get('/api/2.0/groups/list')).json.group_names).toContain('admins');
  });

  test('only admins may call it', async () => {
    const ana = api(emu.url, fakeEntraToken('ana@example.com'));
    const r = await ana.get('/api/2.0/groups/list');
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error_code: 'PERMISSION_DENIED', message: 'You must be a Databricks administrator to invoke this API.' });
  });
});
