import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { fakeEntraToken } from '../support/entra.js';
import { type Api, api } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeEach(async () => {
  emu = await startEmulator({ fixture: { version: 1, users: [{ userName: 'ana@example.com' }] } });
  w = api(emu.url);
});
afterEach(() => emu.stop());

const LISTS = '/api/2.0/ip-access-lists';
const enable = (value = 'true') => w.patch('/api/2.0/workspace-conf', { enableIpAccessLists: value });

describe('IP access lists', () => {
  test('create, get, list, update, replace, delete in the API shapes', async () => {
    expect((await w.get(LISTS)).json).toEqual({});
    const created = await w.post(LISTS, { label: 'office', list_type: 'ALLOW', ip_addresses: ['1.1.1.1', '2.2.2.0/21'] });
    expect(created.status).toBe(200);
    const list = created.json.ip_access_list;
    expect(list).toEqual({
      list_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      label: 'office',
      ip_addresses: ['1.1.1.1', '2.2.2.0/21'],
      address_count: 2,
      list_type: 'ALLOW',
      created_at: expect.any(Number),
      created_by: expect.anything(),
      updated_at: expect.any(Number),
      updated_by: expect.anything(),
      enabled: true,
    });
    // User ids are int64 JSON numbers: the admin's SCIM id.
    expect(created.text).toContain(`"created_by":${emu.workspace.principals.adminCaller().id}`);
    expect(String(list.updated_by)).toBe(emu.workspace.principals.adminCaller().id);
    expect((await w.get(`${LISTS}/${list.list_id}`)).json).toEqual({ ip_access_list: list });
    expect((await w.get(LISTS)).json).toEqual({ ip_access_lists: [list] });

    // PATCH changes only what it names.
    const patched = await w.patch(`${LISTS}/${list.list_id}`, { enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.json.ip_access_list).toMatchObject({ label: 'office', ip_addresses: ['1.1.1.1', '2.2.2.0/21'], enabled: false });
    // PUT replaces everything and needs enabled.
    const noEnabled = await w.put(`${LISTS}/${list.list_id}`, { label: 'vpn', list_type: 'BLOCK', ip_addresses: ['3.3.3.3'] });
    expect(noEnabled.status).toBe(400);
    const replaced = await w.put(`${LISTS}/${list.list_id}`, {
      label: 'vpn',
      list_type: 'BLOCK',
      ip_addresses: ['3.3.3.3'],
      enabled: true,
    });
    expect(replaced.json.ip_access_list).toMatchObject({ label: 'vpn', list_type: 'BLOCK', ip_addresses: ['3.3.3.3'], address_count: 1 });

    expect((await w.delete(`${LISTS}/${list.list_id}`)).json).toEqual({});
    const gone = await w.get(`${LISTS}/${list.list_id}`);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Can't find an IP access list with id: ${list.list_id}.` });
    expect((await w.delete(`${LISTS}/${list.list_id}`)).status).toBe(404);
  });

  test('labels, types and addresses are validated; IPv6 is not supported', async () => {
    const bad = async (body: Record<string, unknown>) => {
      const r = await w.post(LISTS, body);
      expect(r.status).toBe(400);
      return r.json;
    };
    expect((await bad({ label: '', list_type: 'ALLOW', ip_addresses: ['1.1.1.1'] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await bad({ label: 'x', list_type: 'allow', ip_addresses: ['1.1.1.1'] })).error_code).toBe('INVALID_PARAMETER_VALUE');
    for (const address of ['1.1.1', '256.1.1.1', '1.1.1.1/33', '10.0.0.0/8/1', 'example.com']) {
      expect(await bad({ label: 'x', list_type: 'ALLOW', ip_addresses: [address] })).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `Invalid IP address or CIDR range: ${address}`,
      });
    }
    expect((await bad({ label: 'x', list_type: 'ALLOW', ip_addresses: ['2001:db8::/32'] })).message).toMatch(/only IPv4/);
    // Overlapping values in one list are fine (Terraform's acceptance test does this).
    expect((await w.post(LISTS, { label: 'x', list_type: 'BLOCK', ip_addresses: ['10.0.10.25', '10.0.10.0/24'] })).status).toBe(200);
    expect(await bad({ label: 'x', list_type: 'BLOCK', ip_addresses: ['9.9.9.9'] })).toEqual({
      error_code: 'RESOURCE_ALREADY_EXISTS',
      message: 'IP access list with type (BLOCK) and label (x) already exists',
    });
    // The same label on the other list type is another list.
    expect((await w.post(LISTS, { label: 'x', list_type: 'ALLOW', ip_addresses: ['9.9.9.9'] })).status).toBe(200);
  });

  test('at most 1000 values over all lists, one CIDR counting as one', async () => {
    const many = (n: number, third: number) => Array.from({ length: n }, (_, i) => `10.${third}.${Math.floor(i / 250)}.${i % 250}`);
    expect((await w.post(LISTS, { label: 'a', list_type: 'BLOCK', ip_addresses: many(600, 1) })).status).toBe(200);
    expect((await w.post(LISTS, { label: 'b', list_type: 'BLOCK', ip_addresses: many(400, 2) })).status).toBe(200);
    const over = await w.post(LISTS, { label: 'c', list_type: 'BLOCK', ip_addresses: ['10.99.0.0/16'] });
    expect(over.status).toBe(400);
    expect(over.json.error_code).toBe('QUOTA_EXCEEDED');
  });

  test('while the feature is on, a change that would block the caller is INVALID_STATE', async () => {
    expect((await w.post(LISTS, { label: 'loopback', list_type: 'ALLOW', ip_addresses: ['127.0.0.0/8'] })).status).toBe(200);
    // Off: lists that would block the caller are accepted (they have no effect yet).
    const other = await w.post(LISTS, { label: 'elsewhere', list_type: 'BLOCK', ip_addresses: ['127.0.0.1'] });
    expect(other.status).toBe(200);
    await w.delete(`${LISTS}/${other.json.ip_access_list.list_id}`);
    await enable();
    const blockSelf = await w.post(LISTS, { label: 'me', list_type: 'BLOCK', ip_addresses: ['127.0.0.1'] });
    expect(blockSelf.status).toBe(400);
    expect(blockSelf.json.error_code).toBe('INVALID_STATE');
    expect(blockSelf.json.message).toContain('127.0.0.1');
    const loopback = (await w.get(LISTS)).json.ip_access_lists[0];
    const narrow = await w.patch(`${LISTS}/${loopback.list_id}`, { ip_addresses: ['10.0.0.0/8'] });
    expect(narrow.json.error_code).toBe('INVALID_STATE');
    // Another allow list for someone else is fine: the caller still matches one.
    expect((await w.post(LISTS, { label: 'office', list_type: 'ALLOW', ip_addresses: ['203.0.113.0/24'] })).status).toBe(200);
    expect((await w.get('/api/2.0/clusters/list')).status).toBe(200);
  });

  test('enforcement: with the feature on, a caller no allow list covers gets the 403 of the service', async () => {
    await w.post(LISTS, { label: 'office', list_type: 'ALLOW', ip_addresses: ['203.0.113.0/24'] });
    expect((await w.get('/api/2.0/clusters/list')).status).toBe(200);
    // Enabling is not checked against the caller: the workspace locks itself out.
    expect((await enable()).status).toBe(200);
    const blocked = await w.get('/api/2.0/clusters/list');
    expect(blocked.status).toBe(403);
    expect(blocked.json.error_code).toBe(403);
    expect(blocked.json.message).toMatch(
      new RegExp(
        `^Source IP address: 127\\.0\\.0\\.1 is blocked by Databricks IP ACL for workspace: ${emu.workspace.workspaceId} \\[ReqId: `,
      ),
    );
    // Before authentication: a caller without credentials gets the same answer.
    expect((await api(emu.url, null).get('/api/2.0/clusters/list')).status).toBe(403);
    // The emulator's own endpoints stay reachable.
    expect((await fetch(`${emu.url}/__emulator/health`)).status).toBe(200);
    emu.workspace.workspaceConf.set({ enableIpAccessLists: 'false' });
    expect((await w.get('/api/2.0/clusters/list')).status).toBe(200);
  });

  test('block lists win over allow lists; disabled lists do not count', async () => {
    const allow = (await w.post(LISTS, { label: 'loopback', list_type: 'ALLOW', ip_addresses: ['127.0.0.0/8'] })).json.ip_access_list;
    const block = (await w.post(LISTS, { label: 'me', list_type: 'BLOCK', ip_addresses: ['127.0.0.1/32'] })).json.ip_access_list;
    await w.patch(`${LISTS}/${block.list_id}`, { enabled: false });
    await enable('True');
    expect((await w.get(LISTS)).status).toBe(200);
    // Re-enabling the block list would lock the caller out.
    expect((await w.patch(`${LISTS}/${block.list_id}`, { enabled: true })).json.error_code).toBe('INVALID_STATE');
    const ws = emu.workspace.ipAccessLists;
    expect(ws.allows('127.0.0.1')).toBe(true);
    const blockRecord = ws.get(block.list_id);
    blockRecord.enabled = true;
    expect(ws.allows('127.0.0.1')).toBe(false);
    expect(ws.allows('127.0.0.2')).toBe(true);
    expect(ws.allows('10.1.2.3')).toBe(false);
    expect(ws.allows(undefined)).toBe(false);
    ws.delete(allow.list_id);
    expect(ws.allows('10.1.2.3')).toBe(true);
  });

  test('only admins manage lists', async () => {
    const ana = api(emu.url, fakeEntraToken('ana@example.com'));
    const r = await ana.get(LISTS);
    expect(r.status).toBe(403);
    expect(r.json.error_code).toBe('PERMISSION_DENIED');
  });

  test('the fixture section round-trips, ids and times included; a fresh workspace has none', async () => {
    expect(emu.workspace.toFixture()).not.toHaveProperty('ipAccessLists');
    await w.post(LISTS, { label: 'loopback', list_type: 'ALLOW', ip_addresses: ['127.0.0.0/8'] });
    const off = (await w.post(LISTS, { label: 'old', list_type: 'BLOCK', ip_addresses: ['198.51.100.7'] })).json.ip_access_list;
    await w.patch(`${LISTS}/${off.list_id}`, { enabled: false });
    await enable();
    const dump = emu.workspace.toFixture();
    expect(dump.ipAccessLists).toHaveLength(2);
    const copy = await startEmulator({ fixture: dump, seed: 99 });
    try {
      expect(copy.workspace.toFixture()).toEqual(dump);
      expect((await api(copy.url).get(LISTS)).json).toEqual((await w.get(LISTS)).json);
    } finally {
      await copy.stop();
    }
  });
});
