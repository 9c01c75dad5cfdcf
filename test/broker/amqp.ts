// AMQP details shared by the broker and its $management handler: addressing, lock-token
// byte order, the Service Bus message annotations, and decoding of batches and bodies.
import type { Message } from 'rhea';
import rhea from 'rhea';

import type { StoredMessage } from './model.js';

/** What a link's address refers to. */
export type Address =
  | { kind: 'cbs' }
  | { kind: 'management'; entity: string }
  | { kind: 'entity'; entity: string }
  | { kind: 'unsupported'; path: string };

/**
 * Classify a link address. Clients may prefix addresses with `sb://<host>/`; names are
 * matched case-insensitively later (see BrokerModel.queue).
 */
export function parseAddress(address: string | undefined): Address {
  const path = (address ?? '').replace(/^sb:\/\/[^/]+\//i, '');
  if (path.toLowerCase() === '$cbs') return { kind: 'cbs' };
  const management = /^(.+)\/\$management$/i.exec(path);
  if (management?.[1]) return { kind: 'management', entity: management[1] };
  // Topics/subscriptions and sessions are not modelled; refuse them rather than misbehave.
  if (path === '' || path.startsWith('$') || /\/subscriptions\//i.test(path)) return { kind: 'unsupported', path };
  return { kind: 'entity', entity: path };
}

/**
 * Decode one encoded AMQP message. rhea's typings give `decode` a different `Message` type
 * than the one links send and receive; at runtime they are the same object.
 */
export function decodeMessage(encoded: Buffer): Message {
  return rhea.message.decode(encoded) as unknown as Message;
}

/** Message format of `sendMessages([...])` / `createMessageBatch` batches (Microsoft's batch format). */
export const BATCH_FORMAT = 0x80013700;

/**
 * Split an incoming delivery into messages. rhea decodes only format-0 deliveries; for a
 * batch `payload` is the raw envelope whose data sections each hold one encoded message.
 */
export function decodeDelivery(payload: Message | Buffer, format: number | undefined): Message[] {
  if (!Buffer.isBuffer(payload)) return [payload];
  const envelope = decodeMessage(payload);
  if (format !== BATCH_FORMAT) return [envelope];
  const section: unknown = envelope.body;
  if (!isSection(section)) return [];
  const parts: unknown[] = section.multiple ? (section.content as unknown[]) : [section.content];
  return parts.filter(isBuffer).map(decodeMessage);
}

export function isBuffer(value: unknown): value is Buffer {
  return Buffer.isBuffer(value);
}

/** rhea's decoded body section (`data`/`sequence`); its typings do not declare it. */
interface Section {
  typecode: number;
  content: unknown;
  multiple?: boolean;
}

function isSection(value: unknown): value is Section {
  return typeof value === 'object' && value !== null && 'typecode' in value && 'content' in value;
}

/**
 * The body as an SDK receiver sees it: a single data section holding JSON (how the SDK sends
 * objects and strings by default) is parsed, other data is a Buffer, `value` bodies as-is.
 */
export function decodeBody(body: unknown): unknown {
  if (!isSection(body)) return body;
  if (body.typecode === 0x75 && Buffer.isBuffer(body.content)) {
    try {
      return JSON.parse(body.content.toString('utf8')) as unknown;
    } catch {
      return body.content;
    }
  }
  return body.content;
}

/** `x-opt-message-state` values the SDK maps to `state` (absent = active). */
const messageState = { deferred: 1, scheduled: 2 } as const;

/**
 * The message as the broker sends it out (on a receiver link, or encoded in a $management
 * reply): the client's message plus the broker-assigned header and annotations.
 */
export function outgoingMessage(record: StoredMessage, lockedUntil?: Date): Message {
  const annotations: Record<string, unknown> = {
    ...record.message.message_annotations,
    'x-opt-sequence-number': rhea.types.wrap_long(record.sequenceNumber),
    'x-opt-enqueued-time': record.enqueuedAt,
  };
  if (lockedUntil) annotations['x-opt-locked-until'] = lockedUntil;
  if (record.state !== 'active') annotations['x-opt-message-state'] = rhea.types.wrap_int(messageState[record.state]);
  if (record.deadLetterSource) annotations['x-opt-deadletter-source'] = record.deadLetterSource;
  return { ...record.message, delivery_count: record.deliveryCount, message_annotations: annotations };
}

/** 16 bytes of a GUID in RFC (network) order, as `$management` requests carry lock tokens. */
export function guidBytes(token: string): Buffer {
  return Buffer.from(token.replace(/-/g, ''), 'hex');
}

export function guidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/**
 * The delivery tag of a peek-locked message: the lock token in .NET GUID byte order (the
 * first three groups byte-reversed). The SDK reorders it back before showing `lockToken`, so
 * the same token then works in `$management` requests, which use RFC order.
 */
export function lockTokenTag(token: string): Buffer {
  const bytes = guidBytes(token);
  bytes.subarray(0, 4).reverse();
  bytes.subarray(4, 6).reverse();
  bytes.subarray(6, 8).reverse();
  return bytes;
}

/** Read an AMQP long as decoded by rhea (a number, or 8 big-endian bytes when large). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw new TypeError(`expected an AMQP long, got ${String(value)}`);
}

export type Outcome = 'accepted' | 'rejected' | 'modified' | 'released';

interface DescribedOutcome {
  described(): unknown;
}

/** rhea's outcome constructors exist at runtime but are missing from its typings. */
const outcomes = rhea.message as unknown as {
  accepted(): DescribedOutcome;
  released(): DescribedOutcome;
  modified(fields: { delivery_failed?: boolean; undeliverable_here?: boolean }): DescribedOutcome;
  rejected(fields: { error?: { condition: string; description: string } }): DescribedOutcome;
};

/**
 * The state the broker settles a peek-lock delivery with. Success echoes the client's outcome
 * without an error; sending no state at all would reach the client as an AMQP null that rhea
 * logs as "unrecognised outcome". Failure is `rejected` with an error, which the SDK raises
 * (e.g. `MessageLockLost`).
 */
export function settlementState(outcome: Outcome, error?: { condition: string; description: string }): unknown {
  if (error) return outcomes.rejected({ error }).described();
  switch (outcome) {
    case 'accepted':
      return outcomes.accepted().described();
    case 'rejected':
      return outcomes.rejected({}).described();
    case 'modified':
      return outcomes.modified({ delivery_failed: true }).described();
    case 'released':
      return outcomes.released().described();
  }
}

export const LOCK_LOST = 'com.microsoft:message-lock-lost';
