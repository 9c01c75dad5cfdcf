import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

describe('secrets', () => {
  test('scopes: create, list, duplicate (400 RESOURCE_ALREADY_EXISTS), case-insensitive names, delete', async () => {
    expect((await w.post('/api/2.0/secrets/scopes/create', { scope: 'etl' })).status).toBe(200);
    const dup = await w.post('/api/2.0/secrets/scopes/create', { scope: 'ETL' });
    expect(dup.status).toBe(400);
    expect(dup.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Scope ETL already exists!' });
    expect((await w.get('/api/2.0/secrets/scopes/list')).json).toEqual({ scopes: [{ name: 'etl', backend_type: 'DATABRICKS' }] });
    const bad = await w.post('/api/2.0/secrets/scopes/create', { scope: 'bad name!' });
    expect(bad.status).toBe(400);
    expect(bad.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    await w.post('/api/2.0/secrets/scopes/create', { scope: 'tmp' });
    expect((await w.post('/api/2.0/secrets/scopes/delete', { scope: 'tmp' })).status).toBe(200);
    const gone = await w.post('/api/2.0/secrets/scopes/delete', { scope: 'tmp' });
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  test('values are stored but never returned', async () => {
    await w.post('/api/2.0/secrets/put', { scope: 'etl', key: 'password', string_value: 's3cr3t-value' });
    await w.post('/api/2.0/secrets/put', { scope: 'etl', key: 'cert', bytes_value: b64('binary') });
    const listed = await w.get('/api/2.0/secrets/list', { scope: 'etl' });
    expect(listed.json.secrets.map((s: { key: string }) => s.key).sort()).toEqual(['cert', 'password']);
    expect(listed.text).not.toContain('s3cr3t-value');
    expect(typeof listed.json.secrets[0].last_updated_timestamp).toBe('number');
    const get = await w.get('/api/2.0/secrets/get', { scope: 'etl', key: 'password' });
    expect(get.status).toBe(400);
    expect(get.text).not.toContain('s3cr3t');
    expect(emu.workspace.secrets.scope('etl').secrets.get('password')?.value.toString()).toBe('s3cr3t-value');
    const both = await w.post('/api/2.0/secrets/put', { scope: 'etl', key: 'k', string_value: 'a', bytes_value: b64('b') });
    expect(both.status).toBe(400);
    expect((await w.post('/api/2.0/secrets/delete', { scope: 'etl', key: 'cert' })).status).toBe(200);
    expect((await w.post('/api/2.0/secrets/delete', { scope: 'etl', key: 'cert' })).status).toBe(404);
  });

  test('ACLs: the creator manages a new scope; "users" as initial manager replaces the creator', async () => {
    expect((await w.get('/api/2.0/secrets/acls/list', { scope: 'etl' })).json).toEqual({
      items: [{ principal: 'admin@example.com', permission: 'MANAGE' }],
    });
    await w.post('/api/2.0/secrets/scopes/create', { scope: 'shared', initial_manage_principal: 'users' });
    expect((await w.get('/api/2.0/secrets/acls/list', { scope: 'shared' })).json).toEqual({
      items: [{ principal: 'users', permission: 'MANAGE' }],
    });
    expect((await w.post('/api/2.0/secrets/acls/put', { scope: 'etl', principal: 'users', permission: 'READ' })).status).toBe(200);
    expect((await w.post('/api/2.0/secrets/acls/put', { scope: 'etl', principal: 'users', permission: 'WRITE' })).status).toBe(200);
    expect((await w.get('/api/2.0/secrets/acls/get', { scope: 'etl', principal: 'users' })).json).toEqual({
      principal: 'users',
      permission: 'WRITE',
    });
    const badPerm = await w.post('/api/2.0/secrets/acls/put', { scope: 'etl', principal: 'users', permission: 'OWN' });
    expect(badPerm.status).toBe(400);
    const nobody = await w.post('/api/2.0/secrets/acls/put', { scope: 'etl', principal: 'ghost@example.com', permission: 'READ' });
    expect(nobody.status).toBe(400);
    expect((await w.post('/api/2.0/secrets/acls/delete', { scope: 'etl', principal: 'users' })).status).toBe(200);
    expect((await w.get('/api/2.0/secrets/acls/get', { scope: 'etl', principal: 'users' })).status).toBe(404);
  });

  test('Key Vault-backed scopes need an Entra token and refuse puts', async () => {
    const kv = {
      scope: 'kv',
      scope_backend_type: 'AZURE_KEYVAULT',
      backend_azure_keyvault: {
        resource_id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/z',
        dns_name: 'https://z.vault.azure.net/',
      },
    };
    const withPat = await w.post('/api/2.0/secrets/scopes/create', kv);
    expect(withPat.status).toBe(400);
    expect(withPat.json.error_code).toBe('BAD_REQUEST');
    emu.workspace.secrets.createScope('kv', 'AZURE_KEYVAULT', 'admin@example.com', undefined, kv.backend_azure_keyvault);
    const scopes = (await w.get('/api/2.0/secrets/scopes/list')).json.scopes;
    expect(scopes).toContainEqual({
      name: 'kv',
      backend_type: 'AZURE_KEYVAULT',
      keyvault_metadata: kv.backend_azure_keyvault,
      is_databricks_managed: false,
    });
    const put = await w.post('/api/2.0/secrets/put', { scope: 'kv', key: 'a', string_value: 'b' });
    expect(put.status).toBe(400);
    expect(put.json.error_code).toBe('BAD_REQUEST');
  });
});
