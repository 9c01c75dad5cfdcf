// Contract tests of the in-repo Service Bus test broker (test/broker) against the real
// @azure/service-bus client: each test drives the SDK and checks both what the SDK reports and
// what the broker holds. Every test uses its own queue on one shared broker and client.
import { setTimeout as sleep } from 'node:timers/promises';

import {
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusReceiverOptions,
  ServiceBusClient,
} from '@azure/service-bus';

import { type ServiceBusBroker, startServiceBusBroker } from '../broker/broker.js';
import { pollUntil } from '../support/poll.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let broker: ServiceBusBroker;
let client: ServiceBusClient;

beforeAll(async () => {
  broker = await startServiceBusBroker({
    queues: {
      dedup: { duplicateDetectionWindowMs: 400 },
      poison: { maxDeliveryCount: 2 },
      'short-lock': { lockDurationMs: 500 },
      renew: { lockDurationMs: 1000 },
      'auto-renew': { lockDurationMs: 600 },
    },
  });
  client = new ServiceBusClient(broker.connectionString);
});

afterAll(async () => {
  await client?.close();
  await broker?.stop();
});

/** Run `use` with a receiver that is closed afterwards, pass or fail. */
async function withReceiver<T>(queue: string, options: ServiceBusReceiverOptions, use: (r: ServiceBusReceiver) => Promise<T>): Promise<T> {
  const receiver = client.createReceiver(queue, options);
  try {
    return await use(receiver);
  } finally {
    await receiver.close();
  }
}

async function send(
  queue: string,
  ...messages: { body: unknown; messageId?: string; applicationProperties?: Record<string, string> }[]
): Promise<void> {
  const sender = client.createSender(queue);
  try {
    await sender.sendMessages(messages);
  } finally {
    await sender.close();
  }
}

/** Receive exactly one message (fails the test if none arrives within 3 s). */
async function receiveOne(receiver: ServiceBusReceiver): Promise<ServiceBusReceivedMessage> {
  const [message, ...extra] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
  expect(extra).toHaveLength(0);
  if (!message) throw new Error('no message received');
  return message;
}

/** A short receive that should come back empty. */
async function receiveNone(receiver: ServiceBusReceiver): Promise<void> {
  expect(await receiver.receiveMessages(5, { maxWaitTimeInMs: 200 })).toEqual([]);
}

