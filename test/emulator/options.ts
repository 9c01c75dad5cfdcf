import type { WorkspaceFixture } from './state/fixture.js';

/**
 * Endpoint families that carry their own published rate limit on Azure Databricks
 * (databricks-api.md §12.3). Every other endpoint gets a bucket of its own at the
 * `default` rate.
 */
export const RATE_LIMITED_FAMILIES = [
  'workspace.export',
  'workspace.import',
  'permissions.read',
  'permissions.write',
  'dbfs',
  'jobs.create',
  'jobs.runs-submit',
  'jobs.runs-get',
  'scim.read',
  'secrets',
] as const;
export type RateLimitedFamily = (typeof RATE_LIMITED_FAMILIES)[number];

export interface RateLimitOptions {
  /** Requests per second for each named family. */
  families?: Partial<Record<RateLimitedFamily, number>>;
  /** Requests per second for any GET endpoint not in a named family (one bucket per endpoint). */
  default?: number;
  /** Requests per second for any other non-GET endpoint. @default `default` */
  defaultWrite?: number;
  /**
   * How many seconds of traffic a bucket can absorb in a burst.
   * @default 1
   */
  burstSeconds?: number;
  /**
   * Whether a 429 carries `Retry-After` (whole seconds). Databricks does not document
   * the header; turn it off to exercise a client's fallback backoff.
   * @default true
   */
  retryAfter?: boolean;
}

export interface LatencyOptions {
  /** Added to every request. */
  fixedMs: number;
  /** A uniformly random extra delay in [0, jitterMs]. */
  jitterMs: number;
}

export interface RandomErrorOptions {
  /** Fraction of requests answered with 500 INTERNAL_ERROR. */
  rate500?: number;
  /** Fraction of requests answered with 503 (TEMPORARILY_UNAVAILABLE or the gateway page). */
  rate503?: number;
  /**
   * Of the injected 503s, the fraction that is the gateway's HTML page rather than JSON.
   * @default 0.5
   */
  htmlShare?: number;
}

export interface EmulatorOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * Accept only this bearer token. When unset, any token starting with `dapi` is valid.
   */
  token?: string;
  /**
   * Accept JWT-shaped Entra ID tokens for the Azure Databricks resource
   * (`aud` 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d). Signatures are not checked.
   * @default true when `token` is unset, false otherwise
   */
  acceptEntraTokens?: boolean;
  /** When set, Entra tokens must be issued by this tenant (`iss` https://sts.windows.net/<tenant>/). */
  entraTenantId?: string;
  /** The numeric workspace id, reported in `X-Databricks-Org-Id`. @default derived from the seed */
  workspaceId?: string;
  /** The user every personal access token authenticates as; an admin. @default 'admin@example.com' */
  adminUser?: string;
  /** Seed for ids, jitter and injected faults. @default 1 */
  seed?: number;
  /**
   * `realistic`: 16-digit job, run and object ids just below 2^53, as Azure issues them.
   * `beyond-2^53`: ids above Number.MAX_SAFE_INTEGER, to prove a client is lossless.
   * @default 'realistic'
   */
  int64Ids?: 'realistic' | 'beyond-2^53';
  /** How long a cluster stays PENDING (or RESTARTING) before RUNNING. @default 2000 */
  clusterStartMs?: number;
  /** How long a cluster stays TERMINATING before TERMINATED. @default 500 */
  clusterStopMs?: number;
  /** How long a one-time run takes once its cluster is up. @default 1000 */
  runDurationMs?: number;
  /** `realistic` applies the documented Azure limits and ~50 ms of latency. @default 'none' */
  preset?: 'none' | 'realistic';
  latency?: LatencyOptions;
  /** `false` turns rate limiting off (the default without a preset). */
  rateLimits?: RateLimitOptions | false;
  errors?: RandomErrorOptions;
  /** Fraction of requests whose connection is destroyed without a response. */
  dropRate?: number;
  /**
   * Fraction of write requests that are carried out but whose response is lost (the
   * connection is destroyed after the handler ran): the case that makes a retried
   * create a duplicate.
   */
  lostResponseRate?: number;
  /** Initial state. */
  fixture?: WorkspaceFixture;
  /** Receives one line per notable event (startup, injected faults when verbose). */
  log?: (line: string) => void;
}

/** Documented Azure Databricks per-workspace limits (databricks-api.md §12.3). */
export const REALISTIC_RATE_LIMITS: Required<Pick<RateLimitOptions, 'families' | 'default' | 'defaultWrite'>> = {
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
  // Not published: 100/s for reads (in line with the documented GET limits) and the
  // historic 30/s per workspace for writes.
  default: 100,
  defaultWrite: 30,
};

export const REALISTIC_LATENCY: LatencyOptions = { fixedMs: 40, jitterMs: 20 };

export interface ResolvedFaultOptions {
  latency: LatencyOptions | undefined;
  rateLimits: RateLimitOptions | false;
  errors: Required<RandomErrorOptions>;
  dropRate: number;
  lostResponseRate: number;
}

/** Merge a preset with explicit options; explicit options win. */
export function resolveFaultOptions(options: EmulatorOptions): ResolvedFaultOptions {
  const realistic = options.preset === 'realistic';
  return {
    latency: options.latency ?? (realistic ? REALISTIC_LATENCY : undefined),
    rateLimits: options.rateLimits === undefined ? (realistic ? { ...REALISTIC_RATE_LIMITS } : false) : options.rateLimits,
    errors: {
      rate500: options.errors?.rate500 ?? 0,
      rate503: options.errors?.rate503 ?? 0,
      htmlShare: options.errors?.htmlShare ?? 0.5,
    },
    dropRate: options.dropRate ?? 0,
    lostResponseRate: options.lostResponseRate ?? 0,
  };
}
