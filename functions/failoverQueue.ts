import { app, type InvocationContext } from '@azure/functions';

import { consumeFailoverMessage } from '../shared/failover/consume.js';
import { getServices, getServiceBus, invocationLogger, queueMessage, settle } from './_services.js';

/** Registration options, exported so tests can check them. */
export const failoverQueueOptions = {
  /** The app setting prefix: DR_SERVICEBUS (a connection string) or DR_SERVICEBUS__fullyQualifiedNamespace (managed identity). */
  connection: 'DR_SERVICEBUS',
  /** From the DR_FAILOVER_QUEUE app setting. */
  queueName: '%DR_FAILOVER_QUEUE%',
  cardinality: 'one',
} as const;

/**
 * Failover queue consumer: validates the message against the request schema, replays
 * the snapshot into the DR workspace within the function's time budget (continuing
 * in a follow-up message when it runs out), and writes the run record and report.
 * A message that can never succeed is dead-lettered with its reason; a transient
 * failure is thrown, so Service Bus redelivers the message.
 */
export async function failoverQueue(message: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const logger = invocationLogger(context);
  const bus = getServiceBus();
  const disposition = await consumeFailoverMessage({ ...services, logger }, queueMessage(message, context), bus.senders.failover);
  await settle(disposition, context, bus.settlers.failover, logger, 'Failover');
}

export { PoisonMessageError } from './_services.js';

app.serviceBusQueue('failoverQueue', { ...failoverQueueOptions, handler: failoverQueue });
