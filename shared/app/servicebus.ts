import { ManagedIdentityCredential, DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';

import type { ServiceBusConfig } from '../config/config.js';
import { DrError } from '../errors/drError.js';
import type { RequestSender } from '../runs/queue.js';

export function serviceBusClient(config: ServiceBusConfig): ServiceBusClient {
  if ('connectionString' in config) return new ServiceBusClient(config.connectionString);
  const credential =
    config.clientId !== undefined ? new ManagedIdentityCredential({ clientId: config.clientId }) : new DefaultAzureCredential();
  return new ServiceBusClient(config.namespace, credential);
}

/** Requests onto one of the app's queues, with a deterministic message id for duplicate detection. */
export function queueSender<T>(client: ServiceBusClient, queue: string, subject: string): RequestSender<T> & { close(): Promise<void> } {
  const sender = client.createSender(queue);
  return {
    async send(request: T, options: { messageId: string; delayMs?: number }): Promise<void> {
      const message = { body: request, contentType: 'application/json', messageId: options.messageId, subject };
      if (options.delayMs !== undefined && options.delayMs > 0)
        await sender.scheduleMessages(message, new Date(Date.now() + options.delayMs));
      else await sender.sendMessages(message);
    },
    close: () => sender.close(),
  };
}

/**
 * Dead-letter a message the Functions host delivered, by its lock token, with a
 * reason and description. The Node.js trigger cannot settle messages itself, so this
 * goes through a receiver of our own: the SDK settles a message it did not receive on
 * its link through the queue's $management node (`update-disposition` by lock
 * token), which Service Bus supports for non-session queues. The host's automatic
 * completion afterwards finds the lock gone, which it logs and ignores.
 */
export function lockTokenSettler(
  client: ServiceBusClient,
  queue: string,
): { deadLetter(lockToken: string, reason: string, description: string): Promise<void>; close(): Promise<void> } {
  const receiver = client.createReceiver(queue, { receiveMode: 'peekLock' });
  return {
    async deadLetter(lockToken, reason, description) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(lockToken)) {
        throw new DrError('USAGE', `"${lockToken}" is not a message lock token.`);
      }
      // A message without a delivery link is settled by lock token over $management.
      const handle = { lockToken, delivery: {} } as unknown as ServiceBusReceivedMessage;
      await receiver.deadLetterMessage(handle, { deadLetterReason: reason, deadLetterErrorDescription: description.slice(0, 4096) });
    },
    close: () => receiver.close(),
  };
}
