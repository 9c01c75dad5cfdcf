import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { backupOnce } from '../support/backupHarness.js';
import { drConfig, failoverOnce, SECONDARY_ADMIN } from '../support/failoverHarness.js';
import { fakeEntraToken } from '../support/entra.js';
import { api } from '../support/http.js';
import { freshStore } from '../support/storage.js';

// A failover killed between creating the mount notebook's folder and removing it
// leaves the folder behind; the next run, finding every mount in place, removes it.
const fixture = generateSampleWorkspace({ seed: 21, ...SAMPLE_SIZES.small });
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
let secondary: EmulatorHandle;
let store: SnapshotStore;
let cleanup: () => Promise<void>;
let manifest: Manifest;

beforeAll(async () => {
  primary = await startEmulator({ fixture, seed: 21, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 });
  secondary = await startEmulator({ seed: 5, clusterStartMs: 50, clusterStopMs: 20, runDurationMs: 50 });
  ({ store, cleanup } = await freshStore('mounts'));
  manifest = (await backupOnce(primary.url, store, { env: { DR_BACKUP_KINDS: 'secretScopes,mounts' } })).manifest;
});
afterAll(async () => {
  await Promise.all([primary.stop(), secondary.stop()]);
  await cleanup();
});

test('the mount notebook folder a killed run left is removed by the next run', async () => {
  const config = drConfig(primary.url, secondary.url, { DR_FAILOVER_MAPPINGS: MAPPINGS });
  expect((await failoverOnce(config, manifest, store, { kinds: ['mounts'] })).status).toBe('succeeded');
  const dr = api(secondary.url, fakeEntraToken(SECONDARY_ADMIN));
  const status = () => dr.get('/api/2.0/workspace/get-status', { path: '/Shared/databricks-dr' });
  expect((await status()).status).toBe(404);

  await dr.post('/api/2.0/workspace/mkdirs', { path: '/Shared/databricks-dr' });
  expect((await status()).status).toBe(200);
  const again = await failoverOnce(config, manifest, store, { kinds: ['mounts'] });
  // Every mapped mount is in place (the unmapped one is skipped, as in the first run): no mount job runs.
  expect(again.items.filter((i) => i.kind === 'mounts').map((i) => i.action)).not.toContain('create');
  expect((await status()).status).toBe(404);
});
