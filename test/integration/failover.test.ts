import type { Config } from '../../shared/config/config.js';
import { requireProfile } from '../../shared/config/config.js';
import { clientFor } from '../../shared/app/services.js';
import { runCutover } from '../../shared/failover/cutover.js';
import { SOURCE_TAG } from '../../shared/kinds/import/helpers.js';
import { loadState } from '../../shared/failover/state.js';
import { nullLogger } from '../../shared/log/logger.js';
import { workspaceKey } from '../../shared/snapshot/names.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { renderSource } from '../emulator/notebook/source.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import type { Workspace } from '../emulator/state/workspace.js';
import { backupOnce } from '../support/backupHarness.js';
import { actions, drConfig, failoverOnce, SECONDARY_ADMIN, verifyOnce } from '../support/failoverHarness.js';
import { fakeEntraToken } from '../support/entra.js';
import { freshStore } from '../support/storage.js';

const fixture = generateSampleWorkspace({ seed: 21, ...SAMPLE_SIZES.small });
// The mount authenticates as the cluster's managed identity here, so it needs no secret values.
const MAPPINGS = JSON.stringify({
  mounts: [
    {
      mountPoint: '/mnt/raw',
      source: 'abfss://raw@drdatalake.dfs.core.windows.net/',
      extraConfigs: { 'fs.azure.account.auth.type': 'OAuth' },
    },
  ],
});

let primary: EmulatorHandle;
let store: SnapshotStore;
let cleanup: () => Promise<void>;
let manifest: Manifest;

beforeAll(async () => {
  primary = await startEmulator({ fixture, seed: 21, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 });
  ({ store, cleanup } = await freshStore('failover'));
  manifest = (await backupOnce(primary.url, store)).manifest;
});
afterAll(async () => {
  await primary.stop();
  await cleanup();
});

async function secondary(options: Parameters<typeof startEmulator>[0] = {}): Promise<{ emu: EmulatorHandle; config: Config }> {
  const emu = await startEmulator({ seed: 5, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50, ...options });
  return { emu, config: drConfig(primary.url, emu.url, { DR_FAILOVER_MAPPINGS: MAPPINGS }) };
}

const allPurpose = (ws: Workspace) =>
  [...ws.clusters.records.values()].filter((c) => (c.source === 'UI' || c.source === 'API') && !c.permanentlyDeleted);
const tagged = (ws: Workspace, sourceId: string) =>
  allPurpose(ws).filter((c) => (c.spec['custom_tags'] as Record<string, string> | undefined)?.[SOURCE_TAG] === sourceId);
const jobsTagged = (ws: Workspace, sourceId: string) =>
  [...ws.jobs.records.values()].filter((j) => (j.settings['tags'] as Record<string, string> | undefined)?.[SOURCE_TAG] === sourceId);
const grants = (ws: Workspace, type: string, id: string) =>
  ws.permissions
    .directGrants(type as never, id)
    .map((g) => `${g.kind}:${g.name}:${g.level}`)
    .sort();

/** Everything in a workspace that a failover creates, as counts, to prove re-runs add nothing. */
function census(ws: Workspace): Record<string, number> {
  const nodes = [...ws.tree.walk()];
  return {
    nodes: nodes.length,
    notebooks: nodes.filter((n) => n.objectType === 'NOTEBOOK').length,
    clusters: allPurpose(ws).length,
    jobs: ws.jobs.records.size,
    users: ws.principals.users.size,
    groups: ws.principals.groups.size,
    servicePrincipals: ws.principals.servicePrincipals.size,
    policies: ws.policies.records.size,
    pools: ws.pools.records.size,
    scopes: ws.secrets.scopes.size,
    globalInitScripts: ws.globalInitScripts.list().length,
    repos: ws.repos.records.size,
  };
}

