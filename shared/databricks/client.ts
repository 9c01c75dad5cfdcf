import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

import fetch, { type Response } from 'node-fetch';

import { DrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import { type Logger, nullLogger } from '../log/logger.js';
import type { AuthProvider } from './auth.js';
import { DatabricksApiError, parseErrorBody } from './errors.js';
import { DEFAULT_RATE_LIMITS, familyFor, limitFor, type RateLimits } from './families.js';
import { parseJson, stringifyJson } from '../codec/json.js';
import { DEFAULT_RETRY, decide, isNetworkError, parseRetryAfter, RetryBudget, type RetryOptions } from './retry.js';
import { abortError, FamilyLimiter } from './throttle.js';

export type QueryValue = string | number | bigint | boolean | string[] | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /**
   * Whether repeating the request is harmless. Only idempotent requests are retried
   * after 5xx answers or lost connections.
   * @default true for GET, false otherwise
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Return the raw response bytes instead of parsed JSON (exports with direct_download). */
  raw?: boolean;
}

export interface DatabricksClientOptions {
  /** Workspace URL, e.g. `https://adb-123.4.azuredatabricks.net` or an emulator's `http://127.0.0.1:8080`. */
  host: string;
  auth: AuthProvider;
  /** @default DEFAULT_RATE_LIMITS (the documented Azure limits) */
  limits?: RateLimits;
  retry?: Partial<RetryOptions>;
  logger?: Logger;
  /**
   * Time allowed for one attempt, connection to last byte.
   * @default 120000
   */
  requestTimeoutMs?: number;
  /** @default 64 */
  maxSockets?: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  throttled: number;
  byFamily: Record<string, { granted: number; throttled: number; concurrency: number }>;
}

/**
 * A small, strict REST client for one Azure Databricks workspace: keep-alive
 * connections, client-side rate limits per endpoint family, retries with jittered
 * backoff for what is safe to retry, typed errors with credentials redacted, and
 * lossless JSON (int64 beyond 2^53 survive).
 */
export class DatabricksClient {
  readonly host: string;
  private readonly limiters = new Map<string, FamilyLimiter>();
  private readonly retry: RetryOptions;
  private readonly budget: RetryBudget;
  private readonly logger: Logger;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly limits: RateLimits;
  private requests = 0;

  constructor(private readonly options: DatabricksClientOptions) {
    let url: URL;
    try {
      url = new URL(options.host);
    } catch {
      throw new DrError(
        'CONFIG_INVALID',
        `Invalid workspace host "${options.host}": expected a URL such as https://adb-1234567890123456.7.azuredatabricks.net`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new DrError(
        'CONFIG_INVALID',
        `Invalid workspace host "${options.host}": the scheme must be https (or http for a local emulator).`,
      );
    }
    this.host = url.origin;
    this.limits = options.limits ?? DEFAULT_RATE_LIMITS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.budget = new RetryBudget(this.retry);
    this.logger = options.logger ?? nullLogger;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.agent = url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  get<T = unknown>(path: string, query?: Record<string, QueryValue>, options: Omit<RequestOptions, 'query' | 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, ...(query ? { query } : {}) });
  }

