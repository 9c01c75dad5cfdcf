/**
 * The function app on loopback, for `npm start -- --serve`: a Service Bus test broker
 * with both queues (duplicate detection on, as deployed), the HTTP functions behind a
 * function key, and a loop that delivers each queue's messages to its function, as
 * the Functions host would.
 */
import { ServiceBusClient } from '@azure/service-bus';

import { startServiceBusBroker } from '../broker/broker.js';
import { httpFunctions, queueFunctions } from '../support/functionApp.js';
import { deliver, startHttpHost } from '../support/functionsHost.js';

export interface LocalFunctionApp {
  url: string;
  key: string;
  stop(): Promise<void>;
}

export async function serveFunctionApp(env: Record<string, string>): Promise<LocalFunctionApp> {
  const queues = { failover: 'databricks-dr-failover', backup: 'databricks-dr-backup' };
  const settings = { maxDeliveryCount: 5, lockDurationMs: 300_000, duplicateDetectionWindowMs: 600_000 };
  const broker = await startServiceBusBroker({ queues: { [queues.failover]: settings, [queues.backup]: settings } });
  Object.assign(process.env, env, {
    DR_SERVICEBUS: broker.connectionString,
    DR_FAILOVER_QUEUE: queues.failover,
    DR_BACKUP_QUEUE: queues.backup,
    DR_ALERT_RULES: '*',
    DATABRICKS_CONFIG_FILE: '/dev/null',
  });
  const host = await startHttpHost(await httpFunctions(), { key: 'local' });
  const client = new ServiceBusClient(broker.connectionString);
  let serving = true;
  const loops = (await queueFunctions()).map(async (f) => {
    const queue = f.queueSetting === 'DR_FAILOVER_QUEUE' ? queues.failover : queues.backup;
    while (serving) {
      const d = await deliver(client, queue, f.handler, { functionName: f.name, maxWaitMs: 1000 }).catch((error: unknown) => ({
        outcome: 'abandoned' as const,
        lines: [],
        error: error as Error,
      }));
      for (const line of d.lines) process.stdout.write(`  [${f.name}] ${line}\n`);
      if (d.error) process.stdout.write(`  [${f.name}] failed: ${d.error.message}\n`);
    }
  });
  return {
    url: host.url,
    key: host.key,
    async stop() {
      serving = false;
      await Promise.all(loops);
      await host.stop();
      await client.close();
      await broker.stop();
    },
  };
}