describe('a failover of the generated workspace', () => {
  let emu: EmulatorHandle;
  let config: Config;
  beforeAll(async () => {
    ({ emu, config } = await secondary());
  });
  afterAll(() => emu.stop());

  test('restores every kind exactly, then verify finds no drift', async () => {
    const report = await failoverOnce(config, manifest, store);
    expect(actions(report, (a) => a === 'failed' || a === 'conflict')).toEqual([]);
    expect(report.status).toBe('succeeded');
    const src = primary.workspace;
    const dst = emu.workspace;

    // Every notebook and file is byte-identical.
    for (const n of src.tree.walk()) {
      if (n.path.startsWith('/Repos/')) continue;
      const copy = dst.tree.find(n.path);
      if (n.objectType === 'NOTEBOOK') expect(copy?.notebook && renderSource(copy.notebook)).toBe(renderSource(n.notebook as never));
      if (n.objectType === 'FILE') expect(copy?.content?.equals(n.content as Buffer)).toBe(true);
      if (n.objectType === 'DIRECTORY') expect(copy?.objectType).toBe('DIRECTORY');
    }

    // Clusters: one copy each, tagged, terminated, pinned as before, with remapped policy and pool ids.
    for (const c of allPurpose(src)) {
      const copies = tagged(dst, c.clusterId);
      expect(copies).toHaveLength(1);
      const copy = copies[0]!;
      expect(['TERMINATED', 'TERMINATING']).toContain(copy.state);
      expect(copy.pinnedBy !== undefined).toBe(c.pinnedBy !== undefined);
      const policy = c.spec['policy_id'] as string | undefined;
      if (policy) expect(dst.policies.get(copy.spec['policy_id'] as string).name).toBe(src.policies.get(policy).name);
      const pool = c.spec['instance_pool_id'] as string | undefined;
      if (pool)
        expect(dst.pools.get(copy.spec['instance_pool_id'] as string).spec['instance_pool_name']).toBe(
          src.pools.get(pool).spec['instance_pool_name'],
        );
      expect(copy.libraries.map((l) => JSON.stringify(l.library)).sort()).toEqual(
        c.libraries
          .filter((l) => l.status !== 'UNINSTALL_ON_RESTART')
          .map((l) => JSON.stringify(l.library))
          .sort(),
      );
    }

    // Jobs: one copy each, paused, every cluster and job reference remapped.
    let remappedClusterRefs = 0;
    let remappedJobRefs = 0;
    for (const j of src.jobs.records.values()) {
      const copies = jobsTagged(dst, String(j.jobId));
      expect(copies).toHaveLength(1);
      const copy = copies[0]!;
      for (const field of ['schedule', 'continuous', 'trigger']) {
        if (j.settings[field] !== undefined) expect((copy.settings[field] as { pause_status: string }).pause_status).toBe('PAUSED');
      }
      const tasks = (j.settings['tasks'] as Array<Record<string, any>> | undefined) ?? [];
      const copyTasks = (copy.settings['tasks'] as Array<Record<string, any>> | undefined) ?? [];
      tasks.forEach((t, i) => {
        if (t['existing_cluster_id']) {
          expect(tagged(dst, t['existing_cluster_id']).map((c) => c.clusterId)).toEqual([copyTasks[i]!['existing_cluster_id']]);
          remappedClusterRefs += 1;
        }
        if (t['run_job_task']) {
          const target = jobsTagged(dst, String(t['run_job_task'].job_id))[0];
          expect(String(copyTasks[i]!['run_job_task'].job_id)).toBe(String(target?.jobId));
          remappedJobRefs += 1;
        }
      });
    }
    expect(remappedClusterRefs).toBeGreaterThan(0);
    expect(remappedJobRefs).toBeGreaterThan(0);

    // Permissions on the new object ids.
    let checkedGrants = 0;
    for (const n of src.tree.walk()) {
      const type = { NOTEBOOK: 'notebooks', DIRECTORY: 'directories', FILE: 'files', REPO: 'repos', LIBRARY: undefined }[n.objectType];
      if (!type || (n.path.startsWith('/Repos/') && n.objectType !== 'REPO' && n.objectType !== 'DIRECTORY')) continue;
      const wanted = grants(src, type, String(n.objectId));
      if (wanted.length === 0) continue;
      const copy = dst.tree.find(n.path);
      expect(grants(dst, type, String(copy?.objectId))).toEqual(wanted);
      checkedGrants += 1;
    }
    for (const c of allPurpose(src))
      expect(grants(dst, 'clusters', tagged(dst, c.clusterId)[0]!.clusterId)).toEqual(grants(src, 'clusters', c.clusterId));
    for (const j of src.jobs.records.values())
      expect(grants(dst, 'jobs', String(jobsTagged(dst, String(j.jobId))[0]!.jobId))).toEqual(grants(src, 'jobs', String(j.jobId)));
    expect(checkedGrants).toBeGreaterThan(5);

    // Principals with their memberships and entitlements.
    const names = (ws: Workspace, ids: string[]) =>
      ids
        .map(
          (id) =>
            ws.principals.users.get(id)?.userName ??
            ws.principals.servicePrincipals.get(id)?.applicationId ??
            `group:${ws.principals.groups.get(id)?.displayName}`,
        )
        .sort();
    for (const u of src.principals.users.values()) {
      const copy = [...dst.principals.users.values()].find((x) => x.userName === u.userName);
      expect(copy?.entitlements.sort()).toEqual([...u.entitlements].sort());
    }
    for (const g of src.principals.groups.values()) {
      const copy = [...dst.principals.groups.values()].find((x) => x.displayName === g.displayName);
      expect(copy).toBeDefined();
      if (g.displayName === 'users') continue;
      const expected = names(src, g.members);
      if (g.displayName === 'admins') expect(names(dst, copy!.members)).toEqual(expect.arrayContaining(expected));
      else expect(names(dst, copy!.members)).toEqual(expected);
      expect([...copy!.entitlements].sort()).toEqual([...g.entitlements].sort());
    }
    for (const sp of src.principals.servicePrincipals.values())
      expect([...dst.principals.servicePrincipals.values()].some((x) => x.applicationId === sp.applicationId)).toBe(true);

    // Secrets: scopes and ACLs, never values; the keys needing values are reported.
    for (const scope of src.secrets.scopes.values()) {
      const copy = dst.secrets.scopes.get(scope.name.toLowerCase());
      expect(copy?.backendType).toBe(scope.backendType);
      for (const [principal, level] of scope.acls) expect(copy?.acls.get(principal)).toBe(level);
      expect(copy?.secrets.size).toBe(0);
      if (scope.backendType === 'DATABRICKS' && scope.secrets.size > 0) {
        expect(report.needsHuman.find((n) => n.kind === 'secretScopes' && n.key === scope.name)?.reason).toContain(
          [...scope.secrets.keys()].sort()[0],
        );
      }
    }

    // The declared mount exists, created by one job run.
    expect(dst.dbfs.mounts.has('/mnt/raw')).toBe(true);
    expect(report.items.find((i) => i.kind === 'mounts' && i.key === '/mnt/raw')?.action).toBe('create');

    // And the DR drill's check agrees.
    const verify = await verifyOnce(config, manifest, store);
    expect(verify.drift).toEqual([]);
    expect(verify.ok).toBe(true);
    expect(verify.checked).toBe(report.items.length);
  });

  test('running it again changes nothing and creates nothing', async () => {
    const before = census(emu.workspace);
    emu.stats.reset();
    const again = await failoverOnce(config, manifest, store);
    expect(actions(again, (a) => a !== 'unchanged' && a !== 'skip')).toEqual([]);
    const writes = Object.entries(emu.stats.snapshot().endpoints).filter(([route]) => !route.startsWith('GET '));
    expect(writes).toEqual([]);
    expect(census(emu.workspace)).toEqual(before);
  });
});

