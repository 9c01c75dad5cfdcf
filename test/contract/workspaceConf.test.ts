import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

describe('global init scripts', () => {
  test('create, list (no content), get (content), positions shift on insert, update, delete', async () => {
    const a = (await w.post('/api/2.0/global-init-scripts', { name: 'a', script: b64('#!/bin/bash\necho a\n'), enabled: true })).json
      .script_id;
    expect(a).toMatch(/^[0-9A-F]{16}$/);
    const b = (await w.post('/api/2.0/global-init-scripts', { name: 'b', script: b64('echo b'), position: 0 })).json.script_id;
    const list = (await w.get('/api/2.0/global-init-scripts')).json.scripts;
    expect(list.map((s: { name: string; position: number }) => [s.name, s.position])).toEqual([
      ['b', 0],
      ['a', 1],
    ]);
    expect(list[0].script).toBeUndefined();
    expect(list[1]).toMatchObject({ enabled: true, created_by: 'admin@example.com' });
    const got = (await w.get(`/api/2.0/global-init-scripts/${a}`)).json;
    expect(Buffer.from(got.script, 'base64').toString()).toBe('#!/bin/bash\necho a\n');
    expect((await w.patch(`/api/2.0/global-init-scripts/${b}`, { name: 'b2', script: b64('echo b2'), position: 5 })).status).toBe(200);
    const after = (await w.get('/api/2.0/global-init-scripts')).json.scripts;
    expect(after.map((s: { name: string }) => s.name)).toEqual(['a', 'b2']);
    const noScript = await w.patch(`/api/2.0/global-init-scripts/${a}`, { name: 'a' });
    expect(noScript.status).toBe(400);
    expect((await w.delete(`/api/2.0/global-init-scripts/${a}`)).status).toBe(200);
    const missing = await w.get(`/api/2.0/global-init-scripts/${a}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const tooBig = await w.post('/api/2.0/global-init-scripts', { name: 'big', script: Buffer.alloc(65 * 1024, 65).toString('base64') });
    expect(tooBig.status).toBe(400);
  });
});

describe('repos', () => {
  test('create clones the default branch into a REPO object whose id is the object_id', async () => {
    const r = await w.post('/api/2.0/repos', { url: 'https://github.com/contoso/pipelines.git', provider: 'GITHUB' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ path: '/Repos/admin@example.com/pipelines', provider: 'gitHub', branch: 'main' });
    expect(r.json.head_commit_id).toMatch(/^[0-9a-f]{40}$/);
    const status = (await w.get('/api/2.0/workspace/get-status', { path: r.json.path, return_git_info: true })).json;
    expect(status).toMatchObject({ object_type: 'REPO', object_id: r.json.id });
    expect(status.git_info).toMatchObject({ id: r.json.id, branch: 'main', url: 'https://github.com/contoso/pipelines.git' });
    const update = await w.patch(`/api/2.0/repos/${r.json.id}`, { branch: 'develop' });
    expect(update.status).toBe(200);
    const got = (await w.get(`/api/2.0/repos/${r.json.id}`)).json;
    expect(got.branch).toBe('develop');
    expect(got.head_commit_id).not.toBe(r.json.head_commit_id);
    const dup = await w.post('/api/2.0/repos', { url: 'https://github.com/contoso/pipelines.git', provider: 'gitHub' });
    expect(dup.status).toBe(400);
    expect(dup.json.message).toMatch(/^Repo \/Repos\/admin@example.com\/pipelines already exists/);
    expect((await w.post('/api/2.0/repos', { provider: 'gitHub' })).json.message).toBe('Git repository URL missing for project');
    expect((await w.post('/api/2.0/repos', { url: 'https://x/y.git', provider: 'svn' })).status).toBe(400);
  });

  test('list pages and filters by path prefix; delete removes the workspace object', async () => {
    for (let i = 0; i < 3; i++) await w.post('/api/2.0/repos', { url: `https://github.com/contoso/r${i}.git`, provider: 'gitHub' });
    const all = (await w.get('/api/2.0/repos', { path_prefix: '/Repos/admin@example.com' })).json.repos;
    expect(all.length).toBe(4);
    const one = (await w.get('/api/2.0/repos', { path_prefix: '/Repos/admin@example.com/r1' })).json.repos;
    expect(one.map((r: { path: string }) => r.path)).toEqual(['/Repos/admin@example.com/r1']);
    expect((await w.delete(`/api/2.0/repos/${one[0].id}`)).status).toBe(200);
    expect((await w.get('/api/2.0/workspace/get-status', { path: '/Repos/admin@example.com/r1' })).status).toBe(404);
    expect((await w.get(`/api/2.0/repos/${one[0].id}`)).status).toBe(404);
  });
});

describe('well-known configuration', () => {
  test('serves the workspace id without authentication', async () => {
    const r = await api(emu.url, null).get('/.well-known/databricks-config');
    expect(r.status).toBe(200);
    expect(r.json.workspace_id).toBe(emu.workspace.workspaceId);
  });
});
