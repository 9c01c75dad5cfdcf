/** Queueing a run on Azurite, with senders that record what they send. */
import type { BackupRequest } from '../../shared/backup/request.js';
import type { FailoverRequest } from '../../shared/failover/message.js';
import { type OperationSenders, submitOperation } from '../../shared/ops/submit.js';
import { createRun, readRun } from '../../shared/runs/runs.js';
import type { Services } from '../../shared/runs/services.js';
import { freshStore } from '../support/storage.js';

const request: FailoverRequest = { schema: 'databricks-dr/failover-request', version: 1, reason: 'test' };

function recording(): { senders: OperationSenders; sent: string[] } {
  const sent: string[] = [];
  const send = (_r: FailoverRequest | BackupRequest, o: { messageId: string }): Promise<void> => (
    sent.push(o.messageId),
    Promise.resolve()
  );
  return { senders: { failover: { send }, backup: { send } }, sent };
}

test('a queued run whose message seems lost is sent again, with the same message id; a fresh one is not', async () => {
  const { store, cleanup } = await freshStore('submit');
  try {
    const services = { store } as unknown as Services;
    const at = (ms: number): string => new Date(ms).toISOString();
    const now = Date.now();
    const queued = (runId: string, updatedMs: number) => ({
      schema: 'databricks-dr/run' as const,
      runId,
      type: 'failover' as const,
      status: 'queued' as const,
      part: 1,
      createdAt: at(updatedMs),
      updatedAt: at(updatedMs),
    });
    await createRun(store, queued('alert-stale', now - 3 * 60_000));
    await createRun(store, queued('alert-fresh', now - 10_000));

    const { senders, sent } = recording();
    const stale = await submitOperation(services, senders, { type: 'failover', request }, { runId: 'alert-stale' });
    const fresh = await submitOperation(services, senders, { type: 'failover', request }, { runId: 'alert-fresh' });
    expect([stale.duplicate, fresh.duplicate]).toEqual([true, true]);
    expect(sent).toEqual(['alert-stale']);
    expect((await readRun(store, 'alert-stale'))?.status).toBe('queued');
  } finally {
    await cleanup();
  }
});

test('a message that cannot be sent marks the new run failed and says nothing was started', async () => {
  const { store, cleanup } = await freshStore('submit');
  try {
    const services = { store } as unknown as Services;
    const broken = (): Promise<void> => Promise.reject(new Error('connection refused'));
    const senders: OperationSenders = { failover: { send: broken }, backup: { send: broken } };
    await expect(submitOperation(services, senders, { type: 'failover', request }, { runId: 'r-1' })).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE',
      message: expect.stringMatching(/could not be put on the queue: connection refused\. Nothing was started; try again\.$/),
    });
    expect(await readRun(store, 'r-1')).toMatchObject({ status: 'failed', error: expect.stringContaining('connection refused') });
  } finally {
    await cleanup();
  }
});