describe('a dry run', () => {
  test('plans every object and writes nothing, not even its state', async () => {
    const { emu, config } = await secondary();
    try {
      const before = census(emu.workspace);
      const plan = await failoverOnce(config, manifest, store, { dryRun: true });
      expect(plan.dryRun).toBe(true);
      expect(plan.counts.failed ?? 0).toBe(0);
      expect(plan.byKind.notebooks?.create).toBe(manifest.counts.notebooks);
      expect(plan.byKind.jobs?.create).toBe(manifest.counts.jobs);
      expect(Object.keys(emu.stats.snapshot().endpoints).filter((r) => !r.startsWith('GET '))).toEqual([]);
      expect(census(emu.workspace)).toEqual(before);
      const state = await loadState(store, manifest.workspace.key, workspaceKey(emu.url));
      expect(state.idMap.size()).toBe(0);
    } finally {
      await emu.stop();
    }
  });
});

describe('references that cannot be resolved', () => {
  test('fail their object with the reason, and the rest of the run goes on', async () => {
    const { emu, config } = await secondary();
    try {
      const kinds = manifest.kinds.filter((k) => k !== 'clusters');
      const report = await failoverOnce(config, manifest, store, { kinds });
      const failedJobs = report.items.filter((i) => i.kind === 'jobs' && i.action === 'failed');
      const jobsWithClusterRefs = manifest.artifacts.filter(
        (a) => a.kind === 'jobs' && a.refs.some((r) => r.kind === 'clusters' && r.by === 'id'),
      );
      expect(jobsWithClusterRefs.length).toBeGreaterThan(0);
      for (const a of jobsWithClusterRefs) {
        expect(failedJobs.find((i) => i.key === a.key)?.note).toMatch(
          /existing_cluster_id refers to clusters \S+, which is not in the target workspace/,
        );
      }
      // A job that runs one of those jobs fails in turn, naming the job it needs.
      for (const i of failedJobs.filter((f) => !jobsWithClusterRefs.some((a) => a.key === f.key)))
        expect(i.note).toMatch(/run_job_task\.job_id refers to jobs /);
      expect(report.status).toBe('failed');
      expect(report.byKind.notebooks?.create).toBe(manifest.counts.notebooks);
      // The jobs that did not need a cluster are there.
      expect(emu.workspace.jobs.records.size).toBe((manifest.counts.jobs ?? 0) - failedJobs.length);
    } finally {
      await emu.stop();
    }
  });
});

