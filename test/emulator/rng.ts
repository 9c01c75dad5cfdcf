import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_HEX = '0123456789ABCDEF';

/**
 * A seeded random source. Every random decision the emulator makes (ids, injected
 * faults, jitter) goes through one of these, so a run with the same seed and the
 * same request order behaves the same way.
 */
export class Random {
  private readonly rng;

  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  lowerAlnum(length: number): string {
    return this.chars(LOWER_ALNUM, length);
  }

  upperHex(length: number): string {
    return this.chars(UPPER_HEX, length);
  }

  /** A decimal integer with exactly `digits` digits (no leading zero), as a bigint. */
  digits(digits: number): bigint {
    return BigInt(String(this.int(1, 9)) + this.chars('0123456789', digits - 1));
  }

  /** A uniformly chosen bigint in [min, max]. */
  bigint(min: bigint, max: bigint): bigint {
    const span = max - min + 1n;
    // Compose 4 × 16 random bits; the modulo bias is irrelevant for test ids.
    let acc = 0n;
    for (let i = 0; i < 4; i++) acc = (acc << 16n) | BigInt(this.int(0, 0xffff));
    return min + (acc % span);
  }

  uuid(): string {
    const h = this.chars('0123456789abcdef', 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
