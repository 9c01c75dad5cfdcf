import type { Config } from '../../shared/config/config.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import type { WorkspaceFixture } from '../emulator/state/fixture.js';
import type { Workspace } from '../emulator/state/workspace.js';
import { backupOnce } from '../support/backupHarness.js';
import { actions, drConfig, failoverOnce, verifyOnce } from '../support/failoverHarness.js';
import { freshStore } from '../support/storage.js';

// The three kinds added on the kind contract: IP access lists, workspace settings and
// token usage grants, and the rules that keep a failover from weakening the DR
// workspace or locking itself (and its operators) out of it.
const fixture = generateSampleWorkspace({ seed: 31, ...SAMPLE_SIZES.small, security: true });
const KINDS = 'users,groups,servicePrincipals,ipAccessLists,workspaceSettings,permissions';

let primary: EmulatorHandle;
let store: SnapshotStore;
let cleanup: () => Promise<void>;
let manifest: Manifest;
const started: EmulatorHandle[] = [];

beforeAll(async () => {
  primary = await startEmulator({ fixture, seed: 31 });
  ({ store, cleanup } = await freshStore('security'));
  manifest = (await backupOnce(primary.url, store, { env: { DR_BACKUP_KINDS: KINDS } })).manifest;
});
afterAll(async () => {
  await Promise.all([primary, ...started].map((e) => e.stop()));
  await cleanup();
});

async function secondary(egress: string[], seed: Partial<WorkspaceFixture> = {}): Promise<{ emu: EmulatorHandle; config: Config }> {
  const emu = await startEmulator({
    seed: 7,
    ...(Object.keys(seed).length > 0 ? { fixture: { version: 1, ...seed } as WorkspaceFixture } : {}),
  });
  started.push(emu);
  return { emu, config: drConfig(primary.url, emu.url, { DR_FAILOVER_MAPPINGS: JSON.stringify({ egressAddresses: egress }) }) };
}

const lists = (ws: Workspace) =>
  [...ws.ipAccessLists.records.values()]
    .map((l) => `${l.label} ${l.listType} ${l.enabled ? 'on' : 'off'} ${[...l.ipAddresses].sort().join(',')}`)
    .sort();
const tokenGrants = (ws: Workspace) =>
  ws.permissions
    .directGrants('authorization' as never, 'tokens')
    .map((g) => `${g.kind}:${g.name}:${g.level}`)
    .sort();

