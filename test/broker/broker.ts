// A small AMQP 1.0 broker that the real @azure/service-bus client can talk to, for contract
// tests without Azure or Docker. Built on rhea's server side; see README.md for what it
// models, the protocol details it depends on, and what it leaves out.
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';

import type { Connection, Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';

import {
  LOCK_LOST,
  type Address,
  type Outcome,
  decodeBody,
  decodeDelivery,
  lockTokenTag,
  outgoingMessage,
  parseAddress,
  settlementState,
} from './amqp.js';
import { handleManagement, type ManagementReply } from './management.js';
import { BrokerModel, type Entity, type MessageState, type QueueOptions, type StoredMessage, defaultQueueOptions } from './model.js';

export type { QueueOptions } from './model.js';

export interface BrokerOptions {
  /** TCP port on 127.0.0.1. @default 0 (any free port) */
  port?: number;
  /** Queues to create up front with their settings. Unknown queues are created on first use with `queueDefaults`. */
  queues?: Record<string, QueueOptions>;
  /** Settings for every queue unless overridden in `queues`. @default maxDeliveryCount 10, lock 30 s, duplicate detection off */
  queueDefaults?: QueueOptions;
  /** How often expired locks and due scheduled messages are processed. @default 25 */
  tickMs?: number;
}

/** A message as the broker holds it, for assertions. */
export interface BrokerMessage {
  /** The body as an SDK receiver would see it (JSON data sections parsed). */
  body: unknown;
  /** As sent, or 32 hex characters assigned by the broker when the sender set none. */
  messageId: string | number | Buffer | undefined;
  sequenceNumber: number;
  /** Failed deliveries so far (the SDK's `deliveryCount`). */
  deliveryCount: number;
  state: MessageState;
  locked: boolean;
  enqueuedTime: Date;
  scheduledEnqueueTime?: Date;
  applicationProperties: Record<string, unknown>;
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
  deadLetterSource?: string;
}

export interface QueueView {
  /** Everything in the queue itself, in sequence order: active (locked or not), scheduled and deferred. */
  messages(): BrokerMessage[];
  /** Only `state: 'active'` messages (including locked ones, as Azure counts them). */
  active(): BrokerMessage[];
  /** The `<queue>/$DeadLetterQueue` sub-queue. */
  deadLetters(): BrokerMessage[];
}

export interface ServiceBusBroker {
  /** `Endpoint=sb://127.0.0.1:<port>;…;UseDevelopmentEmulator=true` (plain TCP, no TLS). */
  connectionString: string;
  port: number;
  /** Look into a queue (created with the defaults if unknown). */
  queue(name: string): QueueView;
  /** Close all client connections and the listener. */
  stop(): Promise<void>;
}

/** Links the client sends on are told this size; `createMessageBatch` sizes batches from it. */
const MAX_MESSAGE_SIZE = 1024 * 1024;

/**
 * rhea answers a peer's attach with the frame in `link.local.attach`, which its typings omit.
 * We set the settle modes (mirroring the client) and `max-message-size` there.
 */
interface LocalAttach {
  local: { attach: { snd_settle_mode?: number; rcv_settle_mode?: number; max_message_size?: number } };
}

export async function startServiceBusBroker(options: BrokerOptions = {}): Promise<ServiceBusBroker> {
  const model = new BrokerModel({ ...defaultQueueOptions, ...options.queueDefaults }, options.queues);
  // rhea folds `modified` (abandon, defer) into `released` unless told otherwise; the
  // container options are the fallback for every connection and link option.
  const container = rhea.create_container({ id: `sb-test-broker-${randomUUID()}`, treat_modified_as_released: false });
  const consumersOf = new Map<Entity, Set<Sender>>();
  const entityOf = new WeakMap<Sender, Entity>();
  const lockOf = new WeakMap<Delivery, string>();

  // --- receiving side: peek-lock and receive-and-delete deliveries -------------------------

  /**
   * rhea lowers a sender's `credit` only when it transmits, on its next tick; until then
   * `sendable()` stays true. Count what we handed over in this tick so that a receiver asking
   * for one message gets one, not everything in the queue (each of which we would lock).
   */
  const handedOver = new Map<Sender, number>();
  function creditLeft(sender: Sender): number {
    if (!sender.is_open() || !sender.sendable()) return 0;
    return (sender as unknown as { credit: number }).credit - (handedOver.get(sender) ?? 0);
  }
  function handOver(sender: Sender): void {
    if (handedOver.size === 0) process.nextTick(() => handedOver.clear());
    handedOver.set(sender, (handedOver.get(sender) ?? 0) + 1);
  }

  /** Hand available messages to the entity's receivers (round-robin) while they have credit. */
  function pump(entity: Entity): void {
    const consumers = consumersOf.get(entity);
    if (!consumers) return;
    let progress = true;
    while (progress) {
      progress = false;
      for (const sender of consumers) {
        if (creditLeft(sender) <= 0) continue;
        const record = entity.nextAvailable();
        if (!record) return;
        deliver(sender, entity, record);
        handOver(sender);
        progress = true;
      }
    }
  }

  function pumpAll(): void {
    for (const entity of consumersOf.keys()) pump(entity);
  }

  function deliver(sender: Sender, entity: Entity, record: StoredMessage): void {
    // Receive-and-delete receivers attach with snd-settle-mode `settled`; we mirrored it, so
    // rhea sends the delivery pre-settled and the message is gone right away.
    if (sender.snd_settle_mode === 1) {
      model.take(entity, record);
      sender.send(outgoingMessage(record));
      return;
    }
    const lock = model.lock(entity, record, new Date());
    const delivery = sender.send(outgoingMessage(record, lock.until), lockTokenTag(lock.token));
    lockOf.set(delivery, lock.token);
  }

  /**
   * Peek-lock settlement. The client sends its outcome unsettled (rcv-settle-mode `second`);
   * we apply it and then settle. Success is settled with a state that carries no error:
   * echoing the client's own `rejected` state (with its dead-letter error) back would make the
   * SDK report a successful dead-letter as failed.
   */
  function settle(context: EventContext, outcome: Outcome): void {
    const delivery = context.delivery;
    const token = delivery && lockOf.get(delivery);
    if (!delivery || !token) return;
    lockOf.delete(delivery);
    const state = asRecord(delivery.remote_state);
    let ok: boolean;
    if (outcome === 'accepted') {
      ok = model.complete(token);
    } else if (outcome === 'rejected') {
      // deadLetterMessage(): error `com.microsoft:dead-letter` with the reason in `info`.
      const error = asRecord(state.error);
      const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = asRecord(error.info);
      ok = model.deadLetter(token, {
        reason: typeof DeadLetterReason === 'string' ? DeadLetterReason : undefined,
        description: typeof DeadLetterErrorDescription === 'string' ? DeadLetterErrorDescription : undefined,
        properties,
      });
    } else if (outcome === 'modified') {
      // abandonMessage(): undeliverable-here false; deferMessage(): true. Either may carry
      // `propertiesToModify` as message annotations.
      const properties = asRecord(state.message_annotations);
      ok = state.undeliverable_here === true ? model.defer(token, properties) : model.abandon(token, properties);
    } else {
      ok = model.unlock(token);
    }
    delivery.update(
      true,
      settlementState(outcome, ok ? undefined : { condition: LOCK_LOST, description: 'The lock supplied is invalid.' }),
    );
    const entity = entityOf.get(delivery.link as Sender);
    if (entity) pump(entity);
  }

  // --- request/response nodes: $cbs and <entity>/$management -------------------------------

  /**
   * Send a reply on the client's reply link: the one whose target address is the request's
   * `reply_to` ($management), or, as core-amqp's $cbs receiver has no target, whose name is.
   */
  function reply(connection: Connection, request: Message, properties: Record<string, unknown>, body?: unknown): void {
    const replyTo: unknown = request.reply_to;
    const link = connection.find_sender((s: Sender) => s.target?.address === replyTo || s.name === replyTo);
    link?.send({ correlation_id: request.message_id, application_properties: properties, body });
  }

  function onRequest(connection: Connection, address: Address, request: Message): void {
    if (address.kind === 'cbs') {
      // put-token: accept any token. $cbs spells the status keys with hyphens.
      reply(connection, request, { 'status-code': 202, 'status-description': 'Accepted' });
      return;
    }
    if (address.kind !== 'management') return;
    const entity = model.entity(address.entity);
    let result: ManagementReply;
    try {
      result = handleManagement(model, entity, request.application_properties?.operation, asRecord(request.body), new Date());
    } catch (e) {
      result = { statusCode: 400, statusDescription: e instanceof Error ? e.message : String(e), errorCondition: 'amqp:invalid-field' };
    }
    const { body, ...properties } = result;
    reply(connection, request, properties, body);
    pump(entity);
  }

  // --- rhea events ------------------------------------------------------------------------

  /** Answer the client's attach with the same addresses and settle modes. */
  function mirror(link: Sender | Receiver): void {
    link.set_source({ address: link.source?.address });
    link.set_target({ address: link.target?.address });
    const attach = (link as unknown as LocalAttach).local.attach;
    attach.snd_settle_mode = link.snd_settle_mode;
    attach.rcv_settle_mode = link.rcv_settle_mode;
  }

  function refuse(link: Sender | Receiver, path: string): void {
    link.close({ condition: 'amqp:not-implemented', description: `The test broker does not support '${path}'.` });
  }

  container.on('receiver_open', (context: EventContext) => {
    // The client sends on this link: to an entity, or requests to $cbs/$management.
    const receiver = context.receiver;
    if (!receiver) return;
    mirror(receiver);
    (receiver as unknown as LocalAttach).local.attach.max_message_size = MAX_MESSAGE_SIZE;
    const address = parseAddress(receiver.target?.address);
    if (address.kind === 'unsupported') refuse(receiver, address.path);
    else if (address.kind === 'entity' && model.entity(address.entity).isDeadLetter) refuse(receiver, address.entity);
  });

  container.on('sender_open', (context: EventContext) => {
    // The client receives on this link: messages from an entity, or replies (target = reply-to).
    const sender = context.sender;
    if (!sender) return;
    mirror(sender);
    const address = parseAddress(sender.source?.address);
    if (address.kind === 'unsupported') return refuse(sender, address.path);
    // Session receivers (acceptSession/acceptNextSession) filter the source by session id.
    if (sender.source?.filter?.['com.microsoft:session-filter'] !== undefined) return refuse(sender, 'sessions');
    if (address.kind !== 'entity') return;
    const entity = model.entity(address.entity);
    entityOf.set(sender, entity);
    let consumers = consumersOf.get(entity);
    if (!consumers) consumersOf.set(entity, (consumers = new Set()));
    consumers.add(sender);
  });

  container.on('message', (context: EventContext) => {
    const { receiver, message, delivery } = context;
    if (!receiver || !message || !delivery) return;
    const address = parseAddress(receiver.target?.address);
    if (address.kind !== 'entity') return onRequest(context.connection, address, message);
    const entity = model.entity(address.entity);
    const now = new Date();
    for (const m of decodeDelivery(message as Message | Buffer, delivery.format)) entity.queue.enqueue(m, now);
    pump(entity);
  });

  container.on('sendable', (context: EventContext) => {
    const entity = context.sender && entityOf.get(context.sender);
    if (entity) pump(entity);
  });

  container.on('sender_draining', (context: EventContext) => {
    // receiveMessages() drains leftover credit and closes its link if the drain is not
    // answered within 200 ms: send what we have, then report the rest of the credit used up.
    const sender = context.sender;
    const entity = sender && entityOf.get(sender);
    if (!sender || !entity) return;
    pump(entity);
    if (creditLeft(sender) > 0) sender.set_drained(true);
  });

  container.on('accepted', (context: EventContext) => settle(context, 'accepted'));
  container.on('rejected', (context: EventContext) => settle(context, 'rejected'));
  container.on('modified', (context: EventContext) => settle(context, 'modified'));
  container.on('released', (context: EventContext) => settle(context, 'released'));

  function forget(matches: (sender: Sender) => boolean): void {
    for (const consumers of consumersOf.values()) {
      for (const sender of consumers) if (matches(sender)) consumers.delete(sender);
    }
  }
  // Locks held by a closed link stay until they expire, as in Azure.
  container.on('sender_close', (context: EventContext) => forget((s) => s === context.sender));
  container.on('connection_close', (context: EventContext) => forget((s) => s.connection === context.connection));
  container.on('disconnected', (context: EventContext) => forget((s) => s.connection === context.connection));
  // Link errors from clients (e.g. a receiver closed with an error) need no action, but an
  // unhandled 'error' event would throw.
  container.on('error', () => undefined);

  // --- lifecycle ----------------------------------------------------------------------------

  const server: Server = container.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  const timer = setInterval(() => {
    model.tick(new Date());
    pumpAll();
  }, options.tickMs ?? 25);
  timer.unref();

  const view = (messages: StoredMessage[]): BrokerMessage[] => messages.map(toBrokerMessage);
  return {
    port,
    connectionString: `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true`,
    queue(name) {
      const queue = model.queue(name);
      return {
        messages: () => view(queue.main.messages),
        active: () => view(queue.main.messages.filter((m) => m.state === 'active')),
        deadLetters: () => view(queue.deadLetter.messages),
      };
    },
    async stop() {
      clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function toBrokerMessage(record: StoredMessage): BrokerMessage {
  const { message } = record;
  const applicationProperties = { ...message.application_properties } as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = applicationProperties[key];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    body: decodeBody(message.body),
    messageId: message.message_id,
    sequenceNumber: record.sequenceNumber,
    deliveryCount: record.deliveryCount,
    state: record.state,
    locked: record.lock !== undefined,
    enqueuedTime: record.enqueuedAt,
    scheduledEnqueueTime: record.scheduledAt,
    applicationProperties,
    deadLetterReason: text('DeadLetterReason'),
    deadLetterErrorDescription: text('DeadLetterErrorDescription'),
    deadLetterSource: record.deadLetterSource,
  };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
