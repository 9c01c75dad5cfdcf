import { generateSampleWorkspace, SAMPLE_SIZES } from '../../emulator/generator/sampleWorkspace.js';
import { startEmulator } from '../../emulator/server.js';
import { toJson } from '../../emulator/json.js';
import { api } from '../../support/http.js';

describe('sample workspace generator', () => {
  test('is deterministic for a seed and differs across seeds', () => {
    const a = toJson(generateSampleWorkspace({ seed: 42, ...SAMPLE_SIZES.tiny }));
    const b = toJson(generateSampleWorkspace({ seed: 42, ...SAMPLE_SIZES.tiny }));
    const c = toJson(generateSampleWorkspace({ seed: 43, ...SAMPLE_SIZES.tiny }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  test('honours the sizes and covers every kind the issue lists', () => {
    const f = generateSampleWorkspace({ seed: 1, ...SAMPLE_SIZES.small });
    const notebooks = (f.workspace ?? []).filter((o) => o.type === 'NOTEBOOK');
    expect(notebooks).toHaveLength(SAMPLE_SIZES.small.notebooks);
    expect(new Set(notebooks.map((n) => (n.type === 'NOTEBOOK' ? n.language : '')))).toEqual(new Set(['PYTHON', 'SCALA', 'SQL', 'R']));
    const paths = notebooks.map((n) => n.path);
    expect(paths.some((p) => p.startsWith('/Users/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('/Shared/'))).toBe(true);
    expect(paths.some((p) => / /.test(p))).toBe(true);
    expect(paths.some((p) => [...p].some((ch) => (ch.codePointAt(0) ?? 0) > 127))).toBe(true);
    expect((f.workspace ?? []).some((o) => o.type === 'FILE')).toBe(true);
    expect(f.repos).toHaveLength(SAMPLE_SIZES.small.repos);
    expect(f.clusters).toHaveLength(SAMPLE_SIZES.small.clusters);
    expect(f.clusters?.some((c) => c.spec['policy_id'] !== undefined)).toBe(true);
    expect(f.clusters?.some((c) => c.spec['instance_pool_id'] !== undefined)).toBe(true);
    expect(f.clusters?.some((c) => Array.isArray(c.spec['init_scripts']))).toBe(true);
    expect(f.clusters?.some((c) => (c.libraries ?? []).length > 0)).toBe(true);
    const tasks = (f.jobs ?? []).flatMap((j) => j.settings['tasks'] as Array<Record<string, unknown>>);
    expect((f.jobs ?? []).some((j) => (j.settings['tasks'] as unknown[]).length > 1)).toBe(true);
    expect(tasks.some((t) => t['existing_cluster_id'] !== undefined)).toBe(true);
    expect(tasks.some((t) => t['job_cluster_key'] !== undefined)).toBe(true);
    expect(f.groups?.some((g) => g.members?.some((m) => 'group' in m))).toBe(true);
    expect(f.servicePrincipals).toHaveLength(SAMPLE_SIZES.small.servicePrincipals);
    expect(f.users?.some((u) => (u.entitlements ?? []).length > 0)).toBe(true);
    expect(f.permissions?.length).toBeGreaterThan(5);
    const initScripts = (f.dbfs ?? []).filter((d) => d.path.endsWith('.sh'));
    expect(initScripts.some((d) => Buffer.from(d.contentBase64 ?? '', 'base64').length > 1024 * 1024)).toBe(true);
    expect(f.secretScopes?.some((s) => Object.keys(s.secrets ?? {}).length > 0 && Object.keys(s.acls ?? {}).length > 1)).toBe(true);
  });

  test('loads into an emulator, and a state dump loads back into an identical workspace', async () => {
    const fixture = generateSampleWorkspace({ seed: 5, ...SAMPLE_SIZES.tiny });
    const first = await startEmulator({ fixture, seed: 5 });
    try {
      const dump = first.workspace.toFixture();
      const second = await startEmulator({ fixture: JSON.parse(toJson(dump)), seed: 6 });
      try {
        expect(toJson(second.workspace.toFixture())).toBe(toJson(dump));
        // Same content served through the API.
        const job = dump.jobs?.[0]?.job_id as string;
        const a = await api(first.url).get('/api/2.2/jobs/get', { job_id: job });
        const b = await api(second.url).get('/api/2.2/jobs/get', { job_id: job });
        expect(b.json.settings).toEqual(a.json.settings);
        const perms = await api(second.url).get(`/api/2.0/permissions/jobs/${job}`);
        expect(perms.status).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
  });

  test('leaves the security settings out by default', () => {
    const f = generateSampleWorkspace({ seed: 1, ...SAMPLE_SIZES.small });
    expect(f.ipAccessLists).toBeUndefined();
    expect(f.workspaceConf).toBeUndefined();
    expect(f.permissions?.some((p) => p.objectType === 'authorization')).toBe(false);
    // The rest of the fixture is the same with or without them.
    const withSecurity = generateSampleWorkspace({ seed: 1, ...SAMPLE_SIZES.small, security: true });
    const { ipAccessLists, workspaceConf, permissions, ...rest } = withSecurity;
    expect(ipAccessLists?.length).toBeGreaterThan(0);
    expect(workspaceConf).toBeDefined();
    expect({ ...rest, permissions: permissions?.slice(0, -1) }).toEqual(f);
  });

  test('with security: enforced IP access lists that keep loopback in, settings and a token grant, round-tripped', async () => {
    const fixture = generateSampleWorkspace({ seed: 3, ...SAMPLE_SIZES.tiny, security: true });
    expect(fixture.workspaceConf?.['enableIpAccessLists']).toBe('true');
    expect(fixture.ipAccessLists?.some((l) => l.list_type === 'ALLOW' && l.ip_addresses.includes('127.0.0.0/8'))).toBe(true);
    expect(fixture.ipAccessLists?.some((l) => l.list_type === 'BLOCK')).toBe(true);
    const emu = await startEmulator({ fixture, seed: 3 });
    try {
      const w = api(emu.url);
      // Enforced, and this loopback client is allowed.
      expect(emu.workspace.ipAccessLists.enforced()).toBe(true);
      expect((await w.get('/api/2.0/ip-access-lists')).json.ip_access_lists).toHaveLength(fixture.ipAccessLists?.length ?? 0);
      const conf = await w.get('/api/2.0/workspace-conf', { keys: 'enableIpAccessLists,maxTokenLifetimeDays' });
      expect(conf.json).toEqual({ enableIpAccessLists: 'true', maxTokenLifetimeDays: '90' });
      const tokens = (await w.get('/api/2.0/permissions/authorization/tokens')).json;
      expect(
        tokens.access_control_list.some((e: { permission_level?: string; all_permissions: Array<{ permission_level: string }> }) =>
          e.all_permissions.some((p) => p.permission_level === 'CAN_USE'),
        ),
      ).toBe(true);
      const dump = emu.workspace.toFixture();
      const copy = await startEmulator({ fixture: JSON.parse(toJson(dump)), seed: 4 });
      try {
        expect(toJson(copy.workspace.toFixture())).toBe(toJson(dump));
      } finally {
        await copy.stop();
      }
    } finally {
      await emu.stop();
    }
  });
});