describe('mounts', () => {
  test('a mount whose credentials have no value yet waits for them, then a re-run mounts it', async () => {
    const emu = await startEmulator({ seed: 6, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 });
    const mappings = JSON.stringify({
      mounts: [
        {
          mountPoint: '/mnt/raw',
          source: 'abfss://raw@drdatalake.dfs.core.windows.net/',
          extraConfigs: { 'fs.azure.account.key.drdatalake.dfs.core.windows.net': '{{secrets/data-engineering-secrets/storage-key}}' },
        },
      ],
    });
    const config = drConfig(primary.url, emu.url, { DR_FAILOVER_MAPPINGS: mappings });
    try {
      const first = await failoverOnce(config, manifest, store, {
        kinds: ['users', 'groups', 'servicePrincipals', 'secretScopes', 'mounts'],
      });
      const mount = first.items.find((i) => i.kind === 'mounts' && i.key === '/mnt/raw');
      expect(mount).toMatchObject({
        action: 'failed',
        note: "The mount's credentials need secret values that the target does not have yet: data-engineering-secrets/storage-key.",
      });
      expect(first.needsHuman.some((n) => n.key === '/mnt/raw' && /put-secret/.test(n.action ?? ''))).toBe(true);
      expect(emu.stats.count('POST', '/api/2.2/jobs/runs/submit')).toBe(0);

      // The operator puts the value, as the report says, and runs the failover again.
      emu.workspace.secrets.put('data-engineering-secrets', 'storage-key', Buffer.from('s3cr3t'), Date.now());
      const second = await failoverOnce(config, manifest, store, { kinds: ['secretScopes', 'mounts'] });
      expect(second.items.find((i) => i.kind === 'mounts' && i.key === '/mnt/raw')?.action).toBe('create');
      expect(emu.workspace.dbfs.mounts.get('/mnt/raw')?.source).toBe('abfss://raw@drdatalake.dfs.core.windows.net/');
      // The scope no longer needs that value.
      const scopeNeeds = second.needsHuman.find((n) => n.kind === 'secretScopes' && n.key === 'data-engineering-secrets')?.reason;
      expect(scopeNeeds).toContain('api-key');
      expect(scopeNeeds).not.toContain('storage-key');
    } finally {
      await emu.stop();
    }
  });
});

describe('conflicts', () => {
  test('a notebook changed in the target is reported under "report" and replaced under "update"', async () => {
    const { emu, config } = await secondary();
    try {
      await failoverOnce(config, manifest, store, { kinds: ['users', 'directories', 'notebooks'] });
      const node = [...emu.workspace.tree.walk()].find((n) => n.objectType === 'NOTEBOOK' && n.notebook?.language === 'PYTHON')!;
      node.notebook!.cells.push({ command: 'print("edited in the DR workspace")' });
      node.modifiedAt = Date.now();
      const edited = renderSource(node.notebook!);

      const reported = await failoverOnce(config, manifest, store, { kinds: ['notebooks'], conflictPolicy: 'report' });
      expect(actions(reported, (a) => a !== 'unchanged')).toEqual([
        `notebooks ${node.path} conflict (The notebook's content differs in the target.)`,
      ]);
      expect(renderSource(emu.workspace.tree.get(node.path).notebook!)).toBe(edited);

      const updated = await failoverOnce(config, manifest, store, { kinds: ['notebooks'], conflictPolicy: 'update' });
      expect(actions(updated, (a) => a !== 'unchanged')).toEqual([
        `notebooks ${node.path} update (The notebook's content differs in the target.)`,
      ]);
      expect(renderSource(emu.workspace.tree.get(node.path).notebook!)).toBe(renderSource(primary.workspace.tree.get(node.path).notebook!));
    } finally {
      await emu.stop();
    }
  });
});