describe('IP access lists, workspace settings and token permissions', () => {
  test('the snapshot holds them: four lists, the documented settings, the token grant', () => {
    expect(manifest.artifacts.filter((a) => a.kind === 'ipAccessLists').map((a) => a.key)).toEqual(
      expect.arrayContaining(['corporate-network', 'azure-devops-agents', 'known-bad', 'retired-vpn']),
    );
    expect(manifest.artifacts.filter((a) => a.kind === 'workspaceSettings').map((a) => a.key)).toEqual(['workspace-conf']);
    expect(manifest.artifacts.some((a) => a.kind === 'permissions' && a.key === 'authorization:tokens')).toBe(true);
  });

  test('a failover copies them exactly, switches enforcement on last, and a re-run changes nothing', async () => {
    const { emu, config } = await secondary(['127.0.0.1']);
    const report = await failoverOnce(config, manifest, store);
    expect(report.status).toBe('succeeded');
    expect(lists(emu.workspace)).toEqual(lists(primary.workspace));
    const conf = emu.workspace.workspaceConf;
    for (const [k, v] of Object.entries(fixture.workspaceConf ?? {})) expect(conf.values.get(k)).toBe(v);
    expect(emu.workspace.ipAccessLists.enforced()).toBe(true);
    // The group's grant is added; the admins' own management grant stays.
    expect(tokenGrants(emu.workspace)).toEqual(expect.arrayContaining(tokenGrants(primary.workspace)));
    expect(tokenGrants(emu.workspace)).toContain('group_name:admins:CAN_MANAGE');

    const again = await failoverOnce(config, manifest, store);
    expect(actions(again, (a) => a !== 'unchanged' && a !== 'skip')).toEqual([]);
    const verify = await verifyOnce(config, manifest, store);
    expect(verify.drift.filter((d) => ['ipAccessLists', 'workspaceSettings'].includes(d.kind))).toEqual([]);
  });

  test('enforcement stays off, with a reason, when the lists would not admit the DR tool', async () => {
    const { emu, config } = await secondary(['10.9.9.9']);
    const report = await failoverOnce(config, manifest, store);
    expect(lists(emu.workspace)).toEqual(lists(primary.workspace));
    expect(emu.workspace.ipAccessLists.enforced()).toBe(false);
    const held = report.needsHuman.find((n) => n.kind === 'workspaceSettings');
    expect(held?.reason).toMatch(
      /enableIpAccessLists: IP access lists stay off: No enabled allow list would admit the DR tool.s address 10\.9\.9\.9/,
    );
    // Everything else in the settings was still written.
    expect(emu.workspace.workspaceConf.values.get('maxTokenLifetimeDays')).toBe('90');
  });

  test('a list that would shut out the DR tool is not written while the DR workspace enforces its lists; the others are', async () => {
    // The DR workspace already enforces a list that admits loopback and the DR tool's
    // configured address 192.0.2.5, which the snapshot's block list "known-bad" covers.
    const { emu, config } = await secondary(['192.0.2.5'], {
      ipAccessLists: [{ label: 'dr-operators', list_type: 'ALLOW', ip_addresses: ['127.0.0.0/8', '192.0.2.5'] }],
      workspaceConf: { enableIpAccessLists: 'true' },
    });
    const report = await failoverOnce(config, manifest, store, { kinds: ['ipAccessLists'] });
    // Each write is checked on the lists as they would be right after it: the allow lists
    // go in (dr-operators still admits the tool), the block list covering it does not.
    expect(lists(emu.workspace).map((l) => l.split(' ')[0])).toEqual([
      'azure-devops-agents',
      'corporate-network',
      'dr-operators',
      'retired-vpn',
    ]);
    expect(actions(report, (a) => a !== 'skip').sort()).toEqual([
      'ipAccessLists azure-devops-agents create',
      'ipAccessLists corporate-network create',
      'ipAccessLists retired-vpn create',
    ]);
    expect(report.needsHuman.filter((n) => n.kind === 'ipAccessLists')).toEqual([
      expect.objectContaining({
        key: 'known-bad',
        reason: 'The block list "known-bad" would refuse the DR tool\u2019s address 192.0.2.5.',
      }),
    ]);
  });

  test('a failover never loosens the DR workspace, and never removes a token grant there', async () => {
    const { emu, config } = await secondary(['127.0.0.1'], {
      workspaceConf: { maxTokenLifetimeDays: '30', enableWebTerminal: 'false', enableExportNotebook: 'FALSE' },
      permissions: [
        {
          objectType: 'authorization',
          object: 'tokens',
          accessControlList: [{ user_name: 'admin@example.com', permission_level: 'CAN_USE' }],
        },
      ],
    } as Partial<WorkspaceFixture>);
    const report = await failoverOnce(config, manifest, store);
    const conf = emu.workspace.workspaceConf.values;
    expect([conf.get('maxTokenLifetimeDays'), conf.get('enableWebTerminal'), conf.get('enableExportNotebook')]).toEqual([
      '30',
      'false',
      'FALSE',
    ]);
    // The rest is copied.
    expect(conf.get('enableVerboseAuditLogs')).toBe('true');
    const reason = report.needsHuman.find((n) => n.kind === 'workspaceSettings')?.reason ?? '';
    expect(reason).toContain('maxTokenLifetimeDays: "30" is stricter than the snapshot\'s "90"');
    expect(reason).toContain('enableWebTerminal');
    expect(tokenGrants(emu.workspace)).toContain('user_name:admin@example.com:CAN_USE');
    expect(tokenGrants(emu.workspace)).toEqual(expect.arrayContaining(tokenGrants(primary.workspace)));
  });
});
