import { runBackup, type BackupOptions, type BackupResult } from '../../shared/backup/backup.js';
import { type Config, loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor } from '../../shared/app/services.js';
import { nullLogger } from '../../shared/log/logger.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';

/** Configuration pointing the "primary" profile at an emulator. */
export function configFor(url: string, extra: Record<string, string> = {}): Config {
  return loadConfig(
    { DR_WORKSPACE_PRIMARY_HOST: url, DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-primary', ...extra },
    { readFile: () => undefined },
  );
}

/** One backup of the emulator at `url` into `store`, with a fresh client. */
export async function backupOnce(
  url: string,
  store: SnapshotStore,
  options: Partial<BackupOptions> & { env?: Record<string, string> } = {},
): Promise<BackupResult> {
  const config = configFor(url, options.env);
  const profile = requireProfile(config, 'primary');
  const client = options.client ?? clientFor(profile, config.rateLimits, nullLogger, { retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  try {
    return await runBackup({ profile, client, store, settings: config.backup, ...options });
  } finally {
    client.close();
  }
}

/** What a snapshot holds, independent of when it was taken: kind, key and content hash. */
export function fingerprint(manifest: Manifest): string[] {
  return manifest.artifacts.map((a) => `${a.kind}|${a.key}|${a.hash ?? '-'}`).sort();
}
