import type { InvocationContext } from '@azure/functions';

import { loadConfig } from '../shared/config/config.js';
import { type LogFields, type Logger, redactingLogger } from '../shared/log/logger.js';
import type { FollowUpSender } from '../shared/failover/consume.js';
import { lockTokenSettler, queueSender, serviceBusClient } from '../shared/servicebus.js';
import { buildServices, type Services } from '../shared/services.js';
import { ConfigError } from '../shared/errors/drError.js';

let services: Services | undefined;
let bus: ServiceBus | undefined;

export interface ServiceBus {
  sender: FollowUpSender;
  settler: ReturnType<typeof lockTokenSettler>;
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
    services = buildServices(config, redactingLogger((level, message, fields) => console[level === 'debug' ? 'debug' : level](message, fields)));
  }
  return services;
}

/** The Service Bus client of the failover queue (follow-up messages, dead-lettering), reused across invocations. */
export function getServiceBus(): ServiceBus {
  if (!bus) {
    const config = getServices().config;
    if (!config.serviceBus) {
      throw new ConfigError([
        { setting: 'DR_SERVICEBUS__fullyQualifiedNamespace', problem: 'Service Bus is not configured, so the failover function cannot send follow-up messages.', fix: 'Set DR_SERVICEBUS__fullyQualifiedNamespace (managed identity) or DR_SERVICEBUS (a connection string).' },
      ]);
    }
    const client = serviceBusClient(config.serviceBus);
    const sender = queueSender(client, config.failover.queue);
    const settler = lockTokenSettler(client, config.failover.queue);
    bus = {
      sender,
      settler,
      close: async () => {
        await sender.close();
        await settler.close();
        await client.close();
      },
    };
  }
  return bus;
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