describe('cutover and failback', () => {
  test('cutover restores schedules in the DR workspace and pauses the old primary; failback adds no duplicates', async () => {
    const { emu, config } = await secondary();
    const oldPrimary = await startEmulator({ fixture, seed: 21, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 });
    const { store: s2, cleanup: c2 } = await freshStore('failback');
    try {
      const original = (await backupOnce(oldPrimary.url, s2)).manifest;
      expect((await failoverOnce(config, original, s2)).status).toBe('succeeded');
      const cfg = drConfig(oldPrimary.url, emu.url, { DR_FAILOVER_MAPPINGS: MAPPINGS });
      const target = requireProfile(cfg, 'secondary');
      const client = clientFor(target, cfg.rateLimits, nullLogger);
      const primaryClient = clientFor(requireProfile(cfg, 'primary'), cfg.rateLimits, nullLogger);
      try {
        const cut = await runCutover({
          store: s2,
          target,
          client,
          sourceKey: original.workspace.key,
          oldPrimary: { profile: requireProfile(cfg, 'primary'), client: primaryClient },
        });
        expect(cut.ok).toBe(true);
        for (const j of oldPrimary.workspace.jobs.records.values()) {
          const copy = jobsTagged(emu.workspace, String(j.jobId))[0]!;
          const schedule = fixture.jobs?.find((x) => String(x.job_id) === String(j.jobId))?.settings['schedule'] as
            | { pause_status?: string }
            | undefined;
          if (schedule) {
            expect((copy.settings['schedule'] as { pause_status: string }).pause_status).toBe(schedule.pause_status ?? 'UNPAUSED');
            expect((j.settings['schedule'] as { pause_status: string }).pause_status).toBe('PAUSED');
          }
        }
        expect(cut.jobs.filter((j) => j.result === 'unpaused').length).toBeGreaterThan(0);
        expect(cut.oldPrimary?.paused).toBeGreaterThan(0);
        // Cutover again: nothing left to do.
        const again = await runCutover({ store: s2, target, client, sourceKey: original.workspace.key });
        expect(again.jobs.every((j) => j.result === 'unchanged')).toBe(true);
        // A failover after cutover keeps the schedules running.
        const after = await failoverOnce(config, original, s2);
        expect(actions(after, (a) => a !== 'unchanged' && a !== 'skip')).toEqual([]);

        // Failback: back up the DR workspace and replay it into the old primary.
        const drSnapshot = (await backupOnce(emu.url, s2, { env: { DR_WORKSPACE_PRIMARY_TOKEN: fakeEntraToken(SECONDARY_ADMIN) } }))
          .manifest;
        const before = census(oldPrimary.workspace);
        const back = clientFor(requireProfile(cfg, 'primary'), cfg.rateLimits, nullLogger);
        try {
          const { runFailover } = await import('../../shared/failover/failover.js');
          const report = await runFailover({
            manifest: drSnapshot,
            store: s2,
            target: requireProfile(cfg, 'primary'),
            client: back,
            mappings: cfg.failover.mappings,
          });
          expect(actions(report, (a) => a === 'failed' || a === 'conflict')).toEqual([]);
          expect(report.byKind.clusters?.create ?? 0).toBe(0);
          expect(report.byKind.jobs?.create ?? 0).toBe(0);
          const after = census(oldPrimary.workspace);
          expect({ ...after, users: 0, nodes: 0 }).toEqual({ ...before, users: 0, nodes: 0 });
          // The DR workspace's own admin is the only principal the primary did not have.
          expect(after['users']! - before['users']!).toBeLessThanOrEqual(1);
          expect([...oldPrimary.workspace.principals.users.values()].some((u) => u.userName === SECONDARY_ADMIN)).toBe(
            after['users']! > before['users']!,
          );
        } finally {
          back.close();
        }
      } finally {
        client.close();
        primaryClient.close();
      }
    } finally {
      await emu.stop();
      await oldPrimary.stop();
      await c2();
    }
  });
});
