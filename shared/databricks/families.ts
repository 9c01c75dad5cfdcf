import type { FamilyLimit } from './throttle.js';

/**
 * Endpoint families with their own published Azure Databricks rate limit
 * (databricks-api.md §12.3). Requests outside them are limited per endpoint, at
 * `defaultRead` for GET and `defaultWrite` for everything else.
 */
export const FAMILY_RULES: Array<{ family: string; method?: string; pattern: RegExp }> = [
  { family: 'workspace.export', method: 'GET', pattern: /^\/api\/2\.0\/workspace\/export$/ },
  { family: 'workspace.import', method: 'POST', pattern: /^\/api\/2\.0\/workspace\/import$/ },
  { family: 'permissions.read', method: 'GET', pattern: /^\/api\/2\.0\/permissions\// },
  { family: 'permissions.write', pattern: /^\/api\/2\.0\/permissions\// },
  { family: 'dbfs', pattern: /^\/api\/2\.0\/dbfs\// },
  { family: 'jobs.create', method: 'POST', pattern: /^\/api\/2\.\d\/jobs\/create$/ },
  { family: 'jobs.runs-submit', method: 'POST', pattern: /^\/api\/2\.\d\/jobs\/runs\/submit$/ },
  { family: 'jobs.runs-get', method: 'GET', pattern: /^\/api\/2\.\d\/jobs\/runs\/get(-output)?$/ },
  { family: 'scim.read', method: 'GET', pattern: /^\/api\/2\.0\/preview\/scim\/v2\// },
  { family: 'secrets', pattern: /^\/api\/2\.0\/secrets\// },
];

/** The family of a request; endpoints outside the table are their own family. */
export function familyFor(method: string, path: string): string {
  const m = method.toUpperCase();
  for (const rule of FAMILY_RULES) {
    if ((rule.method === undefined || rule.method === m) && rule.pattern.test(path)) return rule.family;
  }
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
}

/** The documented Azure Databricks limits; override any of them with DR_RATE_LIMITS. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  families: {
    'workspace.export': 60,
    'workspace.import': 30,
    'permissions.read': 100,
    'permissions.write': 30,
    dbfs: 30,
    'jobs.create': 20,
    'jobs.runs-submit': 35,
    'jobs.runs-get': 100,
    'scim.read': 255,
    secrets: 1100,
  },
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