  post<T = unknown>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body: body ?? {} });
  }

  put<T = unknown>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { idempotent: true, ...options, body: body ?? {} });
  }

  patch<T = unknown>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body: body ?? {} });
  }

  delete<T = unknown>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /** Bytes of a GET (e.g. `workspace/export?direct_download=true`). */
  getBytes(
    path: string,
    query?: Record<string, QueryValue>,
    options: Omit<RequestOptions, 'query' | 'body' | 'raw'> = {},
  ): Promise<Buffer> {
    return this.request<Buffer>('GET', path, { ...options, ...(query ? { query } : {}), raw: true });
  }

  stats(): ClientStats {
    const byFamily: ClientStats['byFamily'] = {};
    let throttled = 0;
    for (const [name, l] of this.limiters) {
      byFamily[name] = { granted: l.stats.granted, throttled: l.stats.throttled, concurrency: l.concurrency };
      throttled += l.stats.throttled;
    }
    return { requests: this.requests, retries: this.budget.retries, throttled, byFamily };
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.host);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
      else url.searchParams.set(k, String(v));
    }
    const idempotent = options.idempotent ?? (method === 'GET' || method === 'HEAD');
    const family = familyFor(method, url.pathname, this.limits.rules);
    const limiter = this.limiterFor(family);
    const body = options.body === undefined ? undefined : stringifyJson(options.body);
    const started = Date.now();

    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw abortError(options.signal);
      const release = await limiter.acquire(options.signal);
      let error: unknown;
      // One timer per attempt, cleared as soon as the body is read: AbortSignal.timeout
      // would keep every request's signal alive for the whole timeout.
      const attemptController = new AbortController();
      const timer = setTimeout(
        () =>
          attemptController.abort(
            new DrError('WORKSPACE_UNREACHABLE', `No answer from ${this.host} within ${this.options.requestTimeoutMs ?? 120_000} ms.`),
          ),
        this.options.requestTimeoutMs ?? 120_000,
      );
      const forward = (): void => attemptController.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', forward, { once: true });
      try {
        this.requests += 1;
        const response = await this.send(method, url, body, attemptController.signal);
        if (response.ok) {
          const bytes = Buffer.from(await response.arrayBuffer());
          limiter.succeeded();
          this.budget.success();
          if (options.raw) return bytes as T;
          const text = bytes.toString('utf8');
          return (text.trim() === '' ? {} : parseJson(text)) as T;
        }
        const text = await response.text();
        const parsed = parseErrorBody(response.status, response.headers.get('content-type') ?? '', text);
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
        error = new DatabricksApiError(
          response.status,
          parsed.errorCode,
          parsed.message,
          method,
          url.pathname,
          retryAfter,
          this.hintFor(response.status, parsed.message),
        );
        if ((error as DatabricksApiError).category === 'throttled') limiter.throttled(retryAfter);
      } catch (thrown) {
        if (options.signal?.aborted) throw abortError(options.signal);
        error = thrown;
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', forward);
        release();
      }

      const decision = decide(error, attempt, idempotent, this.retry);
      const elapsed = Date.now() - started;
      if (!decision.retry || elapsed + decision.delayMs > this.retry.timeoutMs) throw this.finalError(error, method, url);
      this.budget.take();
      this.logger.debug('retrying Databricks request', {
        method,
        path: url.pathname,
        attempt: attempt + 1,
        delayMs: decision.delayMs,
        reason: error instanceof Error ? redact(error.message) : String(error),
      });
      try {
        await sleep(decision.delayMs, undefined, options.signal ? { signal: options.signal } : undefined);
      } catch {
        throw abortError(options.signal as AbortSignal);
      }
    }
  }

  /** The fix for failures the caller can act on. */
  private hintFor(status: number, message: string): string | undefined {
    if (status === 401 || (status === 403 && /Invalid access token|expired|Credential was not sent/i.test(message))) {
      return (
        `The workspace ${this.host} refused the credential (${this.options.auth.description}). ` +
        "Check the personal access token or Entra identity configured in this workspace's profile, and that it has not expired."
      );
    }
    if (status === 403) {
      return `The identity used for ${this.host} lacks a permission: databricks-dr needs a workspace admin.`;
    }
    return undefined;
  }

  private limiterFor(family: string): FamilyLimiter {
    let limiter = this.limiters.get(family);
    if (!limiter) {
      limiter = new FamilyLimiter(family, limitFor(this.limits, family));
      this.limiters.set(family, limiter);
    }
    return limiter;
  }

  private async send(method: string, url: URL, body: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      ...(await this.options.auth.headers(signal)),
      accept: 'application/json',
      'user-agent': 'databricks-dr/0.1',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(url, {
      method,
      headers,
      agent: this.agent,
      signal,
      ...(body === undefined ? {} : { body }),
    });
  }

  private finalError(error: unknown, method: string, url: URL): Error {
    if (error instanceof DatabricksApiError || error instanceof DrError) return error;
    if (isNetworkError(error) || (error instanceof Error && error.name === 'AbortError')) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      return new DrError(
        'WORKSPACE_UNREACHABLE',
        `Cannot reach the Databricks workspace at ${this.host} (${method} ${url.pathname}): ` +
          `${redact((error as Error).message)} [${code}]. ` +
          'Check the host in the profile, DNS and network access from here, then try again.',
        { cause: error, retryable: true },
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}
