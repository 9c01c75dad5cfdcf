import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** @default 25 */
  intervalMs?: number;
}

/** Call `read` until `done` holds for what it returns; fail with the last value after `timeoutMs`. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      const last = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      throw new Error(`Condition not met within ${options.timeoutMs ?? 10_000} ms; last value: ${last}`);
    }
    await sleep(options.intervalMs ?? 25);
  }
}
