import { withKindLimits } from '../../shared/app/services.js';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { AccessToken, TokenCredential } from '@azure/core-auth';

import { type AuthProvider, AZURE_DATABRICKS_SCOPE, AZURE_MANAGEMENT_SCOPE, EntraAuth, PatAuth } from '../../shared/databricks/auth.js';
import { DatabricksClient, type DatabricksClientOptions } from '../../shared/databricks/client.js';
import { DatabricksApiError } from '../../shared/databricks/errors.js';
import { DEFAULT_RATE_LIMITS, limitFor, type RateLimits } from '../../shared/databricks/families.js';
import { DrError } from '../../shared/errors/drError.js';
import { AZURE_DATABRICKS_APP_ID } from '../emulator/auth.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { b64 } from '../support/http.js';
import { pollUntil } from '../support/poll.js';

// The rate limits every client gets: the named families the artifact kinds declare.
const KIND_LIMITS = withKindLimits(DEFAULT_RATE_LIMITS);

const TOKEN = 'dapi-emulator-secret-0123456789abcdef';
const EXPORT = '/api/2.0/workspace/export';
const GET_STATUS = '/api/2.0/workspace/get-status';
const JOBS_CREATE = '/api/2.1/jobs/create';
const NOTEBOOK = '/Shared/client-test/notebook';
const NOTEBOOK_SOURCE = '# Databricks notebook source\nprint("client test")\n';

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

