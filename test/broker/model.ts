// The in-memory side of the test broker: queues, their dead-letter sub-queues, peek-lock
// locks, delivery counts, duplicate detection and scheduled/deferred messages. Nothing here
// knows about AMQP links; broker.ts moves messages between this model and the wire.
import { randomBytes, randomUUID } from 'node:crypto';

import type { Message } from 'rhea';

/** Per-queue settings (the subset of Azure's queue properties the broker models). */
export interface QueueOptions {
  /** Failed deliveries (abandons, lock expiries) before a message is dead-lettered. @default 10 */
  maxDeliveryCount?: number;
  /** How long a peek-lock receive holds a message. @default 30_000 */
  lockDurationMs?: number;
  /**
   * Duplicate detection history: a message whose `messageId` was accepted less than this many
   * milliseconds ago is accepted on the wire but dropped. `0` switches it off, which is also
   * Azure's default (`requiresDuplicateDetection: false`). @default 0
   */
  duplicateDetectionWindowMs?: number;
}

export const defaultQueueOptions: Required<QueueOptions> = {
  maxDeliveryCount: 10,
  lockDurationMs: 30_000,
  duplicateDetectionWindowMs: 0,
};

export type MessageState = 'active' | 'deferred' | 'scheduled';

/** One message held by an entity (a queue or its dead-letter sub-queue). */
export interface StoredMessage {
  readonly sequenceNumber: number;
  /** The message as the client sent it (decoded), with a `message_id` assigned when it had none. */
  readonly message: Message;
  enqueuedAt: Date;
  /** AMQP `delivery-count`: the number of earlier failed deliveries (abandon, lock expiry). */
  deliveryCount: number;
  state: MessageState;
  scheduledAt?: Date;
  lock?: Lock;
  /** Set on dead-lettered copies: the entity the message was dead-lettered from. */
  deadLetterSource?: string;
}

/** A peek-lock. `token` is the lock-token GUID in RFC (string) form. */
export interface Lock {
  readonly token: string;
  until: Date;
  readonly entity: Entity;
  readonly record: StoredMessage;
}

/** Where messages live and are received from: a queue or its `$DeadLetterQueue`. */
export class Entity {
  readonly messages: StoredMessage[] = [];

  constructor(
    /** The path a client uses, e.g. `orders` or `orders/$DeadLetterQueue`. */
    readonly path: string,
    readonly queue: Queue,
    readonly isDeadLetter: boolean,
  ) {}

  /** The oldest message a receiver may take now: active and not locked. */
  nextAvailable(): StoredMessage | undefined {
    return this.messages.find((m) => m.state === 'active' && !m.lock);
  }

  remove(record: StoredMessage): void {
    const i = this.messages.indexOf(record);
    if (i >= 0) this.messages.splice(i, 1);
  }

  /** Insert keeping sequence-number order (dead-lettered messages keep their number). */
  insert(record: StoredMessage): void {
    const i = this.messages.findIndex((m) => m.sequenceNumber > record.sequenceNumber);
    if (i < 0) this.messages.push(record);
    else this.messages.splice(i, 0, record);
  }
}

export class Queue {
  readonly main: Entity;
  readonly deadLetter: Entity;
  private nextSequenceNumber = 1;
  /** Duplicate detection history: messageId → when it was accepted and its sequence number. */
  private readonly seen = new Map<string, { at: number; sequenceNumber: number }>();

  constructor(
    readonly name: string,
    readonly options: Required<QueueOptions>,
  ) {
    this.main = new Entity(name, this, false);
    this.deadLetter = new Entity(`${name}/$DeadLetterQueue`, this, true);
  }

