import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { fakeEntraToken } from '../support/entra.js';
import { type Api, api } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator({ fixture: { version: 1, users: [{ userName: 'ana@example.com' }] } });
  w = api(emu.url);
});
afterAll(() => emu.stop());

const CONF = '/api/2.0/workspace-conf';

describe('workspace configuration', () => {
  test('GET answers exactly the asked keys; never-set keys are null', async () => {
    const r = await w.get(CONF, { keys: 'enableTokensConfig,maxTokenLifetimeDays,enableIpAccessLists' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ enableTokensConfig: null, maxTokenLifetimeDays: null, enableIpAccessLists: null });
    expect((await w.get(CONF)).json).toEqual({});
  });

  test('PATCH sets string values, kept verbatim; the legacy preview path is the same API', async () => {
    const set = await w.patch(CONF, { maxTokenLifetimeDays: '90', enableResultsDownloading: 'false', enableWebTerminal: 'TRue' });
    expect(set.status).toBe(200);
    const r = await w.get('/api/2.0/preview/workspace-conf', { keys: 'maxTokenLifetimeDays,enableWebTerminal,enableResultsDownloading' });
    expect(r.json).toEqual({ maxTokenLifetimeDays: '90', enableWebTerminal: 'TRue', enableResultsDownloading: 'false' });
  });

  test('one unknown key fails the whole request with "Invalid keys: [...]" (a JSON array)', async () => {
    const get = await w.get(CONF, { keys: 'enableTokensConfig,enableIpAccessLissss,nope' });
    expect(get.status).toBe(400);
    expect(get.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid keys: ["enableIpAccessLissss","nope"]' });
    expect(JSON.parse(get.json.message.slice('Invalid keys: '.length))).toEqual(['enableIpAccessLissss', 'nope']);
    const patch = await w.patch(CONF, { enableExportNotebook: 'false', invalidKey: 'x' });
    expect(patch.status).toBe(400);
    expect(patch.json.message).toBe('Invalid keys: ["invalidKey"]');
    // Nothing was applied.
    expect((await w.get(CONF, { keys: 'enableExportNotebook' })).json).toEqual({ enableExportNotebook: null });
  });

  test('values a key does not take are refused, all or nothing', async () => {
    const empty = await w.patch(CONF, { enableIpAccessLists: '' });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Some values are not allowed: {"enableIpAccessLists":""}',
    });
    for (const bad of ['731', '-1', 'ninety']) {
      expect((await w.patch(CONF, { maxTokenLifetimeDays: bad })).status).toBe(400);
    }
    expect((await w.patch(CONF, { maxTokenLifetimeDays: '0' })).status).toBe(200);
    const mixed = await w.patch(CONF, { enableDbfsFileBrowser: 'false', enableVerboseAuditLogs: 'yes' });
    expect(mixed.status).toBe(400);
    expect((await w.get(CONF, { keys: 'enableDbfsFileBrowser' })).json).toEqual({ enableDbfsFileBrowser: null });
    // The SDKs send strings only; a JSON boolean is refused.
    const bool = await w.patch(CONF, { enableNotebookTableClipboard: true });
    expect(bool.status).toBe(400);
    expect(bool.json.error_code).toBe('MALFORMED_REQUEST');
  });

  test('every key Terraform exporter reads in one GET is known', async () => {
    const keys = [
      'enableIpAccessLists',
      'enableTokensConfig',
      'maxTokenLifetimeDays',
      'maxUserInactiveDays',
      'storeInteractiveNotebookResultsInCustomerAccount',
      'enableDeprecatedClusterNamedInitScripts',
      'enableDeprecatedGlobalInitScripts',
      'enforceWorkspaceViewAcls',
      'enforceUserIsolation',
      'enableProjectTypeInWorkspace',
      'enableWorkspaceFilesystem',
      'enableProjectsAllowList',
      'projectsAllowList',
      'reposIpynbResultsExportPermissions',
      'enable-X-Frame-Options',
      'enable-X-Content-Type-Options',
      'enable-X-XSS-Protection',
      'enableResultsDownloading',
      'enableUploadDataUis',
      'enableExportNotebook',
      'enableNotebookTableClipboard',
      'enableWebTerminal',
      'enableDbfsFileBrowser',
      'enableDatabricksAutologgingAdminConf',
      'mlflowRunArtifactDownloadEnabled',
      'mlflowModelServingEndpointCreationEnabled',
      'mlflowModelRegistryEmailNotificationsEnabled',
      'rStudioUserDefaultHomeBase',
      'enableVerboseAuditLogs',
      'enableEnforceImdsV2',
      'enableLibraryAndInitScriptOnSharedCluster',
      'enablePipelinesDataSample',
      'customerApprovedWSLoginExpirationTime',
      'enableLegacyNotebookVisualizations',
      'enableJobViewAcls',
      'enforceClusterViewAcls',
    ];
    const r = await w.get(CONF, { keys: [...keys].sort().join(',') });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual([...keys].sort());
  });

  test('only admins read or change settings', async () => {
    const ana = api(emu.url, fakeEntraToken('ana@example.com'));
    const read = await ana.get(CONF, { keys: 'enableTokensConfig' });
    expect(read.status).toBe(403);
    expect(read.json).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'unauthorized to perform ReadAction on /org_admin_conf/enableTokensConfig',
    });
    expect((await ana.patch(CONF, { enableTokensConfig: 'false' })).status).toBe(403);
  });

  test('the fixture section holds the keys that were set, and loads back', async () => {
    const dump = emu.workspace.toFixture();
    expect(dump.workspaceConf).toMatchObject({ maxTokenLifetimeDays: '0', enableWebTerminal: 'TRue' });
    const copy = await startEmulator({ fixture: dump });
    try {
      expect(copy.workspace.toFixture().workspaceConf).toEqual(dump.workspaceConf);
      expect((await api(copy.url).get(CONF, { keys: 'enableWebTerminal' })).json).toEqual({ enableWebTerminal: 'TRue' });
      // A fresh workspace has no section at all.
      expect(new Set(Object.keys(emu.workspace.toFixture()))).toContain('workspaceConf');
    } finally {
      await copy.stop();
    }
    const fresh = await startEmulator();
    try {
      expect(fresh.workspace.toFixture()).not.toHaveProperty('workspaceConf');
      await expect(startEmulator({ fixture: { version: 1, workspaceConf: { nope: 'x' } } })).rejects.toThrow('Invalid keys: ["nope"]');
    } finally {
      await fresh.stop();
    }
  });
});