/** A TokenCredential that hands out fixed tokens per scope and records what was asked. */
function staticCredential(tokens: Record<string, string>, calls: string[] = []): TokenCredential {
  return {
    getToken: async (scopes: string | string[]): Promise<AccessToken | null> => {
      const scope = Array.isArray(scopes) ? (scopes[0] as string) : scopes;
      calls.push(scope);
      const token = tokens[scope];
      return token === undefined ? null : { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

let emu: EmulatorHandle;
const clients: DatabricksClient[] = [];

/** A client against the shared emulator, with short backoffs so retries cost milliseconds. */
function client(extra: Partial<DatabricksClientOptions> = {}): DatabricksClient {
  const c = new DatabricksClient({
    host: emu.url,
    auth: new PatAuth(TOKEN),
    limits: KIND_LIMITS,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
  clients.push(c);
  return c;
}

const statuses = (method: string, route: string) => emu.stats.snapshot().endpoints[`${method} ${route}`]?.statuses ?? {};
const jobCount = () => emu.workspace.jobs.records.size;

beforeAll(async () => {
  emu = await startEmulator({ int64Ids: 'beyond-2^53', token: TOKEN, acceptEntraTokens: true, seed: 5 });
  const setup = new DatabricksClient({ host: emu.url, auth: new PatAuth(TOKEN) });
  await setup.post('/api/2.0/workspace/mkdirs', { path: '/Shared/client-test' });
  await setup.post('/api/2.0/workspace/import', { path: NOTEBOOK, format: 'SOURCE', language: 'PYTHON', content: b64(NOTEBOOK_SOURCE) });
  setup.close();
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.faults.clearScripted();
  emu.stats.reset();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('requests and lossless JSON', () => {
  test('POST and GET keep int64 ids beyond 2^53 exact, in bodies and query strings', async () => {
    const c = client();
    const created = await c.post<{ job_id: bigint }>(JOBS_CREATE, { name: 'lossless ids', max_concurrent_runs: 1 });
    expect(typeof created.job_id).toBe('bigint');
    expect(created.job_id > 2n ** 53n).toBe(true);
    expect(emu.workspace.jobs.records.has(created.job_id)).toBe(true);

    const job = await c.get<{ job_id: bigint; settings: { name: string } }>('/api/2.1/jobs/get', { job_id: created.job_id });
    expect(job.job_id).toBe(created.job_id);
    expect(job.settings.name).toBe('lossless ids');

    // A bigint in a request body arrives with every digit.
    expect(
      await c.post('/api/2.1/jobs/reset', { job_id: created.job_id, new_settings: { name: 'renamed', max_concurrent_runs: 1 } }),
    ).toEqual({});
    const renamed = await c.get<{ job_id: bigint; settings: { name: string } }>('/api/2.2/jobs/get', { job_id: created.job_id });
    expect(renamed.settings.name).toBe('renamed');
    expect(String(renamed.job_id)).toBe(String(created.job_id));

    const status = await c.get<{ object_id: bigint; object_type: string; path: string; language: string }>(GET_STATUS, { path: NOTEBOOK });
    expect(status).toMatchObject({ object_type: 'NOTEBOOK', path: NOTEBOOK, language: 'PYTHON' });
    expect(typeof status.object_id).toBe('bigint');
    expect(status.object_id).toBe(emu.workspace.tree.get(NOTEBOOK).objectId);

    expect(await c.post('/api/2.1/jobs/delete', { job_id: created.job_id })).toEqual({});
    expect(emu.workspace.jobs.records.has(created.job_id)).toBe(false);
    expect(c.stats()).toMatchObject({ requests: 6, retries: 0, throttled: 0 });
  });

  test('getBytes returns the raw export; every request carries the bearer token and JSON headers', async () => {
    const c = client();
    const bytes = await c.getBytes(EXPORT, { path: NOTEBOOK, format: 'SOURCE', direct_download: true });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString('utf8')).toBe(NOTEBOOK_SOURCE);
    const json = await c.get<{ content: string; file_type: string }>(EXPORT, { path: NOTEBOOK, format: 'SOURCE' });
    expect(json).toEqual({ content: b64(NOTEBOOK_SOURCE), file_type: 'py' });
  });

  test('the constructor validates the host and keeps only its origin', () => {
    const auth = new PatAuth(TOKEN);
    expect(new DatabricksClient({ host: `${emu.url}/some/path?o=1`, auth }).host).toBe(emu.url);
    let e: unknown;
    try {
      new DatabricksClient({ host: 'adb 1234.azuredatabricks.net', auth });
    } catch (error) {
      e = error;
    }
    expect(e).toBeInstanceOf(DrError);
    expect((e as DrError).code).toBe('CONFIG_INVALID');
    expect((e as DrError).message).toBe(
      'Invalid workspace host "adb 1234.azuredatabricks.net": expected a URL such as https://adb-1234567890123456.7.azuredatabricks.net',
    );
    expect(() => new DatabricksClient({ host: 'ftp://adb-1.1.azuredatabricks.net', auth })).toThrow(
      'Invalid workspace host "ftp://adb-1.1.azuredatabricks.net": the scheme must be https (or http for a local emulator).',
    );
  });
});

describe('throttling', () => {
  test('a 429 with Retry-After is waited out and retried, and pauses the whole family', async () => {
    const c = client();
    emu.faults.inject({ method: 'GET', path: EXPORT, status: 429, retryAfter: 1 });
    const startedA = performance.now();
    const a = c.get<{ content: string }>(EXPORT, { path: NOTEBOOK }).then((r) => ({ r, ms: performance.now() - startedA }));
    await pollUntil(
      async () => c.stats().byFamily['workspace.export']?.throttled ?? 0,
      (n) => n === 1,
      { timeoutMs: 5000, intervalMs: 2 },
    );

    // Issued after the 429: same family waits for the pause, another family does not.
    const startedB = performance.now();
    const b = c.get<{ content: string }>(EXPORT, { path: NOTEBOOK }).then((r) => ({ r, ms: performance.now() - startedB }));
    const startedC = performance.now();
    const other = await c.get<{ object_type: string }>(GET_STATUS, { path: NOTEBOOK });
    const otherMs = performance.now() - startedC;
    const [ra, rb] = await Promise.all([a, b]);

    expect(ra.r.content).toBe(b64(NOTEBOOK_SOURCE));
    expect(rb.r.content).toBe(b64(NOTEBOOK_SOURCE));
    expect(other.object_type).toBe('NOTEBOOK');
    expect(ra.ms).toBeGreaterThanOrEqual(1000);
    expect(rb.ms).toBeGreaterThanOrEqual(950);
    expect(otherMs).toBeLessThan(500);
    expect(ra.ms).toBeLessThan(3000);

    expect(emu.stats.count('GET', EXPORT)).toBe(3);
    expect(statuses('GET', EXPORT)).toEqual({ '429': 1, '200': 2 });
    const stats = c.stats();
    expect(stats.retries).toBe(1);
    expect(stats.throttled).toBe(1);
    expect(stats.requests).toBe(4);
    // The adaptive window was halved from 16.
    expect(stats.byFamily['workspace.export']).toEqual({ granted: 3, throttled: 1, concurrency: 8 });
  });

  test('the client never exceeds a configured family rate: 60 concurrent exports at 20/s draw no 429', async () => {
    const limited = await startEmulator({ token: TOKEN, rateLimits: { families: { 'workspace.export': 20 } }, seed: 9 });
    const limits: RateLimits = { ...KIND_LIMITS, families: { ...KIND_LIMITS.families, 'workspace.export': 20 } };
    const c = new DatabricksClient({ host: limited.url, auth: new PatAuth(TOKEN), limits });
    try {
      await c.post('/api/2.0/workspace/import', { path: '/Shared/n', format: 'SOURCE', language: 'PYTHON', content: b64(NOTEBOOK_SOURCE) });
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: 60 }, () => c.get<{ content: string }>(EXPORT, { path: '/Shared/n' })));
      const elapsed = performance.now() - started;

      expect(results.every((r) => r.content === b64(NOTEBOOK_SOURCE))).toBe(true);
      expect(limited.stats.count('GET', EXPORT)).toBe(60);
      expect(limited.stats.snapshot().endpoints[`GET ${EXPORT}`]?.statuses).toEqual({ '200': 60 });
      expect(c.stats().throttled).toBe(0);
      expect(c.stats().retries).toBe(0);

      // The emulator's bucket (20 at once, then 20/s) allows 60 requests in no less than (60-20)/20 s.
      expect(elapsed).toBeGreaterThanOrEqual(((60 - 20) / 20) * 1000 - 50);
      // The client's own bucket: one burst of its capacity, then the family rate.
      const family = limitFor(limits, 'workspace.export');
      const capacity = Math.max(1, family.rate * (family.burstSeconds ?? 1));
      const expected = ((60 - capacity) / family.rate) * 1000;
      expect(elapsed).toBeGreaterThanOrEqual(expected - 100);
      expect(elapsed).toBeLessThanOrEqual(expected + 1000);
    } finally {
      c.close();
      await limited.stop();
    }
  });
});

describe('retries', () => {
  test('a GET is retried after the gateway 503 page and after dropped connections', async () => {
    const c = client();
    emu.faults.inject({ method: 'GET', path: GET_STATUS, status: 503, html: true, times: 2 });
    expect((await c.get<{ path: string }>(GET_STATUS, { path: NOTEBOOK })).path).toBe(NOTEBOOK);
    expect(statuses('GET', GET_STATUS)).toEqual({ '503': 2, '200': 1 });

    emu.stats.reset();
    emu.faults.inject({ method: 'GET', path: GET_STATUS, status: 'drop', times: 2 });
    expect((await c.get<{ path: string }>(GET_STATUS, { path: NOTEBOOK })).path).toBe(NOTEBOOK);
    expect(emu.stats.count('GET', GET_STATUS)).toBe(3);
    expect(statuses('GET', GET_STATUS)).toEqual({ drop: 2, '200': 1 });

    emu.stats.reset();
    emu.faults.inject({ method: 'GET', path: GET_STATUS, status: 500 });
    expect((await c.get<{ path: string }>(GET_STATUS, { path: NOTEBOOK })).path).toBe(NOTEBOOK);
    expect(statuses('GET', GET_STATUS)).toEqual({ '500': 1, '200': 1 });
    expect(c.stats().retries).toBe(5);
  });

  test('a GET that keeps failing stops at maxAttempts with the service message', async () => {
    const c = client({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    emu.faults.inject({ method: 'GET', path: GET_STATUS, status: 503, html: true, times: 10 });
    const e = await rejection(c.get(GET_STATUS, { path: NOTEBOOK }));
    expect(e).toBeInstanceOf(DatabricksApiError);
    const api = e as DatabricksApiError;
    expect(api.status).toBe(503);
    expect(api.errorCode).toBe('TEMPORARILY_UNAVAILABLE');
    expect(api.category).toBe('unavailable');
    expect(api.apiMessage).toBe('No webapps are available to handle your request. Please try again later.');
    expect(api.message).toBe(
      `GET ${GET_STATUS} failed: 503 TEMPORARILY_UNAVAILABLE: No webapps are available to handle your request. Please try again later.`,
    );
    expect(emu.stats.count('GET', GET_STATUS)).toBe(3);
    expect(c.stats().retries).toBe(2);
  });

  test('a POST is not retried after a 500: one request, no job created', async () => {
    const c = client();
    const before = jobCount();
    emu.faults.inject({ method: 'POST', path: JOBS_CREATE, status: 500 });
    const e = await rejection(c.post(JOBS_CREATE, { name: 'not twice' }));
    expect(e).toBeInstanceOf(DatabricksApiError);
    expect(e).toMatchObject({
      status: 500,
      errorCode: 'INTERNAL_ERROR',
      category: 'internal',
      method: 'POST',
      path: JOBS_CREATE,
      apiMessage: 'Injected fault',
    });
    expect(emu.stats.count('POST', JOBS_CREATE)).toBe(1);
    expect(jobCount()).toBe(before);
    expect(c.stats().retries).toBe(0);
  });

  test('a POST is not retried after a dropped connection, which surfaces as WORKSPACE_UNREACHABLE', async () => {
    const c = client();
    const before = jobCount();
    emu.faults.inject({ method: 'POST', path: JOBS_CREATE, status: 'drop' });
    const e = await rejection(c.post(JOBS_CREATE, { name: 'not twice' }));
    expect(e).toBeInstanceOf(DrError);
    expect((e as DrError).code).toBe('WORKSPACE_UNREACHABLE');
    expect((e as DrError).retryable).toBe(true);
    expect(e.message).toContain(`Cannot reach the Databricks workspace at ${emu.url} (POST ${JOBS_CREATE})`);
    expect(emu.stats.count('POST', JOBS_CREATE)).toBe(1);
    expect(statuses('POST', JOBS_CREATE)).toEqual({ drop: 1 });
    expect(jobCount()).toBe(before);
  });

  test('a POST is retried after a 429 and creates exactly one job', async () => {
    const c = client();
    const before = jobCount();
    emu.faults.inject({ method: 'POST', path: JOBS_CREATE, status: 429, retryAfter: 0 });
    const created = await c.post<{ job_id: bigint }>(JOBS_CREATE, { name: 'after a 429' });
    expect(typeof created.job_id).toBe('bigint');
    expect(emu.stats.count('POST', JOBS_CREATE)).toBe(2);
    expect(statuses('POST', JOBS_CREATE)).toEqual({ '429': 1, '200': 1 });
    expect(jobCount()).toBe(before + 1);
    expect(c.stats()).toMatchObject({ retries: 1, throttled: 1 });
  });

  test('a POST marked idempotent, and a PUT, are retried after a 503', async () => {
    const c = client();
    emu.faults.inject({ method: 'POST', path: '/api/2.0/workspace/mkdirs', status: 503 });
    expect(await c.post('/api/2.0/workspace/mkdirs', { path: '/Shared/client-test/dir' }, { idempotent: true })).toEqual({});
    expect(emu.stats.count('POST', '/api/2.0/workspace/mkdirs')).toBe(2);

    const { job_id } = await c.post<{ job_id: bigint }>(JOBS_CREATE, { name: 'acl target' });
    emu.faults.inject({ method: 'PUT', path: `re:^/api/2.0/permissions/jobs/`, status: 503 });
    const acl = await c.put<{ object_id: string }>(`/api/2.0/permissions/jobs/${job_id}`, {
      access_control_list: [
        { user_name: 'admin@example.com', permission_level: 'IS_OWNER' },
        { group_name: 'users', permission_level: 'CAN_VIEW' },
      ],
    });
    expect(acl.object_id).toBe(`/jobs/${job_id}`);
    expect(emu.stats.count('PUT', '/api/2.0/permissions/{type}/{id}')).toBe(2);
  });
});

describe('errors that are not retried', () => {
  test('404: not_found with the service message, one request', async () => {
    const c = client();
    const e = await rejection(c.get(GET_STATUS, { path: '/Shared/does-not-exist' }));
    expect(e).toBeInstanceOf(DatabricksApiError);
    expect(e).toMatchObject({
      code: 'DATABRICKS_API',
      status: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      category: 'not_found',
      retryable: false,
      method: 'GET',
      path: GET_STATUS,
    });
    expect((e as DatabricksApiError).apiMessage).toBe("Path (/Shared/does-not-exist) doesn't exist.");
    expect(e.message).toBe(`GET ${GET_STATUS} failed: 404 RESOURCE_DOES_NOT_EXIST: Path (/Shared/does-not-exist) doesn't exist.`);
    expect(emu.stats.count('GET', GET_STATUS)).toBe(1);
    expect(c.stats().retries).toBe(0);
  });

  test('400: a missing cluster is not_found (legacy quirk), a bad parameter is invalid; one request each', async () => {
    const c = client();
    const missing = await rejection(c.get('/api/2.0/clusters/get', { cluster_id: '0101-000000-nosuchcl' }));
    expect(missing).toMatchObject({
      status: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
      category: 'not_found',
      apiMessage: 'Cluster 0101-000000-nosuchcl does not exist',
    });
    expect(emu.stats.count('GET', '/api/2.0/clusters/get')).toBe(1);

    const bad = await rejection(c.get(EXPORT, { path: NOTEBOOK, format: 'BOGUS' }));
    expect(bad).toMatchObject({ status: 400, errorCode: 'INVALID_PARAMETER_VALUE', category: 'invalid' });
    expect((bad as DatabricksApiError).apiMessage).toMatch(/^Invalid export format BOGUS\. Supported formats: /);
    expect(emu.stats.count('GET', EXPORT)).toBe(1);

    const job = await rejection(c.get('/api/2.1/jobs/get', { job_id: 1 }));
    expect(job).toMatchObject({ status: 400, category: 'not_found', apiMessage: 'Job 1 does not exist.' });
    expect(c.stats().retries).toBe(0);
  });

  test('403: an invalid token is unauthenticated, and no token ever appears in the error', async () => {
    const wrong = 'dapi-wrong-token-abcdef0123456789';
    const c = client({ auth: new PatAuth(wrong) });
    const e = await rejection(c.get(GET_STATUS, { path: NOTEBOOK }));
    expect(e).toMatchObject({
      status: 403,
      errorCode: 'PERMISSION_DENIED',
      category: 'unauthenticated',
      apiMessage: 'Invalid access token.',
    });
    expect(e.message).toBe(
      `GET ${GET_STATUS} failed: 403 PERMISSION_DENIED: Invalid access token. ` +
        `The workspace ${emu.url} refused the credential (personal access token). ` +
        "Check the personal access token or Entra identity configured in this workspace's profile, and that it has not expired.",
    );
    expect(e.message).not.toContain(wrong);
    expect(emu.stats.count('GET', GET_STATUS)).toBe(1);
  });

  test('403: permission denied, with a token echoed by the service redacted', async () => {
    const c = client();
    emu.faults.inject({
      method: 'GET',
      path: '/api/2.0/workspace/list',
      status: 403,
      message: `Token ${TOKEN} lacks CAN_MANAGE on /Shared (Authorization: Bearer ${TOKEN})`,
    });
    const e = await rejection(c.get('/api/2.0/workspace/list', { path: '/Shared' }));
    expect(e).toMatchObject({ status: 403, errorCode: 'PERMISSION_DENIED', category: 'permission_denied', retryable: false });
    expect(e.message).not.toContain(TOKEN);
    expect((e as DatabricksApiError).apiMessage).not.toContain(TOKEN);
    expect((e as DatabricksApiError).apiMessage).toMatch(/^Token dapi\*\*\* lacks CAN_MANAGE on \/Shared \(Authorization: Bearer \*+\)$/);
    expect(emu.stats.count('GET', '/api/2.0/workspace/list')).toBe(1);
  });

  test('401: no credential is unauthenticated, one request', async () => {
    const none: AuthProvider = { description: 'none', headers: async () => ({}) };
    const c = client({ auth: none });
    const e = await rejection(c.get('/api/2.0/clusters/list'));
    expect(e).toMatchObject({ status: 401, errorCode: 'UNAUTHENTICATED', category: 'unauthenticated' });
    expect((e as DatabricksApiError).apiMessage).toMatch(
      /^Credential was not sent or was of an unsupported type for this API\. \[ReqId: [0-9a-f-]{36}\]$/,
    );
    expect(emu.stats.count('GET', '/api/2.0/clusters/list')).toBe(1);
  });
});

describe('unreachable workspace', () => {
  test('a closed port gives WORKSPACE_UNREACHABLE naming the host, after the GET retries', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const host = `http://127.0.0.1:${port}`;

    const c = new DatabricksClient({ host, auth: new PatAuth(TOKEN), retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    clients.push(c);
    const e = await rejection(c.get('/api/2.0/clusters/list'));
    expect(e).toBeInstanceOf(DrError);
    expect((e as DrError).code).toBe('WORKSPACE_UNREACHABLE');
    expect((e as DrError).retryable).toBe(true);
    expect(e.message).toMatch(
      new RegExp(
        `^Cannot reach the Databricks workspace at http://127\\.0\\.0\\.1:${port} ` +
          '\\(GET /api/2\\.0/clusters/list\\): .*\\[ECONNREFUSED\\]\\. ' +
          'Check the host in the profile, DNS and network access from here, then try again\\.$',
      ),
    );
    expect(e.message).not.toContain(TOKEN);
    expect(c.stats()).toMatchObject({ requests: 3, retries: 2 });

    // A POST is not repeated: it may have reached the service.
    const p = await rejection(c.post(JOBS_CREATE, { name: 'x' }));
    expect((p as DrError).code).toBe('WORKSPACE_UNREACHABLE');
    expect(c.stats()).toMatchObject({ requests: 4, retries: 2 });
  });
});

describe('Microsoft Entra ID', () => {
  test('a user token from a TokenCredential reaches SCIM Me; only the Databricks scope is asked for', async () => {
    const calls: string[] = [];
    const user = jwt({
      aud: AZURE_DATABRICKS_APP_ID,
      iss: 'https://sts.windows.net/tenant/',
      exp: Math.floor(Date.now() / 1000) + 3600,
      upn: 'admin@example.com',
    });
    const auth = new EntraAuth(staticCredential({ [AZURE_DATABRICKS_SCOPE]: user }, calls));
    expect(auth.description).toBe('Microsoft Entra ID (token credential)');
    const me = await client({ auth }).get<{ userName: string; groups: Array<{ display: string }> }>('/api/2.0/preview/scim/v2/Me');
    expect(me.userName).toBe('admin@example.com');
    expect(calls).toEqual(['2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default']);
    expect(AZURE_DATABRICKS_SCOPE).toBe(`${AZURE_DATABRICKS_APP_ID}/.default`);
  });

  test('with the workspace resource id a new service principal is provisioned through the management headers', async () => {
    const appId = '6f2b3c7e-1111-4222-8333-944455556666';
    const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/primary';
    const calls: string[] = [];
    const sp = jwt({ aud: AZURE_DATABRICKS_APP_ID, exp: Math.floor(Date.now() / 1000) + 3600, appid: appId, name: 'dr-automation' });
    expect(emu.workspace.principals.servicePrincipalCaller(appId)).toBeUndefined();
    const auth = new EntraAuth(staticCredential({ [AZURE_DATABRICKS_SCOPE]: sp, [AZURE_MANAGEMENT_SCOPE]: 'management-token' }, calls), {
      workspaceResourceId: resourceId,
      credentialName: 'service principal secret',
    });
    expect(auth.description).toBe('Microsoft Entra ID (service principal secret)');
    expect(await auth.headers()).toEqual({
      authorization: `Bearer ${sp}`,
      'x-databricks-azure-sp-management-token': 'management-token',
      'x-databricks-azure-workspace-resource-id': resourceId,
    });
    calls.length = 0;
    const me = await client({ auth }).get<{ userName: string; groups: Array<{ display: string }> }>('/api/2.0/preview/scim/v2/Me');
    expect(me.userName).toBe(appId);
    expect(me.groups.map((g) => g.display)).toContain('admins');
    expect(emu.workspace.principals.servicePrincipalCaller(appId)).toMatchObject({ kind: 'servicePrincipal', name: appId, isAdmin: true });
    expect(calls).toEqual([AZURE_DATABRICKS_SCOPE, 'https://management.core.windows.net/.default']);
  });

  test('without the resource id an unknown service principal is refused (permission_denied, not provisioned)', async () => {
    const appId = '0a0a0a0a-2222-4333-8444-955566667777';
    const sp = jwt({ aud: AZURE_DATABRICKS_APP_ID, exp: Math.floor(Date.now() / 1000) + 3600, appid: appId });
    const e = await rejection(
      client({ auth: new EntraAuth(staticCredential({ [AZURE_DATABRICKS_SCOPE]: sp })) }).get('/api/2.0/preview/scim/v2/Me'),
    );
    expect(e).toMatchObject({
      status: 403,
      category: 'permission_denied',
      apiMessage: `Service principal ${appId} is not a member of this workspace.`,
    });
    expect(e.message).not.toContain(sp);
    expect(emu.workspace.principals.servicePrincipalCaller(appId)).toBeUndefined();
  });

  test('a credential that fails or returns nothing is CONFIG_INVALID and sends no request', async () => {
    const failing: TokenCredential = {
      getToken: async () => {
        throw new Error('AADSTS700016: application not found');
      },
    };
    const e = await rejection(
      client({ auth: new EntraAuth(failing, { credentialName: 'test credential' }) }).get('/api/2.0/preview/scim/v2/Me'),
    );
    expect(e).toBeInstanceOf(DrError);
    expect((e as DrError).code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(
      'Could not get a Microsoft Entra ID token for 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default ' +
        'with Microsoft Entra ID (test credential): AADSTS700016: application not found',
    );

    const empty = await rejection(client({ auth: new EntraAuth(staticCredential({})) }).get('/api/2.0/preview/scim/v2/Me'));
    expect((empty as DrError).code).toBe('CONFIG_INVALID');
    expect(empty.message).toBe(
      'Microsoft Entra ID (token credential) returned no token for 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default.',
    );
    expect(emu.stats.snapshot().total).toBe(0);
  });
});

describe('abort', () => {
  test('an AbortSignal aborts a request waiting in the limiter, before it is sent', async () => {
    const limits: RateLimits = { ...KIND_LIMITS, families: { ...KIND_LIMITS.families, 'workspace.export': 1 } };
    const c = client({ limits });
    await c.get(EXPORT, { path: NOTEBOOK }); // takes the only token: the next waits about a second
    const controller = new AbortController();
    const reason = new DrError('ABORTED', 'The backup time budget is used up.');
    const started = performance.now();
    const waiting = rejection(c.get(EXPORT, { path: NOTEBOOK }, { signal: controller.signal }));
    await sleep(50);
    controller.abort(reason);
    const e = await waiting;
    expect(e).toBe(reason);
    expect(performance.now() - started).toBeLessThan(400);
    expect(emu.stats.count('GET', EXPORT)).toBe(1);

    // A plain abort() is a DrError ABORTED too; an already aborted signal sends nothing.
    const plain = new AbortController();
    const second = rejection(c.get(EXPORT, { path: NOTEBOOK }, { signal: plain.signal }));
    await sleep(20);
    plain.abort();
    expect(await second).toMatchObject({ code: 'ABORTED' });
    expect(await rejection(c.get(GET_STATUS, { path: NOTEBOOK }, { signal: AbortSignal.abort() }))).toMatchObject({ code: 'ABORTED' });
    expect(emu.stats.snapshot().total).toBe(1);
  });

  test('an AbortSignal also ends the wait for a Retry-After', async () => {
    const c = client();
    emu.faults.inject({ method: 'GET', path: GET_STATUS, status: 429, retryAfter: 5 });
    const controller = new AbortController();
    const started = performance.now();
    const waiting = rejection(c.get(GET_STATUS, { path: NOTEBOOK }, { signal: controller.signal }));
    await pollUntil(
      async () => c.stats().throttled,
      (n) => n === 1,
      { timeoutMs: 5000, intervalMs: 2 },
    );
    controller.abort(new DrError('ABORTED', 'stop now'));
    const e = await waiting;
    expect(e).toMatchObject({ code: 'ABORTED', message: 'stop now' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(emu.stats.count('GET', GET_STATUS)).toBe(1);
  });
});