  /**
   * Accept a message from a sender. Returns its sequence number; a duplicate (see
   * `duplicateDetectionWindowMs`) is dropped and the original's number is returned.
   */
  enqueue(message: Message, now: Date): number {
    message.message_id ??= randomBytes(16).toString('hex');
    const window = this.options.duplicateDetectionWindowMs;
    const key = messageIdKey(message.message_id);
    if (window > 0) {
      const earlier = this.seen.get(key);
      if (earlier && now.getTime() - earlier.at < window) return earlier.sequenceNumber;
    }
    const scheduledAt = scheduledEnqueueTime(message);
    const record: StoredMessage = {
      sequenceNumber: this.nextSequenceNumber++,
      message,
      enqueuedAt: now,
      deliveryCount: 0,
      state: scheduledAt && scheduledAt > now ? 'scheduled' : 'active',
      scheduledAt,
    };
    if (window > 0) this.seen.set(key, { at: now.getTime(), sequenceNumber: record.sequenceNumber });
    this.main.insert(record);
    return record.sequenceNumber;
  }

  /** Forget duplicate-detection entries older than the window. */
  pruneSeen(now: Date): void {
    for (const [id, { at }] of this.seen) {
      if (now.getTime() - at >= this.options.duplicateDetectionWindowMs) this.seen.delete(id);
    }
  }
}

/** The outcome of settling by lock token: `false` means the lock was lost (expired or unknown). */
export type Settled = boolean;

export interface DeadLetterInfo {
  reason?: string;
  description?: string;
  /** Further application properties to set on the dead-lettered message. */
  properties?: Record<string, unknown>;
}

/** All queues plus the lock table; every state change of a message goes through here. */
export class BrokerModel {
  private readonly queues = new Map<string, Queue>();
  private readonly locks = new Map<string, Lock>();

  constructor(
    private readonly defaults: Required<QueueOptions>,
    configured: Record<string, QueueOptions> = {},
  ) {
    for (const [name, options] of Object.entries(configured)) this.queue(name, options);
  }

