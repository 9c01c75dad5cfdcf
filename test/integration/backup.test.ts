import { DrError } from '../../shared/errors/drError.js';
import { KIND_NAMES, type KindName } from '../../shared/snapshot/names.js';
import { verifySnapshot } from '../../shared/snapshot/integrity.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { renderSource } from '../emulator/notebook/source.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { backupOnce, fingerprint } from '../support/backupHarness.js';
import { api, b64 } from '../support/http.js';
import { freshStore } from '../support/storage.js';

const fixture = generateSampleWorkspace({ seed: 11, ...SAMPLE_SIZES.small });
let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ fixture, seed: 11 });
});
afterAll(() => emu.stop());

const EXPORTS = () => emu.stats.count('GET', '/api/2.0/workspace/export');

describe('a full backup', () => {
  test('captures every kind, every notebook byte-exact, and records what it cannot capture', async () => {
    const { store, cleanup } = await freshStore('full');
    try {
      const result = await backupOnce(emu.url, store);
      const m = result.manifest;
      for (const kind of KIND_NAMES) expect(m.kinds).toContain(kind);
      const byKind = (k: KindName) => m.artifacts.filter((a) => a.kind === k);
      const ws = emu.workspace;

      // Every notebook, byte for byte.
      const notebooks = [...ws.tree.walk()].filter((n) => n.objectType === 'NOTEBOOK');
      expect(byKind('notebooks')).toHaveLength(notebooks.length);
      for (const n of notebooks) {
        const entry = byKind('notebooks').find((a) => a.key === n.path);
        expect(entry).toBeDefined();
        expect((await store.getObject(entry?.hash as string)).toString('utf8')).toBe(renderSource(n.notebook as never));
      }
      // Files byte for byte; the legacy library recorded as not captured.
      const files = [...ws.tree.walk()].filter((n) => n.objectType === 'FILE' && !n.path.startsWith('/Repos/'));
      expect(byKind('files')).toHaveLength(files.length);
      for (const f of files) {
        const entry = byKind('files').find((a) => a.key === f.path);
        expect((await store.getObject(entry?.hash as string)).equals(f.content as Buffer)).toBe(true);
      }
      expect(m.uncaptured.find((u) => u.key === '/Shared/libraries/legacy-utils-1.0')?.reason).toMatch(/cannot export libraries/);

      // Principals, with memberships and entitlements.
      expect(
        byKind('users')
          .map((a) => a.key)
          .sort(),
      ).toEqual([...ws.principals.users.values()].map((u) => u.userName).sort());
      expect(byKind('servicePrincipals')).toHaveLength(ws.principals.servicePrincipals.size);
      const nested = byKind('groups').find((a) => a.key === 'all-data-teams');
      const nestedDoc = JSON.parse((await store.getObject(nested?.hash as string)).toString());
      expect(nestedDoc.members).toEqual(expect.arrayContaining([{ group: 'data-engineering' }]));
      expect(nested?.refs.some((r) => r.kind === 'groups' && r.value === 'data-engineering')).toBe(true);

      // Clusters: only UI/API ones, spec without read-only fields, libraries, pinned state.
      const allPurpose = [...ws.clusters.records.values()].filter((c) => c.source === 'UI' || c.source === 'API');
      expect(
        byKind('clusters')
          .map((a) => a.key)
          .sort(),
      ).toEqual(allPurpose.map((c) => c.clusterId).sort());
      for (const c of allPurpose) {
        const doc = JSON.parse((await store.getObject(byKind('clusters').find((a) => a.key === c.clusterId)?.hash as string)).toString());
        expect(doc.spec).toEqual(JSON.parse(JSON.stringify(c.spec)));
        expect(doc.spec.state).toBeUndefined();
        expect(doc.pinned === true).toBe(c.pinnedBy !== undefined);
        expect((doc.libraries ?? []).length).toBe(c.libraries.length);
      }

      // Jobs with every task and their references.
      expect(byKind('jobs')).toHaveLength(ws.jobs.records.size);
      const withCluster = byKind('jobs').find((a) => a.refs.some((r) => r.kind === 'clusters'));
      expect(withCluster).toBeDefined();
      for (const j of byKind('jobs')) {
        const doc = JSON.parse((await store.getObject(j.hash as string)).toString());
        expect(doc.settings.tasks.length).toBe((ws.jobs.records.get(BigInt(j.key))?.settings['tasks'] as unknown[]).length);
      }

      // Policies, pools, scripts, scopes (keys and ACLs, never values), mounts.
      expect(byKind('clusterPolicies')).toHaveLength(ws.policies.records.size);
      expect(byKind('instancePools')).toHaveLength(ws.pools.records.size);
      expect(byKind('globalInitScripts')).toHaveLength(ws.globalInitScripts.list().length);
      expect(byKind('secretScopes')).toHaveLength(ws.secrets.scopes.size);
      for (const a of byKind('secretScopes')) {
        const text = (await store.getObject(a.hash as string)).toString();
        for (const { value } of ws.secrets.scope(a.key).secrets.values()) expect(text).not.toContain(value.toString());
      }
      expect(m.uncaptured.filter((u) => u.kind === 'secretScopes').length).toBeGreaterThan(0);
      expect(
        byKind('mounts')
          .map((a) => a.key)
          .sort(),
      ).toEqual([...ws.dbfs.mounts.keys()].sort());

      // DBFS: the init-script prefix and everything clusters and jobs reference, the large script intact.
      const large = byKind('dbfsFiles').find((a) => a.key === '/databricks/init-scripts/bootstrap-large.sh');
      expect(large?.size).toBeGreaterThan(1024 * 1024);
      expect(
        (await store.getObject(large?.hash as string)).equals(ws.dbfs.get('/databricks/init-scripts/bootstrap-large.sh').content),
      ).toBe(true);
      for (const ref of [...byKind('clusters'), ...byKind('jobs')].flatMap((a) => a.refs).filter((r) => r.kind === 'dbfsFiles')) {
        expect(byKind('dbfsFiles').some((a) => a.key === ref.value) || m.uncaptured.some((u) => u.key === ref.value)).toBe(true);
      }

      // Permissions of every object type, direct grants only.
      const types = new Set(byKind('permissions').map((a) => a.key.split(':')[0]));
      for (const t of ['directories', 'notebooks', 'files', 'repos', 'clusters', 'cluster-policies', 'instance-pools', 'jobs'])
        expect(types).toContain(t);
      const jobAcl = byKind('permissions').find((a) => a.key.startsWith('jobs:'));
      const aclDoc = JSON.parse((await store.getObject(jobAcl?.hash as string)).toString());
      expect(aclDoc.acl.filter((g: { permission_level: string }) => g.permission_level === 'IS_OWNER')).toHaveLength(1);

      // And the snapshot verifies.
      expect((await verifySnapshot(store, m)).ok).toBe(true);
    } finally {
      await cleanup();
    }
  });
});

