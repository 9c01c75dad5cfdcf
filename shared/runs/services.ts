import type { Config } from '../config/config.js';
import type { DatabricksClient, DatabricksClientOptions } from '../databricks/client.js';
import type { Logger } from '../log/logger.js';
import type { SnapshotStore } from '../snapshot/store.js';

/**
 * What every run needs, built once per entry point (CLI command, function handler) by
 * the composition root (shared/app/services.ts) from one validated Config. Clients are
 * created per use: each carries its own rate-limit state and retry budget for one run.
 */
export interface Services {
  config: Config;
  logger: Logger;
  store: SnapshotStore;
  client(profileName: string, extra?: Partial<DatabricksClientOptions>): DatabricksClient;
}
