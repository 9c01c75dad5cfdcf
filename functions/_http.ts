import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { ConfigError, isDrError } from '../shared/errors/drError.js';
import { redact } from '../shared/errors/redact.js';
import type { Logger } from '../shared/log/logger.js';
import type { Submitted } from '../shared/ops/submit.js';
import { invocationLogger } from './_services.js';

/** Every HTTP function needs a function key (x-functions-key header or ?code=). */
export const AUTH_LEVEL = 'function' as const;

/** An error answer: `application/problem+json` with a message that says what to do. */
export function problem(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ status, title: TITLES[status] ?? 'Error', detail: message, ...extra }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  404: 'Not found',
  409: 'Conflict',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  500: 'Internal error',
  503: 'Unavailable',
};

/**
 * A JSON body; an empty body is {} (every field is optional). The content type is not
 * insisted on when the body is JSON (curl -d sends a form type); it is named when the
 * body is not.
 */
export async function readJsonBody(request: HttpRequest): Promise<{ ok: true; body: unknown } | { ok: false; response: HttpResponseInit }> {
  const type = request.headers.get('content-type');
  const text = await request.text();
  if (text.trim() === '') return { ok: true, body: {} };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (error) {
    if (type !== null && !/^application\/(.+\+)?json\b/i.test(type))
      return { ok: false, response: problem(415, `Send the body as JSON (Content-Type: application/json), not ${type}.`) };
    return { ok: false, response: problem(400, `The body is not valid JSON: ${(error as Error).message}.`) };
  }
}

/** Who asked: the signed-in principal when App Service authentication is on, else the caller's own word, else "http". */
export function requester(request: HttpRequest): string {
  return request.headers.get('x-ms-client-principal-name') ?? request.user?.username ?? 'http';
}

/** The status URL of a run, next to the route that queued it (/api/runs/<id>), without the caller's key. */
export function runUrl(request: HttpRequest, runId: string): string {
  const url = new URL(`runs/${encodeURIComponent(runId)}`, request.url);
  url.search = '';
  return url.toString();
}

/**
 * Wrap a handler: configuration problems, storage or queue outages and conflicts get
 * their own status and a message with the fix; anything else is a 500 that names the
 * invocation id to look up in Application Insights. Secrets are redacted.
 */
export function handler(
  fn: (request: HttpRequest, context: InvocationContext, logger: Logger) => Promise<HttpResponseInit>,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const logger = invocationLogger(context);
    try {
      return await fn(request, context, logger);
    } catch (error) {
      if (error instanceof ConfigError) {
        logger.error('the app settings are invalid', { problems: error.problems.map((p) => `${p.setting}: ${p.problem}`) });
        return problem(500, 'The function app is misconfigured.', {
          problems: error.problems.map((p) => ({ setting: p.setting, problem: redact(p.problem), fix: p.fix })),
        });
      }
      if (isDrError(error)) {
        const message = redact(error.message);
        if (error.code === 'CONFLICT') return problem(422, message);
        if (error.code === 'QUEUE_UNAVAILABLE' || error.code === 'STORAGE_UNAVAILABLE') {
          logger.warn('a dependency is unavailable', { code: error.code, error: message });
          return problem(503, message, {}, { 'retry-after': '30' });
        }
        if (error.code === 'SNAPSHOT_NOT_FOUND') return problem(404, message);
        if (error.code === 'SNAPSHOT_CORRUPT') return problem(500, message);
      }
      logger.error('unexpected error', { error: redact(error instanceof Error ? (error.stack ?? error.message) : String(error)) });
      return problem(500, `Unexpected error; look up invocation ${context.invocationId} in Application Insights.`);
    }
  };
}

/** 202 Accepted for a queued run: where to watch it (Location) and whether it was already queued. */
export function accepted(request: HttpRequest, submitted: Submitted): HttpResponseInit {
  const statusUrl = runUrl(request, submitted.runId);
  return json(
    202,
    { runId: submitted.runId, type: submitted.record.type, status: submitted.record.status, duplicate: submitted.duplicate, statusUrl },
    { location: statusUrl, 'retry-after': '10' },
  );
}

/** The client's Idempotency-Key header, if it sent a usable one. */
export function idempotencyKey(request: HttpRequest): { ok: true; key?: string } | { ok: false; response: HttpResponseInit } {
  const key = request.headers.get('idempotency-key');
  if (key === null) return { ok: true };
  if (key.length === 0 || key.length > 200)
    return { ok: false, response: problem(400, 'The Idempotency-Key header must be 1 to 200 characters (a UUID is a good choice).') };
  return { ok: true, key };
}

/** Registration options of an HTTP function: its route and methods, always behind a function key. */
export function route(path: string, methods: HttpMethod[]): { route: string; methods: HttpMethod[]; authLevel: typeof AUTH_LEVEL } {
  return { route: path, methods, authLevel: AUTH_LEVEL };
}