describe('Service Bus test broker with the real @azure/service-bus client', () => {
  test('the connection string is the emulator form on 127.0.0.1', () => {
    expect(broker.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${broker.port};SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true`,
    );
    expect(broker.port).toBeGreaterThan(0);
  });

  test('send keeps messageId, body and properties; assigns ids; batches arrive as separate messages', async () => {
    await send('send', { body: { job: 7 }, messageId: 'alert-1', applicationProperties: { kind: 'failover' } }, { body: 'no id' });
    const sender = client.createSender('send');
    try {
      const batch = await sender.createMessageBatch();
      for (const n of [1, 2, 3]) expect(batch.tryAddMessage({ body: { n } })).toBe(true);
      await sender.sendMessages(batch);
    } finally {
      await sender.close();
    }

    const held = broker.queue('send').active();
    expect(held.map((m) => m.body)).toEqual([{ job: 7 }, 'no id', { n: 1 }, { n: 2 }, { n: 3 }]);
    expect(held.map((m) => m.sequenceNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(held[0]).toMatchObject({
      messageId: 'alert-1',
      deliveryCount: 0,
      state: 'active',
      locked: false,
      applicationProperties: { kind: 'failover' },
    });
    // The SDK's lock renewer needs a message id, so the broker assigns one when the sender did not.
    expect(held[1]?.messageId).toMatch(/^[0-9a-f]{32}$/);
  });

  test('duplicate detection drops a repeated messageId within the window, and is off by default', async () => {
    await send('dedup', { body: 1, messageId: 'same' }, { body: 2, messageId: 'same' }, { body: 3, messageId: 'other' });
    expect(
      broker
        .queue('dedup')
        .active()
        .map((m) => m.body),
    ).toEqual([1, 3]);
    await sleep(450); // past the 400 ms window
    await send('dedup', { body: 4, messageId: 'same' });
    expect(
      broker
        .queue('dedup')
        .active()
        .map((m) => m.body),
    ).toEqual([1, 3, 4]);

    await send('no-dedup', { body: 1, messageId: 'same' }, { body: 2, messageId: 'same' });
    expect(
      broker
        .queue('no-dedup')
        .active()
        .map((m) => m.body),
    ).toEqual([1, 2]);
  });

  test('peek-lock receive reports the broker fields; complete removes the message', async () => {
    await send('complete', { body: { step: 'a' }, messageId: 'c-1' });
    await withReceiver('complete', {}, async (receiver) => {
      const before = Date.now();
      const message = await receiveOne(receiver);
      const [held] = broker.queue('complete').active();
      expect(message.body).toEqual({ step: 'a' });
      expect(message.messageId).toBe('c-1');
      expect(message.deliveryCount).toBe(0);
      expect(message.sequenceNumber?.toNumber()).toBe(held?.sequenceNumber);
      expect(message.enqueuedTimeUtc?.getTime()).toBe(held?.enqueuedTime.getTime());
      expect(message.lockToken).toMatch(GUID);
      // Default lock duration: 30 s.
      expect(message.lockedUntilUtc!.getTime() - before).toBeGreaterThanOrEqual(29_000);
      expect(message.lockedUntilUtc!.getTime() - before).toBeLessThanOrEqual(31_000);
      expect(held?.locked).toBe(true);

      await receiver.completeMessage(message);
      expect(broker.queue('complete').messages()).toEqual([]);
      await receiveNone(receiver);
    });
  });

  test('a receiver gets (and locks) only as many messages as it has credit for; drains are answered', async () => {
    await send('credit', { body: 1 }, { body: 2 }, { body: 3 });
    await withReceiver('credit', {}, async (receiver) => {
      const first = await receiveOne(receiver);
      expect(first.body).toBe(1);
      expect(
        broker
          .queue('credit')
          .active()
          .map((m) => m.locked),
      ).toEqual([true, false, false]);

      const rest = await receiver.receiveMessages(2, { maxWaitTimeInMs: 3000 });
      expect(rest.map((m) => m.body)).toEqual([2, 3]);
      for (const m of [first, ...rest]) await receiver.completeMessage(m);

      // An empty receive drains its credit when maxWaitTimeInMs (200 ms) is up. Unanswered, the
      // SDK would wait another 200 ms for the drain (so at least 400 ms in all), then close the link.
      const started = Date.now();
      await receiveNone(receiver);
      expect(Date.now() - started).toBeLessThan(390);
    });
    expect(broker.queue('credit').messages()).toEqual([]);
  });

  test('abandon makes the message available again with a higher deliveryCount and modified properties', async () => {
    await send('abandon', { body: 'retry me', messageId: 'a-1' });
    await withReceiver('abandon', {}, async (receiver) => {
      const first = await receiveOne(receiver);
      await receiver.abandonMessage(first, { lastError: 'timeout' });
      expect(broker.queue('abandon').active()[0]).toMatchObject({ deliveryCount: 1, locked: false });

      const second = await receiveOne(receiver);
      expect(second.messageId).toBe('a-1');
      expect(second.deliveryCount).toBe(1);
      expect(second.applicationProperties).toEqual({ lastError: 'timeout' });
      expect(second.lockToken).not.toBe(first.lockToken);
      await receiver.completeMessage(second);
    });
    expect(broker.queue('abandon').messages()).toEqual([]);
  });

  test('dead-letter moves the message to <queue>/$DeadLetterQueue with reason and description', async () => {
    await send('deadletter', { body: { bad: true }, messageId: 'd-1' });
    await withReceiver('deadletter', {}, async (receiver) => {
      const message = await receiveOne(receiver);
      await receiver.deadLetterMessage(message, { deadLetterReason: 'BadPayload', deadLetterErrorDescription: 'field x is missing' });
    });
    expect(broker.queue('deadletter').messages()).toEqual([]);
    expect(broker.queue('deadletter').deadLetters()).toMatchObject([
      { body: { bad: true }, messageId: 'd-1', deadLetterReason: 'BadPayload', deadLetterErrorDescription: 'field x is missing' },
    ]);

    await withReceiver('deadletter', { subQueueType: 'deadLetter' }, async (dlq) => {
      const dead = await receiveOne(dlq);
      expect(dead.body).toEqual({ bad: true });
      expect(dead.messageId).toBe('d-1');
      expect(dead.deadLetterReason).toBe('BadPayload');
      expect(dead.deadLetterErrorDescription).toBe('field x is missing');
      await dlq.completeMessage(dead);
    });
    expect(broker.queue('deadletter').deadLetters()).toEqual([]);
  });

  test('reaching maxDeliveryCount dead-letters with MaxDeliveryCountExceeded', async () => {
    await send('poison', { body: 'poison', messageId: 'p-1' });
    await withReceiver('poison', {}, async (receiver) => {
      for (const expectedCount of [0, 1]) {
        const message = await receiveOne(receiver);
        expect(message.deliveryCount).toBe(expectedCount);
        await receiver.abandonMessage(message);
      }
      await receiveNone(receiver);
    });
    expect(broker.queue('poison').messages()).toEqual([]);
    expect(broker.queue('poison').deadLetters()).toMatchObject([
      {
        messageId: 'p-1',
        deliveryCount: 2,
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'Message could not be consumed after 2 delivery attempts.',
      },
    ]);

    await withReceiver('poison', { subQueueType: 'deadLetter' }, async (dlq) => {
      const dead = await receiveOne(dlq);
      expect(dead.deadLetterReason).toBe('MaxDeliveryCountExceeded');
      expect(dead.body).toBe('poison');
      await dlq.completeMessage(dead);
    });
  });

  test('an expired lock redelivers the message; settling the stale copy fails with MessageLockLost', async () => {
    await send('short-lock', { body: 'slow', messageId: 'l-1' });
    await withReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 }, async (receiver) => {
      const first = await receiveOne(receiver);
      expect(first.deliveryCount).toBe(0);
      await pollUntil(
        async () => broker.queue('short-lock').active()[0]?.locked,
        (locked) => locked === false,
        { timeoutMs: 3000 },
      );

      const second = await receiveOne(receiver);
      expect(second.messageId).toBe('l-1');
      expect(second.deliveryCount).toBe(1);
      await expect(receiver.completeMessage(first)).rejects.toMatchObject({ code: 'MessageLockLost' });
      await receiver.completeMessage(second);
    });
    expect(broker.queue('short-lock').messages()).toEqual([]);
  });

  test('renewMessageLock extends the lock past its original expiry', async () => {
    await send('renew', { body: 'long job', messageId: 'r-1' });
    await withReceiver('renew', { maxAutoLockRenewalDurationInMs: 0 }, async (receiver) => {
      const message = await receiveOne(receiver);
      const originalExpiry = message.lockedUntilUtc!.getTime();
      await sleep(600);
      const renewed = await receiver.renewMessageLock(message);
      expect(renewed.getTime()).toBeGreaterThanOrEqual(originalExpiry + 500);
      expect(message.lockedUntilUtc?.getTime()).toBe(renewed.getTime());
      await sleep(600); // now past the original 1 s lock
      expect(broker.queue('renew').active()[0]).toMatchObject({ locked: true, deliveryCount: 0 });
      await receiver.completeMessage(message);
    });
    expect(broker.queue('renew').messages()).toEqual([]);
  });

  test('subscribe() with autoComplete processes and completes every message', async () => {
    await send('processor', { body: 1 }, { body: 2 }, { body: 3 });
    const seen: { body: unknown; deliveryCount: number | undefined }[] = [];
    const errors: Error[] = [];
    await withReceiver('processor', {}, async (receiver) => {
      const subscription = receiver.subscribe(
        {
          processMessage: async (m) => {
            seen.push({ body: m.body, deliveryCount: m.deliveryCount });
          },
          processError: async ({ error }) => {
            errors.push(error);
          },
        },
        { autoCompleteMessages: true },
      );
      try {
        await pollUntil(
          async () => broker.queue('processor').messages().length,
          (n) => n === 0,
          { timeoutMs: 5000 },
        );
      } finally {
        await subscription.close();
      }
    });
    expect(errors).toEqual([]);
    expect(seen).toEqual([1, 2, 3].map((body) => ({ body, deliveryCount: 0 })));
  });

  test('subscribe() abandons when the handler throws, and auto-renews a short lock during a slow handler', async () => {
    await send('auto-renew', { body: 'flaky', messageId: 'f-1' });
    const deliveries: number[] = [];
    const errors: string[] = [];
    await withReceiver('auto-renew', {}, async (receiver) => {
      const subscription = receiver.subscribe(
        {
          processMessage: async (m) => {
            deliveries.push(m.deliveryCount ?? -1);
            if (deliveries.length === 1) throw new Error('handler failed');
            await sleep(1500); // 2.5 lock durations: only renewals keep the lock
          },
          processError: async ({ error }) => {
            errors.push(error.message);
          },
        },
        { autoCompleteMessages: true },
      );
      try {
        await pollUntil(
          async () => broker.queue('auto-renew').messages().length,
          (n) => n === 0,
          { timeoutMs: 6000 },
        );
      } finally {
        await subscription.close();
      }
    });
    // Delivered twice: the failed attempt was abandoned (count 1); the slow one kept its lock.
    expect(deliveries).toEqual([0, 1]);
    expect(errors).toEqual(['handler failed']);
    expect(broker.queue('auto-renew').deadLetters()).toEqual([]);
  });

  test('peekMessages returns messages in order without locking them', async () => {
    await withReceiver('peek', {}, async (receiver) => {
      expect(await receiver.peekMessages(5)).toEqual([]);
      await send('peek', { body: 'p1' }, { body: 'p2' }, { body: 'p3' });

      const firstPage = await receiver.peekMessages(2);
      expect(firstPage.map((m) => [m.body, m.sequenceNumber?.toNumber(), m.state, m.lockToken])).toEqual([
        ['p1', 1, 'active', undefined],
        ['p2', 2, 'active', undefined],
      ]);
      // The receiver continues after the last peeked sequence number.
      expect((await receiver.peekMessages(2)).map((m) => m.body)).toEqual(['p3']);
      expect((await receiver.peekMessages(10, { fromSequenceNumber: firstPage[1]!.sequenceNumber! })).map((m) => m.body)).toEqual([
        'p2',
        'p3',
      ]);
    });
    expect(
      broker
        .queue('peek')
        .active()
        .map((m) => [m.body, m.locked, m.deliveryCount]),
    ).toEqual([
      ['p1', false, 0],
      ['p2', false, 0],
      ['p3', false, 0],
    ]);
  });

  test('scheduleMessages holds a message until its time; cancelScheduledMessages removes one', async () => {
    const sender = client.createSender('scheduled');
    try {
      const at = new Date(Date.now() + 700);
      const [sequenceNumber] = await sender.scheduleMessages({ body: 'later', messageId: 's-1' }, at);
      const [cancelled] = await sender.scheduleMessages({ body: 'never' }, new Date(Date.now() + 60_000));
      expect(
        broker
          .queue('scheduled')
          .messages()
          .map((m) => [m.body, m.state, m.sequenceNumber]),
      ).toEqual([
        ['later', 'scheduled', sequenceNumber?.toNumber()],
        ['never', 'scheduled', cancelled?.toNumber()],
      ]);
      await sender.cancelScheduledMessages([cancelled!]);
      expect(
        broker
          .queue('scheduled')
          .messages()
          .map((m) => m.body),
      ).toEqual(['later']);

      await withReceiver('scheduled', {}, async (receiver) => {
        const [peeked] = await receiver.peekMessages(1);
        expect(peeked?.state).toBe('scheduled');
        expect(peeked?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
        await receiveNone(receiver);

        const message = await receiveOne(receiver);
        expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
        expect(message.messageId).toBe('s-1');
        expect(message.sequenceNumber?.toNumber()).toBe(sequenceNumber?.toNumber());
        expect(message.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
        await receiver.completeMessage(message);
      });
    } finally {
      await sender.close();
    }
    expect(broker.queue('scheduled').messages()).toEqual([]);
  });

  test('receiveAndDelete removes the message on receipt, without a lock token', async () => {
    await send('rad', { body: 'once' });
    await withReceiver('rad', { receiveMode: 'receiveAndDelete' }, async (receiver) => {
      const message = await receiveOne(receiver);
      expect(message.body).toBe('once');
      expect(message.lockToken).toBeUndefined();
    });
    expect(broker.queue('rad').messages()).toEqual([]);
  });

  test('a deferred message is only received by sequence number', async () => {
    await send('defer', { body: 'later please', messageId: 'df-1' });
    await withReceiver('defer', {}, async (receiver) => {
      const message = await receiveOne(receiver);
      await receiver.deferMessage(message);
      expect(broker.queue('defer').messages()).toMatchObject([{ state: 'deferred', locked: false }]);
      await receiveNone(receiver);

      const [deferred, ...rest] = await receiver.receiveDeferredMessages(message.sequenceNumber!);
      expect(rest).toEqual([]);
      expect(deferred?.messageId).toBe('df-1');
      expect(deferred?.state).toBe('deferred');
      expect(deferred?.lockToken).toMatch(GUID);
      await receiver.completeMessage(deferred!);
    });
    expect(broker.queue('defer').messages()).toEqual([]);
  });
});
