import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

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