describe('incremental backups', () => {
  test('a second run exports no unchanged notebook and stores no new object; one changed notebook is exported alone', async () => {
    const { store, cleanup } = await freshStore('incr');
    try {
      const first = await backupOnce(emu.url, store);
      emu.stats.reset();
      const second = await backupOnce(emu.url, store);
      expect(EXPORTS()).toBe(0);
      expect(second.manifest.stats.uploadedObjects).toBe(0);
      expect(second.parentSnapshotId).toBe(first.snapshotId);
      expect(fingerprint(second.manifest)).toEqual(fingerprint(first.manifest));

      const target = [...emu.workspace.tree.walk()].find((n) => n.objectType === 'NOTEBOOK' && n.notebook?.language === 'SQL');
      const w = api(emu.url);
      const source = '-- Databricks notebook source\nSELECT 42 AS answer\n';
      expect(
        (await w.post('/api/2.0/workspace/import', { path: target?.path, content: b64(source), language: 'SQL', overwrite: true })).status,
      ).toBe(200);
      emu.stats.reset();
      const third = await backupOnce(emu.url, store);
      expect(EXPORTS()).toBe(1);
      expect(third.manifest.stats.uploadedObjects).toBe(1);
      const changed = third.manifest.artifacts.find((a) => a.kind === 'notebooks' && a.key === target?.path);
      expect((await store.getObject(changed?.hash as string)).toString()).toBe(source);
      const diff = fingerprint(third.manifest).filter((f) => !fingerprint(second.manifest).includes(f));
      expect(diff).toEqual([`notebooks|${target?.path}|${changed?.hash}`]);
    } finally {
      await cleanup();
    }
  });
});

