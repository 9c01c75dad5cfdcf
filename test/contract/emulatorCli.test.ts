import { spawnTs, freePort } from '../support/spawn.js';
import { api } from '../support/http.js';

describe('npm run emulator', () => {
  test('serves one workspace on the given port, announces it, and stops on SIGTERM', async () => {
    const port = await freePort();
    const p = spawnTs('test/emulator/cli.ts', ['--port', String(port), '--sample', 'tiny', '--token', 'dapi-cli']);
    try {
      const m = await p.waitFor(/Databricks emulator listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      expect(m[2]).toBe(String(port));
      const w = api(m[1] as string, 'dapi-cli');
      const shared = await w.get('/api/2.0/workspace/list', { path: '/Shared' });
      expect(shared.status).toBe(200);
      expect(shared.json.objects.length).toBeGreaterThan(0);
      expect((await api(m[1] as string, 'dapi-other').get('/api/2.0/clusters/list')).status).toBe(403);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exit()).toBe(0);
  });

  test('--security adds enforced IP access lists that let loopback in', async () => {
    const port = await freePort();
    const p = spawnTs('test/emulator/cli.ts', ['--port', String(port), '--sample', 'tiny', '--security']);
    try {
      const m = await p.waitFor(/Databricks emulator listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const w = api(m[1] as string);
      expect((await w.get('/api/2.0/workspace-conf', { keys: 'enableIpAccessLists' })).json).toEqual({ enableIpAccessLists: 'true' });
      expect((await w.get('/api/2.0/ip-access-lists')).json.ip_access_lists.length).toBeGreaterThan(0);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exit()).toBe(0);
  });

  test('bad flags get a clear error and exit code 2', async () => {
    const p = spawnTs('test/emulator/cli.ts', ['--rate', 'nonsense=5']);
    expect(await p.exit()).toBe(2);
    expect(p.stderr()).toContain('--rate: unknown family "nonsense"');
  });
});
