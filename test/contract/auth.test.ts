import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { AZURE_DATABRICKS_APP_ID } from '../emulator/auth.js';
import { api, call } from '../support/http.js';

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

const now = Math.floor(Date.now() / 1000);

describe('authentication', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  test('no credential: 401 with a numeric error_code', async () => {
    const r = await call(emu.url, 'GET', '/api/2.0/clusters/list', { token: null });
    expect(r.status).toBe(401);
    expect(r.json.error_code).toBe(401);
    expect(r.json.message).toMatch(/^Credential was not sent or was of an unsupported type for this API\. \[ReqId: [0-9a-f-]{36}\]$/);
    const basic = await call(emu.url, 'GET', '/api/2.0/clusters/list', { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
  });

  test('an invalid token: 403 with a numeric error_code and the reason-phrase header', async () => {
    const r = await call(emu.url, 'GET', '/api/2.0/clusters/list', { token: 'not-a-token' });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ error_code: 403, message: 'Invalid access token.' });
    expect(r.headers.get('x-databricks-reason-phrase')).toBe('Invalid access token.');
  });

  test('any dapi token is the admin user by default', async () => {
    const me = await api(emu.url, 'dapi0123456789abcdef').get('/api/2.0/preview/scim/v2/Me');
    expect(me.status).toBe(200);
    expect(me.json.userName).toBe('admin@example.com');
    expect(me.headers.get('x-databricks-org-id')).toBe(emu.workspace.workspaceId);
  });

  test('Entra ID tokens: audience checked, users and service principals resolved', async () => {
    const user = jwt({ aud: AZURE_DATABRICKS_APP_ID, iss: 'https://sts.windows.net/t/', exp: now + 3600, upn: 'admin@example.com' });
    expect((await api(emu.url, user).get('/api/2.0/preview/scim/v2/Me')).json.userName).toBe('admin@example.com');
    const wrongAud = jwt({ aud: 'https://management.core.windows.net/', exp: now + 3600, upn: 'admin@example.com' });
    const bad = await api(emu.url, wrongAud).get('/api/2.0/preview/scim/v2/Me');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('text/html');
    expect(bad.text).toContain('<title>Error 400 io.jsonwebtoken.IncorrectClaimException');
    const expired = jwt({ aud: AZURE_DATABRICKS_APP_ID, exp: now - 60, upn: 'admin@example.com' });
    expect((await api(emu.url, expired).get('/api/2.0/preview/scim/v2/Me')).status).toBe(403);
  });

  test('a service principal not in the workspace is provisioned as admin only with the Azure management headers', async () => {
    const appId = '6f2b3c7e-1111-4222-8333-944455556666';
    const token = jwt({ aud: AZURE_DATABRICKS_APP_ID, exp: now + 3600, appid: appId, name: 'dr-automation' });
    const without = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token });
    expect(without.status).toBe(403);
    const headers = {
      'x-databricks-azure-sp-management-token': 'mgmt-token',
      'x-databricks-azure-workspace-resource-id': '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/w',
    };
    const me = await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token, headers });
    expect(me.status).toBe(200);
    expect(me.json.userName).toBe(appId);
    expect(me.json.groups.map((g: { display: string }) => g.display)).toContain('admins');
    // Known from now on, even without the headers.
    expect((await call(emu.url, 'GET', '/api/2.0/preview/scim/v2/Me', { token })).status).toBe(200);
  });
});

describe('--token', () => {
  test('accepts only the configured token', async () => {
    const emu = await startEmulator({ token: 'dapi-the-one' });
    try {
      expect((await api(emu.url, 'dapi-the-one').get('/api/2.0/clusters/list')).status).toBe(200);
      const other = await api(emu.url, 'dapi-another').get('/api/2.0/clusters/list');
      expect(other.status).toBe(403);
      expect(other.json.error_code).toBe(403);
    } finally {
      await emu.stop();
    }
  });
});
