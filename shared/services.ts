import { type Config, requireProfile } from './config/config.js';
import type { DatabricksClient, DatabricksClientOptions } from './databricks/client.js';
import { clientFor } from './databricks/fromProfile.js';
import type { Logger } from './log/logger.js';
import { SnapshotStore } from './snapshot/store.js';

/**
 * What every entry point (CLI commands, function handlers) needs, built from one
 * validated Config. Clients are created per use: each carries its own rate-limit
 * state and retry budget for one run.
 */
export interface Services {
  config: Config;
  logger: Logger;
  store: SnapshotStore;
  client(profileName: string, extra?: Partial<DatabricksClientOptions>): DatabricksClient;
}

export function buildServices(config: Config, logger: Logger): Services {
  const store = SnapshotStore.fromConfig(config.storage, logger);
  return {
    config,
    logger,
    store,
    client: (name, extra) => clientFor(requireProfile(config, name), config.rateLimits, logger, extra),
  };
}
