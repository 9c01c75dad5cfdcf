import { fromJson } from '../emulator/json.js';

export interface CallOptions {
  query?: Record<string, string | number | boolean | string[]>;
  body?: unknown;
  /** A pre-encoded body (e.g. FormData); sent as-is. */
  form?: FormData;
  /** @default 'dapi-test-token' ; `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
  /** The body parsed losslessly (int64 beyond 2^53 as bigint), or undefined when not JSON. */
  json: any;
}

/** A raw HTTP call against an emulator, for contract tests (no retries, no client logic). */
export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
    else url.searchParams.set(k, String(v));
  }
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? 'dapi-test-token' : options.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let body: string | FormData | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body =
      typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body, (_k, v: unknown) => (typeof v === 'bigint' ? `__BIG__${v}` : v)).replace(/"__BIG__(\d+)"/g, '$1');
  }
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') json = fromJson(text);
  return { status: response.status, headers: response.headers, text, bytes, json };
}

/** Bound helpers for one emulator. */
export function api(base: string, token: string | null = 'dapi-test-token') {
  return {
    get: (path: string, query?: CallOptions['query'], extra: Partial<CallOptions> = {}) =>
      call(base, 'GET', path, { token, ...(query ? { query } : {}), ...extra }),
    post: (path: string, body?: unknown, extra: Partial<CallOptions> = {}) =>
      call(base, 'POST', path, { token, body: body ?? {}, ...extra }),
    put: (path: string, body?: unknown) => call(base, 'PUT', path, { token, body: body ?? {} }),
    patch: (path: string, body?: unknown) => call(base, 'PATCH', path, { token, body: body ?? {} }),
    delete: (path: string, query?: CallOptions['query']) => call(base, 'DELETE', path, { token, ...(query ? { query } : {}) }),
  };
}

export type Api = ReturnType<typeof api>;

export function b64(text: string | Buffer): string {
  return (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');
}
