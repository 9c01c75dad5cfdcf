import type { FamilyLimit } from './throttle.js';

/**
 * Endpoint families with their own published Azure Databricks rate limit
 * (databricks-api.md §12.3) are declared by the artifact kinds that call them
 * (KindHandler.rateLimits) and reach the client as `RateLimits.rules`. Requests
 * outside them are limited per endpoint, at `defaultRead` for GET and
 * `defaultWrite` for everything else.
 */
export interface FamilyRule {
  family: string;
  method?: string;
  pattern: RegExp;
}

/** The family of a request; endpoints outside the table are their own family. */
export function familyFor(method: string, path: string, rules: readonly FamilyRule[] = []): string {
  const m = method.toUpperCase();
  for (const rule of rules) if ((rule.method === undefined || rule.method === m) && rule.pattern.test(path)) return rule.family;
  // Ids in the path (numbers, 16-hex script and policy ids) do not make a new family.
  return `${m} ${path.replace(/\/(\d+|[0-9A-F]{16})(?=\/|$)/g, '/{id}')}`;
}

export interface RateLimits {
  /** Requests per second per named family. */
  families: Record<string, number>;
  /** Requests per second for any other GET endpoint. */
  defaultRead: number;
  /** Requests per second for any other non-GET endpoint. */
  defaultWrite: number;
  /** Cap on requests in flight per family (adaptive below it). */
  maxConcurrency: number;
  /**
   * Fraction of each limit the client aims for. Just under 1 leaves the service's
   * bucket a little slack for latency jitter, which would otherwise turn requests sent
   * exactly at the limit into 429s (each costing a Retry-After pause).
   * @default 0.95
   */
  utilization: number;
  /** Which requests belong to a named family (declared by the artifact kinds; their rates are in `families`). */
  rules?: readonly FamilyRule[];
}

/**
 * The limits without any named family; the composition root adds the families the
 * artifact kinds declare (app/services.ts, withKindLimits), and DR_RATE_LIMITS
 * overrides them by name.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  families: {},
  defaultRead: 100,
  defaultWrite: 30,
  maxConcurrency: 16,
  utilization: 0.95,
};

export function limitFor(limits: RateLimits, family: string): FamilyLimit {
  const named = limits.families[family];
  const rate = named ?? (family.startsWith('GET ') ? limits.defaultRead : limits.defaultWrite);
  return {
    rate: rate * (limits.utilization ?? 1),
    // Half a second of burst: a full bucket on both sides must not line up into 429s.
    burstSeconds: 0.5,
    maxConcurrency: Math.max(1, Math.min(limits.maxConcurrency, Math.ceil(rate / 2))),
  };
}