  /** The queue with this name (case-insensitive), created with the defaults when unknown. */
  queue(name: string, options: QueueOptions = {}): Queue {
    const key = name.toLowerCase();
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new Queue(name, { ...this.defaults, ...options });
      this.queues.set(key, queue);
    }
    return queue;
  }

  /** Resolve `<queue>` or `<queue>/$DeadLetterQueue` (case-insensitive). */
  entity(path: string): Entity {
    const dlq = /\/\$deadletterqueue$/i;
    if (dlq.test(path)) return this.queue(path.replace(dlq, '')).deadLetter;
    return this.queue(path).main;
  }

  allQueues(): Iterable<Queue> {
    return this.queues.values();
  }

  /** Lock a message for a peek-lock receiver. */
  lock(entity: Entity, record: StoredMessage, now: Date): Lock {
    const lock: Lock = { token: randomUUID(), until: this.lockEnd(entity, now), entity, record };
    record.lock = lock;
    this.locks.set(lock.token, lock);
    return lock;
  }

  /** Receive-and-delete: the message leaves the entity as it is sent. */
  take(entity: Entity, record: StoredMessage): void {
    entity.remove(record);
  }

  complete(token: string): Settled {
    const lock = this.release(token);
    if (!lock) return false;
    lock.entity.remove(lock.record);
    return true;
  }

  /** Abandon: the message becomes available again and its delivery count goes up. */
  abandon(token: string, propertiesToModify?: Record<string, unknown>): Settled {
    const lock = this.release(token);
    if (!lock) return false;
    mergeProperties(lock.record.message, propertiesToModify);
    this.failedDelivery(lock.entity, lock.record);
    return true;
  }

  /** AMQP `released` (not used by the SDK for settlement): available again, count unchanged. */
  unlock(token: string): Settled {
    return this.release(token) !== undefined;
  }

  defer(token: string, propertiesToModify?: Record<string, unknown>): Settled {
    const lock = this.release(token);
    if (!lock) return false;
    mergeProperties(lock.record.message, propertiesToModify);
    lock.record.state = 'deferred';
    return true;
  }

  deadLetter(token: string, info: DeadLetterInfo): Settled {
    const lock = this.release(token);
    if (!lock) return false;
    this.moveToDeadLetter(lock.entity, lock.record, info);
    return true;
  }

  /** Extend a lock by the queue's lock duration; `undefined` when the lock is lost. */
  renew(token: string, now: Date): Date | undefined {
    const lock = this.locks.get(token);
    if (!lock || lock.until <= now) return undefined;
    lock.until = this.lockEnd(lock.entity, now);
    return lock.until;
  }

  /** Messages with `sequenceNumber >= from`, any state, for `peekMessages`. */
  peek(entity: Entity, from: number, count: number): StoredMessage[] {
    return entity.messages.filter((m) => m.sequenceNumber >= from).slice(0, count);
  }

  /** Remove scheduled messages by sequence number (unknown numbers are ignored, as in Azure). */
  cancelScheduled(entity: Entity, sequenceNumbers: number[]): void {
    for (const n of sequenceNumbers) {
      const record = entity.messages.find((m) => m.sequenceNumber === n && m.state === 'scheduled');
      if (record) entity.remove(record);
    }
  }

  /** Deferred messages by sequence number; `undefined` if any of them is not deferred here. */
  findDeferred(entity: Entity, sequenceNumbers: number[]): StoredMessage[] | undefined {
    const found = sequenceNumbers.map((n) => entity.messages.find((m) => m.sequenceNumber === n && m.state === 'deferred'));
    return found.every((m) => m !== undefined && !m.lock) ? (found as StoredMessage[]) : undefined;
  }

  /**
   * Time-driven transitions, called by the broker's timer: expired locks make the message
   * available again with a higher delivery count (which may dead-letter it), due scheduled
   * messages become active, and old duplicate-detection entries are forgotten.
   */
  tick(now: Date): void {
    for (const lock of [...this.locks.values()]) {
      if (lock.until > now) continue;
      this.release(lock.token);
      this.failedDelivery(lock.entity, lock.record);
    }
    for (const queue of this.queues.values()) {
      for (const m of queue.main.messages) {
        if (m.state === 'scheduled' && m.scheduledAt && m.scheduledAt <= now) {
          m.state = 'active';
          m.enqueuedAt = now;
        }
      }
      queue.pruneSeen(now);
    }
  }

  private release(token: string): Lock | undefined {
    const lock = this.locks.get(token);
    if (!lock) return undefined;
    this.locks.delete(token);
    lock.record.lock = undefined;
    return lock;
  }

  private failedDelivery(entity: Entity, record: StoredMessage): void {
    record.deliveryCount += 1;
    const max = entity.queue.options.maxDeliveryCount;
    // The dead-letter sub-queue itself has no maximum: its messages stay until completed.
    if (!entity.isDeadLetter && record.deliveryCount >= max) {
      this.moveToDeadLetter(entity, record, {
        reason: 'MaxDeliveryCountExceeded',
        description: `Message could not be consumed after ${max} delivery attempts.`,
      });
    }
  }

  private moveToDeadLetter(entity: Entity, record: StoredMessage, info: DeadLetterInfo): void {
    entity.remove(record);
    mergeProperties(record.message, {
      ...info.properties,
      ...(info.reason === undefined ? {} : { DeadLetterReason: info.reason }),
      ...(info.description === undefined ? {} : { DeadLetterErrorDescription: info.description }),
    });
    record.deadLetterSource = entity.queue.name;
    // A deferred message that is dead-lettered becomes an ordinary (active) DLQ message.
    record.state = 'active';
    entity.queue.deadLetter.insert(record);
  }

  private lockEnd(entity: Entity, now: Date): Date {
    return new Date(now.getTime() + entity.queue.options.lockDurationMs);
  }
}

/** Duplicate detection compares ids as strings; binary (uuid) ids compare by hex. */
function messageIdKey(id: unknown): string {
  return Buffer.isBuffer(id) ? id.toString('hex') : String(id);
}

function scheduledEnqueueTime(message: Message): Date | undefined {
  const value: unknown = message.message_annotations?.['x-opt-scheduled-enqueue-time'];
  if (value instanceof Date) return value;
  return typeof value === 'number' ? new Date(value) : undefined;
}

/** `propertiesToModify` of abandon/defer/dead-letter land in the application properties. */
function mergeProperties(message: Message, properties: Record<string, unknown> | undefined): void {
  if (!properties) return;
  const merged: Record<string, unknown> = { ...message.application_properties };
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  message.application_properties = merged;
}
