import { type Config, loadConfig, requireProfile } from '../../shared/config/config.js';
import { clientFor } from '../../shared/app/services.js';
import { type FailoverOptions, type FailoverReport, runFailover } from '../../shared/failover/failover.js';
import { verifyTarget, type VerifyReport } from '../../shared/failover/verify.js';
import { nullLogger } from '../../shared/log/logger.js';
import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { fakeEntraToken } from './entra.js';

/** The admin every blank emulator has; the DR workspace is reached as this user. */
export const SECONDARY_ADMIN = 'admin@example.com';

/** Configuration with "primary" (PAT) and "secondary" (an Entra-shaped token) profiles. */
export function drConfig(primaryUrl: string, secondaryUrl: string, extra: Record<string, string> = {}): Config {
  return loadConfig(
    {
      DR_WORKSPACE_PRIMARY_HOST: primaryUrl,
      DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-primary',
      DR_WORKSPACE_SECONDARY_HOST: secondaryUrl,
      DR_WORKSPACE_SECONDARY_AUTH: 'pat',
      DR_WORKSPACE_SECONDARY_TOKEN: fakeEntraToken(SECONDARY_ADMIN),
      ...extra,
    },
    { readFile: () => undefined },
  );
}

const FAST_RETRY = { retry: { baseDelayMs: 20, maxDelayMs: 200 } };

/** One failover of `manifest` into the secondary, with a fresh client. */
export async function failoverOnce(
  config: Config,
  manifest: Manifest,
  store: SnapshotStore,
  options: Partial<FailoverOptions> = {},
): Promise<FailoverReport> {
  const target = requireProfile(config, 'secondary');
  const client = options.client ?? clientFor(target, config.rateLimits, nullLogger, FAST_RETRY);
  try {
    return await runFailover({ manifest, store, target, client, mappings: config.failover.mappings, ...options });
  } finally {
    if (!options.client) client.close();
  }
}

export async function verifyOnce(config: Config, manifest: Manifest, store: SnapshotStore): Promise<VerifyReport> {
  const target = requireProfile(config, 'secondary');
  const client = clientFor(target, config.rateLimits, nullLogger, FAST_RETRY);
  try {
    return await verifyTarget({ manifest, store, target, client, mappings: config.failover.mappings });
  } finally {
    client.close();
  }
}

/** What the failover reported, as `kind key action` lines, for readable assertions. */
export function actions(report: FailoverReport, filter: (a: string) => boolean = () => true): string[] {
  return report.items.filter((i) => filter(i.action)).map((i) => `${i.kind} ${i.key} ${i.action}${i.note ? ` (${i.note})` : ''}`);
}