describe('faults', () => {
  test('429s, 5xx errors and dropped connections do not change the snapshot', async () => {
    const clean = await freshStore('clean');
    const faulty = await freshStore('faulty');
    const stormy = await startEmulator({ fixture: emu.workspace.toFixture(), seed: 11 });
    try {
      const expected = fingerprint((await backupOnce(stormy.url, clean.store)).manifest);
      // Tighter limits than the client assumes (so it meets 429s), random 5xx and dropped connections.
      stormy.faults.configure({
        errors: { rate500: 0.05, rate503: 0.05, htmlShare: 0.5 },
        dropRate: 0.03,
        rateLimits: { families: { 'workspace.export': 20, 'permissions.read': 40, dbfs: 10 }, default: 50 },
      });
      stormy.stats.reset();
      const result = await backupOnce(stormy.url, faulty.store);
      const statuses = Object.values(stormy.stats.snapshot().endpoints).flatMap((e) => Object.entries(e.statuses));
      const count = (code: string) => statuses.filter(([k]) => k === code).reduce((n, [, v]) => n + v, 0);
      expect(count('429')).toBeGreaterThan(0);
      expect(count('500') + count('503')).toBeGreaterThan(5);
      expect(count('drop')).toBeGreaterThan(2);
      expect(result.manifest.stats.retries).toBeGreaterThan(5);
      expect(fingerprint(result.manifest)).toEqual(expected);
    } finally {
      await stormy.stop();
      await clean.cleanup();
      await faulty.cleanup();
    }
  });

  test('a backup stopped midway leaves no manifest; the next run completes from the checkpoint', async () => {
    const { store, cleanup } = await freshStore('stop');
    const slow = await startEmulator({ fixture: emu.workspace.toFixture(), seed: 11, latency: { fixedMs: 5, jitterMs: 5 } });
    try {
      const controller = new AbortController();
      slow.stats.reset();
      let exported = 0;
      const error = await backupOnce(slow.url, store, {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'artifact' && e.kind === 'notebooks' && e.action === 'exported' && ++exported === 20)
            controller.abort(new DrError('ABORTED', 'test stop'));
        },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ABORTED' });
      expect(await store.listSnapshots()).toEqual([]);
      const checkpoint = await store.readCheckpoint((await store.workspaceKeys())[0] as string);
      const saved = checkpoint?.artifacts.filter((a) => a.kind === 'notebooks').length ?? 0;
      expect(saved).toBeGreaterThanOrEqual(20);
      slow.stats.reset();
      const done = await backupOnce(slow.url, store);
      expect(await store.listSnapshots()).toHaveLength(1);
      // The notebooks exported before the stop were not exported again.
      const notebooks = done.manifest.artifacts.filter((a) => a.kind === 'notebooks').length;
      const files = done.manifest.artifacts.filter((a) => a.kind === 'files').length;
      expect(slow.stats.count('GET', '/api/2.0/workspace/export')).toBe(
        notebooks + files - saved - (checkpoint?.artifacts.filter((a) => a.kind === 'files').length ?? 0),
      );
      expect(done.manifest.stats.reused).toBeGreaterThanOrEqual(saved);
      expect(await store.readCheckpoint(done.workspaceKey)).toBeUndefined();
      expect((await verifySnapshot(store, done.manifest)).ok).toBe(true);
    } finally {
      await slow.stop();
      await cleanup();
    }
  });

  test('a second backup of the same workspace while one runs is refused with LOCKED', async () => {
    const { store, cleanup } = await freshStore('lock');
    const slow = await startEmulator({ fixture: emu.workspace.toFixture(), seed: 11, latency: { fixedMs: 10, jitterMs: 0 } });
    try {
      const first = backupOnce(slow.url, store);
      await new Promise((r) => setTimeout(r, 300));
      await expect(backupOnce(slow.url, store)).rejects.toMatchObject({ code: 'LOCKED' });
      await first;
      expect(await store.listSnapshots()).toHaveLength(1);
    } finally {
      await slow.stop();
      await cleanup();
    }
  });
});

describe('large DBFS files', () => {
  test('are streamed in 1 MB chunks and stored intact', async () => {
    const { store, cleanup } = await freshStore('bigdbfs');
    const big = await startEmulator({ fixture: emu.workspace.toFixture(), seed: 11 });
    try {
      const content = Buffer.alloc(20 * 1024 * 1024 + 123);
      for (let i = 0; i < content.length; i += 4096) content[i] = (i / 4096) % 256;
      big.workspace.dbfs.write('/databricks/init-scripts/huge.sh', content, true);
      big.stats.reset();
      const result = await backupOnce(big.url, store);
      const entry = result.manifest.artifacts.find((a) => a.kind === 'dbfsFiles' && a.key === '/databricks/init-scripts/huge.sh');
      expect(entry?.size).toBe(content.length);
      expect((await store.getObject(entry?.hash as string)).equals(content)).toBe(true);
      // 21 chunks read to hash it, 21 again to upload it; no read asks for more than 1 MB.
      expect(big.stats.count('GET', '/api/2.0/dbfs/read')).toBeGreaterThanOrEqual(42);
      expect((await verifySnapshot(store, result.manifest)).ok).toBe(true);
    } finally {
      await big.stop();
      await cleanup();
    }
  });
});
