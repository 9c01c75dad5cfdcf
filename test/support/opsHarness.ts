/**
 * The whole function app on real parts, for handler and end-to-end tests: the real
 * @azure/service-bus SDK against the test broker (queues set up as infra/ deploys them:
 * duplicate detection on, max delivery count 5), Azurite, and emulated primary and
 * secondary workspaces with a backed-up generated workspace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ServiceBusClient } from '@azure/service-bus';

import type { SnapshotStore } from '../../shared/snapshot/store.js';
import type { Manifest } from '../../shared/snapshot/types.js';
import { startServiceBusBroker, type ServiceBusBroker } from '../broker/broker.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { backupOnce } from './backupHarness.js';
import { fakeEntraToken } from './entra.js';
import { SECONDARY_ADMIN } from './failoverHarness.js';
import { httpFunctions } from './functionApp.js';
import { deliver, type Delivery, type HttpFunction } from './functionsHost.js';
import { freshStore, testConnectionString } from './storage.js';

export const FAILOVER_QUEUE = 'dr-failover';
export const BACKUP_QUEUE = 'dr-backup';
export const ALERT_RULE = 'databricks-primary-region-outage';

export interface Ops {
  broker: ServiceBusBroker;
  client: ServiceBusClient;
  primary: EmulatorHandle;
  secondary: EmulatorHandle;
  store: SnapshotStore;
  container: string;
  manifest: Manifest;
  /** Point the app settings at this environment (plus `extra`) and reset the function app's services. */
  useEnv(extra?: Record<string, string>): Promise<void>;
  deliverFailover(): Promise<Delivery>;
  deliverBackup(): Promise<Delivery>;
  /** Every HTTP function of the app, as the host would register them. */
  httpFunctions(): Promise<HttpFunction[]>;
  close(): Promise<void>;
}

export async function startOps(seed: number): Promise<Ops> {
  const saved = { ...process.env };
  const emptyConfig = join(mkdtempSync(join(tmpdir(), 'dr-')), 'databrickscfg');
  writeFileSync(emptyConfig, '');
  const queueSettings = { maxDeliveryCount: 5, lockDurationMs: 60_000, duplicateDetectionWindowMs: 600_000 };
  const broker = await startServiceBusBroker({ queues: { [FAILOVER_QUEUE]: queueSettings, [BACKUP_QUEUE]: queueSettings } });
  const client = new ServiceBusClient(broker.connectionString);
  const fast = { clusterStartMs: 20, clusterStopMs: 10, runDurationMs: 20 };
  const primary = await startEmulator({ fixture: generateSampleWorkspace({ seed, ...SAMPLE_SIZES.tiny }), seed, ...fast });
  const secondary = await startEmulator({ seed: seed + 1, ...fast });
  const { store, container, cleanup } = await freshStore(`ops-${seed}`);
  const manifest = (await backupOnce(primary.url, store)).manifest;

  const { resetServices } = await import('../../functions/_services.js');
  const { failoverQueue } = await import('../../functions/failoverQueue.js');
  const { backupQueue } = await import('../../functions/backupQueue.js');

  return {
    broker,
    client,
    primary,
    secondary,
    store,
    container,
    manifest,
    async useEnv(extra = {}) {
      process.env = {
        ...saved,
        DATABRICKS_CONFIG_FILE: emptyConfig,
        DR_WORKSPACE_PRIMARY_HOST: primary.url,
        DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-primary',
        DR_WORKSPACE_SECONDARY_HOST: secondary.url,
        DR_WORKSPACE_SECONDARY_AUTH: 'pat',
        DR_WORKSPACE_SECONDARY_TOKEN: fakeEntraToken(SECONDARY_ADMIN),
        DR_STORAGE_CONNECTION_STRING: testConnectionString(),
        DR_CONTAINER: container,
        DR_SERVICEBUS: broker.connectionString,
        DR_FAILOVER_QUEUE: FAILOVER_QUEUE,
        DR_BACKUP_QUEUE: BACKUP_QUEUE,
        DR_ALERT_RULES: ALERT_RULE,
        ...extra,
      };
      await resetServices();
    },
    deliverFailover: () => deliver(client, FAILOVER_QUEUE, failoverQueue, { functionName: 'failoverQueue' }),
    deliverBackup: () => deliver(client, BACKUP_QUEUE, backupQueue, { functionName: 'backupQueue' }),
    httpFunctions,
    async close() {
      process.env = saved;
      await resetServices();
      await client.close();
      await broker.stop();
      await primary.stop();
      await secondary.stop();
      await cleanup();
    },
  };
}
