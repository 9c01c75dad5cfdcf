import { app, type InvocationContext } from '@azure/functions';

import { consumeFailoverMessage } from '../shared/failover/consume.js';
import { getServices, getServiceBus, invocationLogger } from './_services.js';

/** Registration options, exported so tests can check them. */
export const failoverQueueOptions = {
  /** The app setting prefix: DR_SERVICEBUS (a connection string) or DR_SERVICEBUS__fullyQualifiedNamespace (managed identity). */
  connection: 'DR_SERVICEBUS',
  /** From the DR_FAILOVER_QUEUE app setting. */
  queueName: '%DR_FAILOVER_QUEUE%',
  cardinality: 'one',
} as const;

/** A message that can never succeed, when it could not be dead-lettered directly: retried until MaxDeliveryCount. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

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
  const meta = context.triggerMetadata ?? {};
  const bus = getServiceBus();
  const disposition = await consumeFailoverMessage(
    { ...services, logger },
    {
      body: message,
      ...(typeof meta['messageId'] === 'string' ? { messageId: meta['messageId'] } : {}),
      ...(typeof meta['deliveryCount'] === 'number' ? { deliveryCount: meta['deliveryCount'] } : {}),
    },
    bus.sender,
  );
  if (disposition.action === 'complete') {
    logger.info(`Failover run ${disposition.runId}: ${disposition.status}${disposition.followUp ? ' (continues in a follow-up message)' : ''}`);
    return;
  }
  const lockToken = meta['lockToken'];
  if (typeof lockToken === 'string') {
    await bus.settler.deadLetter(lockToken, disposition.reason, disposition.description);
    logger.warn(`Failover message dead-lettered: ${disposition.reason}`, { description: disposition.description });
    return;
  }
  // Without a lock token the message cannot be settled from here: fail it, so that
  // Service Bus dead-letters it after MaxDeliveryCount (kept small on this queue).
  throw new PoisonMessageError(`${disposition.reason}: ${disposition.description}`);
}

app.serviceBusQueue('failoverQueue', { ...failoverQueueOptions, handler: failoverQueue });
