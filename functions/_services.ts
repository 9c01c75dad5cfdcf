import type { InvocationContext } from '@azure/functions';

import { loadConfig } from '../shared/config/config.js';
import { type LogFields, type Logger, redactingLogger } from '../shared/log/logger.js';
import type { BackupRequest } from '../shared/backup/request.js';
import type { FailoverRequest } from '../shared/failover/message.js';
import type { OperationSenders } from '../shared/ops/submit.js';
import type { Disposition, QueueMessage } from '../shared/runs/queue.js';
import { lockTokenSettler, queueSender, serviceBusClient } from '../shared/app/servicebus.js';
import type { Services } from '../shared/runs/services.js';
import { buildServices } from '../shared/app/services.js';
import { ConfigError } from '../shared/errors/drError.js';

let services: Services | undefined;
let bus: ServiceBus | undefined;

type Settler = ReturnType<typeof lockTokenSettler>;

/** The app's Service Bus clients: senders onto both queues, and settlers to dead-letter by lock token. */
export interface ServiceBus {
  senders: OperationSenders;
  settlers: { failover: Settler; backup: Settler };
  close(): Promise<void>;
}

/**
 * The composition root of the function app: configuration is read and validated
 * once per worker (a ConfigError fails the first invocation with every problem
 * listed), and the storage client is reused across invocations.
 */
export function getServices(): Services {
  if (!services) {
    const config = loadConfig(process.env);
    services = buildServices(
      config,
      redactingLogger((level, message, fields) => console[level === 'debug' ? 'debug' : level](message, fields)),
    );
  }
  return services;
}

/** The Service Bus clients, created on first use and reused across invocations. */
export function getServiceBus(): ServiceBus {
  if (!bus) {
    const config = getServices().config;
    if (!config.serviceBus) {
      throw new ConfigError([
        {
          setting: 'DR_SERVICEBUS__fullyQualifiedNamespace',
          problem: 'Service Bus is not configured, so requests cannot be queued and follow-up messages cannot be sent.',
          fix: 'Set DR_SERVICEBUS__fullyQualifiedNamespace (managed identity) or DR_SERVICEBUS (a connection string).',
        },
      ]);
    }
    const client = serviceBusClient(config.serviceBus);
    const failover = queueSender<FailoverRequest>(client, config.failover.queue, 'failover');
    const backup = queueSender<BackupRequest>(client, config.backup.queue, 'backup');
    const settlers = { failover: lockTokenSettler(client, config.failover.queue), backup: lockTokenSettler(client, config.backup.queue) };
    bus = {
      senders: { failover, backup },
      settlers,
      close: async () => {
        await Promise.all([failover.close(), backup.close(), settlers.failover.close(), settlers.backup.close()]);
        await client.close();
      },
    };
  }
  return bus;
}

/**
 * Settle a queue message the way the consumer decided: a completed run returns (the
 * host completes the message); a message that can never succeed is dead-lettered by
 * its lock token with the reason, or, without a lock token, failed with
 * PoisonMessageError so Service Bus dead-letters it after MaxDeliveryCount.
 */
export async function settle(
  disposition: Disposition,
  context: InvocationContext,
  settler: Settler,
  logger: Logger,
  what: string,
): Promise<void> {
  if (disposition.action === 'complete') {
    logger.info(
      `${what} run ${disposition.runId}: ${disposition.status}${disposition.followUp ? ' (continues in a follow-up message)' : ''}`,
    );
    return;
  }
  const lockToken = (context.triggerMetadata ?? {})['lockToken'];
  if (typeof lockToken === 'string') {
    await settler.deadLetter(lockToken, disposition.reason, disposition.description);
    logger.warn(`${what} message dead-lettered: ${disposition.reason}`, { description: disposition.description });
    return;
  }
  throw new PoisonMessageError(`${disposition.reason}: ${disposition.description}`);
}

/** A message that can never succeed, when it could not be dead-lettered directly: retried until MaxDeliveryCount. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/** The message fields the consumers read from the trigger metadata. */
export function queueMessage(body: unknown, context: InvocationContext): QueueMessage {
  const meta = context.triggerMetadata ?? {};
  return {
    body,
    ...(typeof meta['messageId'] === 'string' ? { messageId: meta['messageId'] } : {}),
    ...(typeof meta['deliveryCount'] === 'number' ? { deliveryCount: meta['deliveryCount'] } : {}),
  };
}

/** For tests: forget the services so the next call reads the environment again. */
export async function resetServices(): Promise<void> {
  services = undefined;
  const b = bus;
  bus = undefined;
  await b?.close();
}

/** The core's Logger on top of an invocation, so lines stay tied to it in Application Insights. */
export function invocationLogger(context: InvocationContext): Logger {
  return redactingLogger((level, message, fields: LogFields) => {
    const args = Object.keys(fields).length > 0 ? [message, fields] : [message];
    if (level === 'debug') context.debug(...args);
    else if (level === 'info') context.info(...args);
    else if (level === 'warn') context.warn(...args);
    else context.error(...args);
  });
}
