import { runBackup } from '../../shared/backup/backup.js';
import { loadConfig } from '../../shared/config/config.js';
import { clientFor } from '../../shared/databricks/fromProfile.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { freshStore } from '../support/storage.js';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({ fixture: generateSampleWorkspace({ seed: 11, ...SAMPLE_SIZES.small }), seed: 11 });
});
afterAll(() => emu.stop());

function setup() {
  const config = loadConfig({ DR_WORKSPACE_PRIMARY_HOST: emu.url, DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-test' }, { readFile: () => undefined });
  const profile = config.profiles.get('primary');
  if (!profile) throw new Error('no profile');
  return { config, profile, client: clientFor(profile, config.rateLimits, console as never) };
}

test('a first backup captures the workspace and a second one reuses everything', async () => {
  const { store, cleanup } = await freshStore('bk');
  try {
    const { config, profile } = setup();
    const client = clientFor(profile, config.rateLimits, (await import('../../shared/log/logger.js')).nullLogger);
    const first = await runBackup({ profile, client, store, settings: config.backup });
    console.log(JSON.stringify(first.counts), first.manifest.stats, first.uncaptured.length);
    emu.stats.reset();
    const client2 = clientFor(profile, config.rateLimits, (await import('../../shared/log/logger.js')).nullLogger);
    const second = await runBackup({ profile, client: client2, store, settings: config.backup });
    console.log(second.manifest.stats, emu.stats.count('GET', '/api/2.0/workspace/export'));
  } finally {
    await cleanup();
  }
});
