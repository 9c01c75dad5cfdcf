import type { Random } from '../rng.js';

const POOL_WORDS = ['brick', 'crust', 'dough', 'flour', 'grain', 'knead', 'loaf', 'malt', 'rye', 'yeast'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Issues ids in the formats the real service uses (databricks-api.md §2.3, §8, §10):
 * cluster `MMDD-HHMMSS-xxxxxxxx`, pool `MMDD-HHMMSS-<word><nn>-pool-xxxxxxxx`,
 * policy and global init script ids of 16 upper-case hex digits, and 16-digit
 * int64 ids for jobs, runs, workspace objects, repos and SCIM principals.
 */
export class IdFactory {
  private readonly used = new Set<string>();

  constructor(
    private readonly random: Random,
    private readonly int64Mode: 'realistic' | 'beyond-2^53',
  ) {}

  private unique(make: () => string): string {
    for (;;) {
      const id = make();
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }

  private stamp(now: number): string {
    const d = new Date(now);
    return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  }

  clusterId(now: number): string {
    return this.unique(() => `${this.stamp(now)}-${this.random.lowerAlnum(8)}`);
  }

  instancePoolId(now: number): string {
    return this.unique(
      () => `${this.stamp(now)}-${this.random.pick(POOL_WORDS)}${this.random.int(10, 99)}-pool-${this.random.lowerAlnum(8)}`,
    );
  }

  /** Cluster policies and global init scripts. */
  hex16(): string {
    return this.unique(() => this.random.upperHex(16));
  }

  /** Jobs, runs, workspace objects, repos: JSON numbers on the wire. */
  int64(): bigint {
    if (this.int64Mode === 'beyond-2^53') {
      return BigInt(this.unique(() => String(this.random.bigint(2n ** 53n + 1n, 2n ** 62n))));
    }
    // 16 digits below 2^53 (≈ 9.007e15), like Azure's job and object ids.
    return BigInt(this.unique(() => String(this.random.bigint(1_000_000_000_000_000n, 9_000_000_000_000_000n))));
  }

  /** SCIM ids are numeric strings. */
  scimId(): string {
    return this.unique(() => String(this.random.digits(16)));
  }

  /** `spark_context_id` routinely exceeds 2^53 on the real service. */
  sparkContextId(): bigint {
    return this.random.bigint(1_000_000_000_000_000_000n, 9_000_000_000_000_000_000n);
  }

  /** DBFS stream handles are small positive integers. */
  handle(): number {
    return Number(this.unique(() => String(this.random.int(1_000_000, 9_999_999))));
  }

  uuid(): string {
    return this.unique(() => this.random.uuid());
  }
}
