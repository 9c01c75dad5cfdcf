/**
 * End-to-end tests of failover, verify and cutover through the CLI, and of the
 * failover's end state under crashes and faults: whatever happens midway, running it
 * again ends in the state a clean run reaches, with nothing duplicated.
 */
import { randomBytes } from 'node:crypto';

import { requireProfile } from '../../shared/config/config.js';
import { workspaceKey } from '../../shared/snapshot/names.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import type { EmulatorOptions } from '../emulator/options.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import type { Workspace } from '../emulator/state/workspace.js';
import { backupOnce } from '../support/backupHarness.js';
import { cli, cliEnv, containerClient, expireLock, onlyJson, startCli, storeOf, until } from '../support/cliHarness.js';
import { fakeEntraToken } from '../support/entra.js';
import { freePort } from '../support/spawn.js';
import { actions, drConfig, failoverOnce, SECONDARY_ADMIN, verifyOnce } from '../support/failoverHarness.js';

const fixture = generateSampleWorkspace({ seed: 33, ...SAMPLE_SIZES.small });
const FAST = { clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 };
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
let container: string;
let manifest: Manifest;
/** What a clean failover leaves in an empty workspace. */
let reference: Record<string, number>;
/** Writes a clean failover sends. */
let cleanWrites: number;
const emulators: EmulatorHandle[] = [];

async function secondary(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const e = await startEmulator({ seed: 9, ...FAST, ...options });
  emulators.push(e);
  return e;
}

function env(secondaryUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv(primary.url, container, {
    DR_WORKSPACE_SECONDARY_HOST: secondaryUrl,
    DR_WORKSPACE_SECONDARY_AUTH: 'pat',
    DR_WORKSPACE_SECONDARY_TOKEN: fakeEntraToken(SECONDARY_ADMIN),
    DR_FAILOVER_MAPPINGS: MAPPINGS,
    ...extra,
  });
}

/** Objects a failover creates, counted, plus the duplicates a broken re-run would leave. */
function census(ws: Workspace): Record<string, number> {
  const nodes = [...ws.tree.walk()];
  const clusters = [...ws.clusters.records.values()].filter((c) => (c.source === 'UI' || c.source === 'API') && !c.permanentlyDeleted);
  const jobNames = [...ws.jobs.records.values()].map((j) => JSON.stringify(j.settings['tags'] ?? {}));
  const clusterTags = clusters.map((c) => JSON.stringify(c.spec['custom_tags'] ?? {}));
  return {
    nodes: nodes.length,
    notebooks: nodes.filter((n) => n.objectType === 'NOTEBOOK').length,
    clusters: clusters.length,
    duplicateClusters: clusterTags.length - new Set(clusterTags).size,
    jobs: ws.jobs.records.size,
    duplicateJobs: jobNames.length - new Set(jobNames).size,
    users: ws.principals.users.size,
    groups: ws.principals.groups.size,
    policies: ws.policies.records.size,
    pools: ws.pools.records.size,
    scopes: ws.secrets.scopes.size,
    scripts: ws.globalInitScripts.list().length,
    repos: ws.repos.records.size,
    mounts: ws.dbfs.mounts.size,
  };
}

beforeAll(async () => {
  primary = await startEmulator({ fixture, seed: 33, ...FAST });
  container = `cli-failover-${randomBytes(5).toString('hex')}`;
  manifest = (await backupOnce(primary.url, storeOf(container))).manifest;
  const clean = await secondary();
  const report = await failoverOnce(drConfig(primary.url, clean.url, { DR_FAILOVER_MAPPINGS: MAPPINGS }), manifest, storeOf(container));
  expect(report.status).toBe('succeeded');
  reference = census(clean.workspace);
  cleanWrites = writesTo(clean);
  expect(reference['duplicateClusters']).toBe(0);
  expect(reference['duplicateJobs']).toBe(0);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([primary.stop(), ...emulators.map((e) => e.stop())]);
  await containerClient(container).deleteIfExists();
});

const writesTo = (e: EmulatorHandle): number =>
  Object.entries(e.stats.snapshot().endpoints)
    .filter(([route]) => !route.startsWith('GET '))
    .reduce((n, [, s]) => n + s.count, 0);

