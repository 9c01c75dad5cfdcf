import { randomUUID } from 'node:crypto';

import type { BlockBlobClient } from '@azure/storage-blob';

import { DrError } from '../errors/drError.js';
import type { Logger } from '../log/logger.js';

const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;

/**
 * A lease on `workspaces/<key>/lock`: while one backup or failover holds it, no other
 * can start. The lease is renewed every 10 s; if renewal fails (the process was
 * paused too long and someone else may have taken over), `signal` aborts so the
 * holder stops before it writes anything else. A crashed holder's lease expires
 * after 30 s.
 */
export class Lock {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly blob: BlockBlobClient,
    private readonly leaseId: string,
    readonly workspaceKey: string,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  static async acquire(
    blob: BlockBlobClient,
    workspaceKey: string,
    purpose: string,
    logger: Logger,
    wrap: (error: unknown, action: string) => DrError,
  ): Promise<Lock> {
    try {
      await blob.uploadData(Buffer.from(''), { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 409 && status !== 412) throw wrap(error, `create the lock of ${workspaceKey}`);
    }
    const leaseId = randomUUID();
    try {
      await blob.getBlobLeaseClient(leaseId).acquireLease(LEASE_SECONDS);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) {
        throw new DrError(
          'LOCKED',
          `Another backup or failover of ${workspaceKey} is running (its lease is held). ` +
            `It was not started again; retry when it has finished, or wait ${LEASE_SECONDS} s if it crashed.`,
          { retryable: true },
        );
      }
      throw wrap(error, `take the lock of ${workspaceKey}`);
    }
    // Record who holds the lock, for people looking at the container.
    await blob.setMetadata({ purpose, since: new Date().toISOString() }, { conditions: { leaseId } }).catch(() => undefined);
    return new Lock(blob, leaseId, workspaceKey, logger);
  }

  /** Aborts when the lease is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async renew(): Promise<void> {
    if (this.released) return;
    try {
      await this.blob.getBlobLeaseClient(this.leaseId).renewLease();
    } catch (error) {
      this.logger.error('lost the workspace lock; stopping', { workspace: this.workspaceKey, error: (error as Error).message });
      this.controller.abort(
        new DrError(
          'LOCKED',
          `Lost the lock of ${this.workspaceKey} (${(error as Error).message}); stopped to avoid two runs interleaving.`,
        ),
      );
      this.stopTimer();
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopTimer();
    try {
      await this.blob.getBlobLeaseClient(this.leaseId).releaseLease();
    } catch (error) {
      // The lease expires by itself within a minute.
      this.logger.warn('could not release the workspace lock', { workspace: this.workspaceKey, error: (error as Error).message });
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
