import { DrError } from '../../shared/errors/drError.js';
import { ImportFailure } from '../../shared/kinds/import/types.js';
import { type HeldLock, RunControl } from '../../shared/runs/control.js';
import { BREAKER } from '../../shared/runs/errors.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `condition` holds (timers are real, and a loaded machine is slow). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(2);
  }
}

function fakeLock(): HeldLock & { lose(reason: unknown): void; released: boolean } {
  const controller = new AbortController();
  const lock = {
    signal: controller.signal,
    released: false,
    lose: (reason: unknown) => controller.abort(reason),
    release: async () => {
      lock.released = true;
    },
  };
  return lock;
}

/** A promise to resolve from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RunControl', () => {
  test('losing the lock fails the run at once: requests in flight are cut, no kind starts after it, the lock is released', async () => {
    const lock = fakeLock();
    const control = new RunControl({ name: 'test', lock });
    const started: string[] = [];
    let cut: unknown;
    await control.schedule(
      [
        { kind: 'a', after: [] },
        { kind: 'b', after: ['a'] },
      ],
      async (kind) => {
        if (control.stopping) return;
        started.push(kind);
        // A request in flight, listening on the control's signal.
        await new Promise<void>((resolve) => {
          control.signal.addEventListener('abort', () => {
            cut = control.signal.reason;
            resolve();
          });
          setTimeout(() => lock.lose(new DrError('LOCKED', 'lost the lease')), 10);
        });
      },
    );
    expect(started).toEqual(['a']);
    expect(cut).toMatchObject({ code: 'LOCKED' });
    expect(control.failed).toBe(true);
    expect(control.stopping).toBe(true);
    expect(control.fatal).toMatchObject({ code: 'LOCKED', message: 'lost the lease' });
    await control.close();
    expect(lock.released).toBe(true);
  });

  test('the deadline stops the run gracefully: work in flight finishes, and the last save keeps all of it', async () => {
    const saved: number[] = [];
    let progress = 0;
    const control = new RunControl({ name: 'test', deadline: Date.now() + 150, deadlineMessage: 'out of time' });
    const saver = control.periodic('progress', 10, async () => {
      saved.push(progress);
    });
    await control.schedule([{ kind: 'work', after: [] }], async () => {
      while (!control.stopping) {
        await sleep(5);
        progress += 1;
      }
      // Work in flight when the deadline passed is not cut short.
      await sleep(10);
      progress += 1;
    });
    await saver.stop({ final: true });
    expect(control.stopping).toBe(true);
    expect(control.failed).toBe(false);
    expect(control.signal.aborted).toBe(false);
    expect(control.stopReason).toMatchObject({ code: 'ABORTED', message: 'out of time' });
    expect(saved.length).toBeGreaterThan(1);
    expect(saved.at(-1)).toBe(progress);
    await control.close();
  });

  test('an abort signal stops the run gracefully too, also when it was aborted before the run', async () => {
    const controller = new AbortController();
    controller.abort(new DrError('ABORTED', 'Ctrl+C'));
    const control = new RunControl({ name: 'test', signal: controller.signal });
    expect(control.stopping).toBe(true);
    expect(control.failed).toBe(false);
    expect(control.stopReason).toMatchObject({ message: 'Ctrl+C' });
    await control.close();
  });

  test('the scheduler starts each kind when the kinds it comes after are done, and independent kinds side by side', async () => {
    const control = new RunControl({ name: 'test' });
    const events: string[] = [];
    const gates = new Map(['a', 'b', 'c', 'd', 'e'].map((k) => [k, deferred()]));
    const run = control.schedule(
      [
        { kind: 'a', after: [] },
        { kind: 'b', after: ['a'] },
        { kind: 'c', after: ['a'] },
        { kind: 'd', after: ['b', 'c', 'not-in-the-plan'] },
        { kind: 'e', after: [] },
      ],
      async (kind) => {
        events.push(`start ${kind}`);
        await gates.get(kind)?.promise;
        events.push(`end ${kind}`);
      },
    );
    const settle = async (kind: string): Promise<void> => {
      gates.get(kind)?.resolve();
      await control.settled(kind);
    };
    await sleep(5);
    expect(events).toEqual(['start a', 'start e']);
    await settle('a');
    await sleep(5);
    expect(events).toEqual(['start a', 'start e', 'end a', 'start b', 'start c']);
    await settle('c');
    await sleep(5);
    // d also waits for b.
    expect(events).not.toContain('start d');
    await settle('b');
    await sleep(5);
    expect(events.indexOf('start d')).toBeGreaterThan(events.indexOf('end b'));
    await settle('d');
    await settle('e');
    await run;
    expect(events.filter((e) => e.startsWith('end '))).toHaveLength(5);
    // A kind that is not in the plan counts as done.
    await expect(control.settled('zz')).resolves.toBeUndefined();
    await control.close();
  });

  test('a kind that throws fails the run; the kinds after it are still called, see the run stopping and do nothing', async () => {
    const control = new RunControl({ name: 'test' });
    const worked: string[] = [];
    await control.schedule(
      [
        { kind: 'a', after: [] },
        { kind: 'b', after: ['a'] },
      ],
      async (kind) => {
        if (control.stopping) return;
        worked.push(kind);
        if (kind === 'a') throw new TypeError('a bug');
      },
    );
    expect(worked).toEqual(['a']);
    expect(control.fatal).toBeInstanceOf(TypeError);
    await control.close();
  });

  test('after the lease is lost, nothing is saved any more: not on the timer, not the last save', async () => {
    const lock = fakeLock();
    const control = new RunControl({ name: 'test', lock });
    let saves = 0;
    const saver = control.periodic('state', 1000, async () => {
      saves++;
    });
    lock.lose(new DrError('LOCKED', 'lost the lease'));
    await saver.stop({ final: true });
    expect(saves).toBe(0);
    expect(control.lockLost).toBe(true);
    await control.close();
  });

  test('a periodic save never runs twice at once, and its last save waits for the one in flight', async () => {
    const control = new RunControl({ name: 'test' });
    let running = 0;
    let most = 0;
    let saves = 0;
    const saver = control.periodic('state', 2, async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(15);
      saves += 1;
      running -= 1;
    });
    await until(() => saves >= 2);
    const before = saves;
    await saver.stop({ final: true });
    expect(most).toBe(1);
    expect(saves).toBeGreaterThanOrEqual(before + 1);
    expect(running).toBe(0);
    // Stopped: no more saves.
    const after = saves;
    await sleep(20);
    expect(saves).toBe(after);
    await control.close();
  });

  test('a failing save is logged, and the next one runs', async () => {
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => void warnings.push(m), error: () => undefined };
    const control = new RunControl({ name: 'test', logger });
    let calls = 0;
    const saver = control.periodic('checkpoint', 2, async () => {
      calls += 1;
      if (calls === 1) throw new Error('storage hiccup');
    });
    await until(() => calls > 1);
    await saver.stop({ final: false });
    expect(warnings).toContain('could not save the checkpoint');
    await control.close();
  });

  test(`${BREAKER} transient failures in a row stop the run; a success resets it; an object's own failure is not counted`, async () => {
    const control = new RunControl({ name: 'failover' });
    const unavailable = new DrError('WORKSPACE_UNREACHABLE', 'No answer from https://dr', { retryable: true });
    for (let i = 0; i < BREAKER - 1; i++) expect(control.objectFailed(unavailable)).toBe('transient');
    control.objectDone();
    // Unexpected errors count like transient ones.
    for (let i = 0; i < BREAKER - 1; i++) expect(control.objectFailed(i % 2 ? unavailable : new TypeError('x'))).not.toBe('stop');
    expect(control.objectFailed(new ImportFailure('needs a secret value'))).toBe('object');
    expect(control.failed).toBe(false);
    expect(control.objectFailed(unavailable)).toBe('stop');
    expect(control.failed).toBe(true);
    expect(control.signal.aborted).toBe(true);
    expect(control.fatal).toMatchObject({ code: 'WORKSPACE_UNREACHABLE' });
    expect((control.fatal as Error).message).toMatch(
      /^The failover failed 25 objects in a row on transient errors and stopped; running it again continues\. Last error: No answer/,
    );
    await control.close();

    const other = new RunControl({ name: 'backup' });
    expect(other.objectFailed(new DrError('CONFIG_INVALID', 'no token'))).toBe('stop');
    expect(other.fatal).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(other.signal.aborted).toBe(true);
    await other.close();
  });
});