describe('failover through the CLI', () => {
  test('--dry-run prints the plan; failover, verify and cutover succeed with exit 0; drift exits 6', async () => {
    const emu = await secondary();
    const e = env(emu.url);

    const plan = await cli(['failover', '--target', 'secondary', '--dry-run'], e);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`Plan for snapshot ${manifest.snapshotId}`);
    expect(plan.stdout).toMatch(/\d+ to create/);
    expect(plan.stdout).toMatch(/create\s+notebooks \/\S+/);
    expect(writesTo(emu)).toBe(0);

    const run = await cli(['failover', '--target', 'secondary', '--json'], e);
    expect(run.stderr).not.toMatch(/databricks-dr:/);
    expect(run.code).toBe(0);
    const report = onlyJson(run);
    expect(report).toMatchObject({ ok: true, status: 'succeeded', snapshotId: manifest.snapshotId });
    expect(report.needsHuman.some((n: { kind: string }) => n.kind === 'secretScopes')).toBe(true);
    expect(run.stdout + run.stderr).not.toContain(fakeEntraToken(SECONDARY_ADMIN).split('.')[1]);

    const verify = await cli(['verify', '--target', 'secondary'], e);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^No drift: /);

    // Somebody edits a notebook in the DR workspace: verify names it and exits 6.
    const node = [...emu.workspace.tree.walk()].find((n) => n.objectType === 'NOTEBOOK')!;
    node.notebook!.cells.push({ command: 'print(1)' });
    node.modifiedAt = Date.now();
    const drift = await cli(['verify', '--json'], e);
    expect(drift.code).toBe(6);
    const dr = onlyJson(drift);
    expect(dr.ok).toBe(false);
    expect(dr.drift).toEqual([
      {
        kind: 'notebooks',
        key: node.path,
        drift: 'differs',
        detail: "The notebook's content differs in the target.",
        targetId: String(node.objectId),
      },
    ]);

    const cut = await cli(['cutover', '--old-primary', 'none'], e);
    expect(cut.code).toBe(0);
    expect(cut.stdout).toMatch(/^Cutover of .*: \d+ job\(s\) unpaused/);
    expect(cut.stdout).toContain('its schedules were left alone');
    // The old primary is down: cutover says so and still succeeds; running it again changes nothing.
    const dead = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(['cutover', '--old-primary', 'oldprod'], {
      ...e,
      DR_WORKSPACE_OLDPROD_HOST: dead,
      DR_WORKSPACE_OLDPROD_TOKEN: 'dapi-old',
    });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/: 0 job\(s\) unpaused, \d+ already as in the source/);
    expect(down.stdout).toContain(`The old primary (${dead}) cannot be reached; pause its schedules when it is back`);
  }, 60_000);

  test('bad input gets a clear error and exit 2', async () => {
    const emu = await secondary();
    const same = await cli(['failover', '--target', 'primary'], env(emu.url));
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('The source and the target are the same profile ("primary")');
    const kinds = await cli(['failover', '--kinds', 'notebooks,widgets'], env(emu.url));
    expect(kinds.code).toBe(2);
    expect(kinds.stderr).toContain('Unknown kind(s) widgets in --kinds');
    const missing = await cli(['failover', '--snapshot', '20200101T000000.000Z-abcd'], env(emu.url));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Snapshot 20200101T000000.000Z-abcd does not exist|does not exist/);
    const mappings = await cli(['failover'], env(emu.url, { DR_FAILOVER_MAPPINGS: '{"nodeTypes": []}' }));
    expect(mappings.code).toBe(2);
    expect(mappings.stderr).toContain('DR_FAILOVER_MAPPINGS');
    expect(writesTo(emu)).toBe(0);
  }, 60_000);

  // Each case kills the CLI at a different point: after this share of a clean run's writes.
  test.concurrent.each([0.03, 0.4, 0.85])(
    'kill -9 after %f of the writes, then the re-run reaches the clean end state with no duplicates',
    async (share) => {
      const killAfter = Math.max(1, Math.round(share * cleanWrites));
      const emu = await secondary();
      const e = env(emu.url);
      const { proc, done } = startCli(['failover', '--json'], e);
      await until(() => writesTo(emu) >= killAfter || proc.child.exitCode !== null, 45_000);
      expect(proc.child.exitCode).toBeNull();
      proc.child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      expect(census(emu.workspace)).not.toEqual(reference);

      // The killed run's lease blocks a new run until it expires; expire it now.
      await expireLock(container, workspaceKey(emu.url));
      const rerun = await cli(['failover', '--json'], e);
      expect(rerun.code).toBe(0);
      expect(onlyJson(rerun).status).toBe('succeeded');
      expect(census(emu.workspace)).toEqual(reference);
      const verify = await cli(['verify'], e);
      expect(verify.code).toBe(0);
    },
    120_000,
  );
});

describe('faults during a failover', () => {
  test('429 storms, 5xx, dropped connections and lost responses lead to the same end state', async () => {
    const emu = await secondary({ errors: { rate500: 0.03, rate503: 0.03 }, dropRate: 0.02, lostResponseRate: 0.05 });
    // A storm of 429s with Retry-After on the busiest write family.
    emu.faults.inject({ method: 'POST', path: '/api/2.0/workspace/import', status: 429, retryAfter: 1, times: 40, after: 10 });
    const config = drConfig(primary.url, emu.url, { DR_FAILOVER_MAPPINGS: MAPPINGS });
    const store = storeOf(container);
    const runs: string[] = [];
    let report = await failoverOnce(config, manifest, store);
    runs.push(report.status);
    // Objects that ran out of retries failed alone; running again picks them up.
    while (report.status !== 'succeeded' && runs.length < 4) {
      report = await failoverOnce(config, manifest, store);
      runs.push(report.status);
    }
    expect(runs[runs.length - 1]).toBe('succeeded');
    expect(report.stats.throttled + report.stats.retries).toBeGreaterThan(0);
    const dropped = Object.values(emu.stats.snapshot().endpoints).reduce((n, s) => n + (s.statuses['drop'] ?? 0), 0);
    expect(dropped).toBeGreaterThan(0);

    emu.faults.configure({ errors: { rate500: 0, rate503: 0, htmlShare: 0.5 }, dropRate: 0, lostResponseRate: 0 });
    expect(census(emu.workspace)).toEqual(reference);
    expect((await verifyOnce(config, manifest, store)).drift).toEqual([]);
    const again = await failoverOnce(config, manifest, store);
    expect(actions(again, (a) => a !== 'unchanged' && a !== 'skip')).toEqual([]);
    expect(requireProfile(config, 'secondary').host).toBe(emu.url);
  }, 120_000);
});
