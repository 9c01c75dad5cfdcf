import { app, type InvocationContext } from '@azure/functions';

import { consumeBackupMessage } from '../shared/backup/consume.js';
import { getServices, getServiceBus, invocationLogger, queueMessage, settle } from './_services.js';

/** Registration options, exported so tests can check them. */
export const backupQueueOptions = {
  /** The same Service Bus connection as the failover queue. */
  connection: 'DR_SERVICEBUS',
  /** From the DR_BACKUP_QUEUE app setting. */
  queueName: '%DR_BACKUP_QUEUE%',
  cardinality: 'one',
} as const;

/**
 * Backup queue consumer: an on-demand backup (POST /api/backup) runs here, never in
 * the HTTP request. It is checkpointed before the time budget and continues in a
 * follow-up message; a bad message is dead-lettered with its reason.
 */
export async function backupQueue(message: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const logger = invocationLogger(context);
  const bus = getServiceBus();
  const disposition = await consumeBackupMessage({ ...services, logger }, queueMessage(message, context), bus.senders.backup);
  await settle(disposition, context, bus.settlers.backup, logger, 'Backup');
}

app.serviceBusQueue('backupQueue', { ...backupQueueOptions, handler: backupQueue });
