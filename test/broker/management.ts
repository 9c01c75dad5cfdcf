// The `<entity>/$management` request/response node: the operations @azure/service-bus needs
// for peek, schedule/cancel, lock renewal, deferred messages and settlement by lock token.
// Requests carry `application_properties.operation` and an AMQP map body; replies carry
// `statusCode`/`statusDescription`/`errorCondition` (camelCase, unlike `$cbs`).
import rhea from 'rhea';

import { LOCK_LOST, decodeMessage, guidBytes, guidString, isBuffer, outgoingMessage, toNumber } from './amqp.js';
import type { BrokerModel, Entity, Settled } from './model.js';

export interface ManagementReply {
  statusCode: number;
  statusDescription: string;
  errorCondition?: string;
  body?: Record<string, unknown>;
}

type Body = Record<string, unknown>;

const ok = (body?: Body): ManagementReply => ({ statusCode: 200, statusDescription: 'OK', body });
const lockLost = (): ManagementReply => ({
  statusCode: 410,
  statusDescription: 'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
  errorCondition: LOCK_LOST,
});

/** AMQP type codes for the typed arrays Service Bus replies with. */
const LONG = 0x81;
const TIMESTAMP = 0x83;

/**
 * Run one `$management` operation against `entity`. Throws (the caller replies 400) on a
 * malformed request.
 */
export function handleManagement(model: BrokerModel, entity: Entity, operation: unknown, body: Body, now: Date): ManagementReply {
  switch (operation) {
    case 'com.microsoft:peek-message': {
      const found = model.peek(entity, toNumber(body['from-sequence-number']), toNumber(body['message-count']));
      if (found.length === 0) return { statusCode: 204, statusDescription: 'No Content' };
      return ok({ messages: found.map((m) => ({ message: rhea.message.encode(outgoingMessage(m)) })) });
    }
    case 'com.microsoft:renew-lock': {
      const expirations: number[] = [];
      for (const token of lockTokens(body)) {
        const until = model.renew(token, now);
        if (!until) return lockLost();
        expirations.push(until.getTime());
      }
      return ok({ expirations: rhea.types.wrap_array(expirations, TIMESTAMP, undefined) });
    }
    case 'com.microsoft:schedule-message': {
      const entries = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
      const sequenceNumbers = entries.map((entry) => {
        const encoded = (entry as Body).message;
        if (!Buffer.isBuffer(encoded)) throw new TypeError('schedule-message entry without an encoded message');
        return entity.queue.enqueue(decodeMessage(encoded), now);
      });
      return ok({ 'sequence-numbers': rhea.types.wrap_array(sequenceNumbers, LONG, undefined) });
    }
    case 'com.microsoft:cancel-scheduled-message':
      model.cancelScheduled(entity, longs(body['sequence-numbers']));
      return ok();
    case 'com.microsoft:receive-by-sequence-number': {
      const records = model.findDeferred(entity, longs(body['sequence-numbers']));
      if (!records) return { statusCode: 404, statusDescription: 'Message not found.', errorCondition: 'com.microsoft:message-not-found' };
      const peekLock = toNumber(body['receiver-settle-mode']) === 1;
      const messages = records.map((record) => {
        if (!peekLock) {
          model.take(entity, record);
          return { message: rhea.message.encode(outgoingMessage(record)) };
        }
        const lock = model.lock(entity, record, now);
        // Here the lock token is an AMQP uuid in RFC byte order (unlike a delivery tag).
        return {
          'lock-token': rhea.types.wrap_uuid(guidBytes(lock.token)),
          message: rhea.message.encode(outgoingMessage(record, lock.until)),
        };
      });
      return ok({ messages });
    }
    case 'com.microsoft:update-disposition':
      return lockTokens(body).every((token) => updateDisposition(model, token, body)) ? ok() : lockLost();
    default:
      return {
        statusCode: 501,
        statusDescription: `Operation ${String(operation)} is not implemented by the test broker.`,
        errorCondition: 'amqp:not-implemented',
      };
  }
}

/** Settlement by lock token: used for deferred messages and when the receive link is gone. */
function updateDisposition(model: BrokerModel, token: string, body: Body): Settled {
  const properties = body['properties-to-modify'] as Record<string, unknown> | undefined;
  switch (body['disposition-status']) {
    case 'completed':
      return model.complete(token);
    case 'abandoned':
      return model.abandon(token, properties);
    case 'defered': // sic: the SDK's spelling
      return model.defer(token, properties);
    case 'suspended': // dead-letter
      return model.deadLetter(token, {
        reason: optionalString(body['deadletter-reason']),
        description: optionalString(body['deadletter-description']),
        properties,
      });
    default:
      throw new TypeError(`unknown disposition-status ${String(body['disposition-status'])}`);
  }
}

function lockTokens(body: Body): string[] {
  const tokens = body['lock-tokens'];
  return Array.isArray(tokens) ? tokens.filter(isBuffer).map(guidString) : [];
}

function longs(value: unknown): number[] {
  return Array.isArray(value) ? value.map(toNumber) : [];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
