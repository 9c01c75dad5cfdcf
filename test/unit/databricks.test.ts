import { withKindLimits } from '../../shared/app/services.js';
import { jest } from '@jest/globals';

import { classify, DatabricksApiError, isApiError, parseErrorBody } from '../../shared/databricks/errors.js';
import { DEFAULT_RATE_LIMITS, familyFor, limitFor, type RateLimits } from '../../shared/databricks/families.js';
import { canonicalJson, parseJson, stringifyJson } from '../../shared/codec/json.js';
import {
  backoffDelay,
  decide,
  DEFAULT_RETRY,
  isNetworkError,
  parseRetryAfter,
  RetryBudget,
  type RetryOptions,
} from '../../shared/databricks/retry.js';
import { abortError, type FamilyLimit, FamilyLimiter } from '../../shared/databricks/throttle.js';
import { DrError } from '../../shared/errors/drError.js';
import { redact } from '../../shared/errors/redact.js';

// The rate limits every client gets: the named families the artifact kinds declare.
const KIND_LIMITS = withKindLimits(DEFAULT_RATE_LIMITS);

/** The gateway's 503 page, byte for byte as the service (and the emulator) sends it. */
const GATEWAY_503 =
  '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n' +
  '<title>Error 503 No webapps are available to handle your request. Please try again later.</title>\n</head>\n' +
  '<body><h2>HTTP ERROR 503</h2>\n<p>Problem accessing /. Reason:\n' +
  '<pre>    No webapps are available to handle your request. Please try again later.</pre></p>\n</body>\n</html>\n';

describe('parseErrorBody', () => {
  test('the standard envelope: error_code and message', () => {
    expect(
      parseErrorBody(404, 'application/json', '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Path (/Users/x) doesn\'t exist."}'),
    ).toEqual({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: "Path (/Users/x) doesn't exist.",
    });
    // details are ignored, a missing message is empty
    expect(
      parseErrorBody(
        400,
        'application/json; charset=utf-8',
        '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad",' +
          '"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"X"}]}',
      ),
    ).toEqual({ errorCode: 'INVALID_PARAMETER_VALUE', message: 'bad' });
    expect(parseErrorBody(409, 'application/json', '{"error_code":"RESOURCE_CONFLICT"}')).toEqual({
      errorCode: 'RESOURCE_CONFLICT',
      message: '',
    });
  });

  test('a numeric auth error_code becomes the reason phrase of that code', () => {
    expect(parseErrorBody(403, 'application/json', '{"error_code":403,"message":"Invalid access token."}')).toEqual({
      errorCode: 'PERMISSION_DENIED',
      message: 'Invalid access token.',
    });
    expect(
      parseErrorBody(
        401,
        'application/json',
        '{"error_code":401,"message":"Credential was not sent or was of an unsupported type for this API. [ReqId: 1]"}',
      ),
    ).toEqual({
      errorCode: 'UNAUTHENTICATED',
      message: 'Credential was not sent or was of an unsupported type for this API. [ReqId: 1]',
    });
    expect(parseErrorBody(400, 'application/json', '{"error_code":418,"message":"teapot"}')).toEqual({
      errorCode: 'HTTP_418',
      message: 'teapot',
    });
  });

  test('API 1.2 {"error"} bodies take the status reason as the code', () => {
    expect(parseErrorBody(400, 'application/json', '{"error":"Command abc does not exist."}')).toEqual({
      errorCode: 'BAD_REQUEST',
      message: 'Command abc does not exist.',
    });
    expect(parseErrorBody(500, 'application/json', '{"error":"boom"}')).toEqual({ errorCode: 'INTERNAL_ERROR', message: 'boom' });
  });

  test('a JSON body with only a message', () => {
    expect(parseErrorBody(502, 'application/json', '{"message":"upstream failed"}')).toEqual({
      errorCode: 'BAD_GATEWAY',
      message: 'upstream failed',
    });
  });

  test('SCIM error bodies: SCIM_<status>, scimType before the detail, "null" detail', () => {
    expect(
      parseErrorBody(
        409,
        'application/scim+json',
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User with username a@b.com already exists.","status":"409"}',
      ),
    ).toEqual({ errorCode: 'SCIM_409', message: 'User with username a@b.com already exists.' });
    expect(
      parseErrorBody(
        400,
        'application/json',
        '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidSyntax",' +
          '"detail":"Request is unparsable, syntactically incorrect, or violates schema.","status":"400"}',
      ),
    ).toEqual({ errorCode: 'SCIM_400', message: 'invalidSyntax Request is unparsable, syntactically incorrect, or violates schema.' });
    expect(
      parseErrorBody(500, 'application/json', '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"null","status":"500"}'),
    ).toEqual({
      errorCode: 'SCIM_500',
      message: 'SCIM API Internal Error',
    });
    // status missing: the HTTP status is used
    expect(
      parseErrorBody(404, 'application/json', '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User 1 not found"}'),
    ).toEqual({
      errorCode: 'SCIM_404',
      message: 'User 1 not found',
    });
  });

  test('the gateway 503 HTML page: the <pre> text, trimmed', () => {
    expect(parseErrorBody(503, 'text/html;charset=utf-8', GATEWAY_503)).toEqual({
      errorCode: 'TEMPORARILY_UNAVAILABLE',
      message: 'No webapps are available to handle your request. Please try again later.',
    });
  });

  test('an HTML page with only a <title>: "Error NNN" is dropped and entities decoded', () => {
    const page =
      '<html><head><title>Error 400 io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: 2ff8, ' +
      'but was: &lt;none&gt; &amp; &quot;x&quot; &#39;y&#39;.</title></head><body></body></html>';
    expect(parseErrorBody(400, 'text/html', page)).toEqual({
      errorCode: 'BAD_REQUEST',
      message: 'io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: 2ff8, but was: <none> & "x" \'y\'.',
    });
    expect(parseErrorBody(403, 'text/html', '<html><body><pre>Error 403 Invalid access token.</pre></body></html>')).toEqual({
      errorCode: 'PERMISSION_DENIED',
      message: 'Invalid access token.',
    });
  });

  test('plain text "CODE: message"', () => {
    expect(
      parseErrorBody(400, 'text/plain', 'REQUEST_LIMIT_EXCEEDED: GetUserPermissionsRequest RPC token bucket limit has been exceeded.\n'),
    ).toEqual({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'GetUserPermissionsRequest RPC token bucket limit has been exceeded.',
    });
    expect(parseErrorBody(400, 'text/plain', 'INVALID_STATE: line one\nline two')).toEqual({
      errorCode: 'INVALID_STATE',
      message: 'line one\nline two',
    });
  });

  test('other text: the reason phrase and the text, cut at 500 characters', () => {
    expect(parseErrorBody(502, 'text/plain', '  upstream connect error  ')).toEqual({
      errorCode: 'BAD_GATEWAY',
      message: 'upstream connect error',
    });
    expect(parseErrorBody(500, 'text/plain', 'x'.repeat(600)).message).toBe('x'.repeat(500));
    // a broken JSON body falls through to text handling
    expect(parseErrorBody(500, 'application/json', '{"error_code": "INTER')).toEqual({
      errorCode: 'INTERNAL_ERROR',
      message: '{"error_code": "INTER',
    });
  });

  test('an empty body: the reason phrase, and it in words as the message', () => {
    expect(parseErrorBody(503, 'text/plain', '')).toEqual({ errorCode: 'TEMPORARILY_UNAVAILABLE', message: 'temporarily unavailable' });
    expect(parseErrorBody(404, 'application/json', '  \n')).toEqual({ errorCode: 'NOT_FOUND', message: 'not found' });
    expect(parseErrorBody(429, '', '')).toEqual({ errorCode: 'TOO_MANY_REQUESTS', message: 'too many requests' });
    expect(parseErrorBody(418, '', '')).toEqual({ errorCode: 'HTTP_418', message: 'http 418' });
  });
});

describe('classify', () => {
  test('legacy 400 "does not exist" on clusters, jobs and runs paths is not_found; elsewhere it is invalid', () => {
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Cluster 0101-120000-abcdefgh does not exist', '/api/2.0/clusters/get')).toBe(
      'not_found',
    );
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Cluster x does not exist', '/api/2.1/clusters/get')).toBe('not_found');
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Job 1 does not exist.', '/api/2.1/jobs/get')).toBe('not_found');
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Run 42 does not exist.', '/api/2.1/jobs/runs/get')).toBe('not_found');
    expect(
      classify(
        400,
        'INVALID_STATE',
        'Cannot access cluster 0101-x that was terminated or unpinned more than 30 days ago.',
        '/api/2.0/clusters/get',
      ),
    ).toBe('not_found');
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Cluster x does not exist', '/api/2.0/workspace/get-status')).toBe('invalid');
    expect(classify(400, 'INVALID_PARAMETER_VALUE', 'Invalid limit 500', '/api/2.1/jobs/list')).toBe('invalid');
  });

  test('RESOURCE_ALREADY_EXISTS is already_exists on 400 too, and on 409 SCIM or "already exists"', () => {
    expect(classify(400, 'RESOURCE_ALREADY_EXISTS', 'Path (/Shared/x) already exists.', '/api/2.0/workspace/mkdirs')).toBe(
      'already_exists',
    );
    expect(classify(409, 'ALREADY_EXISTS', 'x', '/api/2.0/repos')).toBe('already_exists');
    expect(classify(409, 'SCIM_409', 'User with username a@b.com already exists.', '/api/2.0/preview/scim/v2/Users')).toBe(
      'already_exists',
    );
    expect(classify(409, 'RESOURCE_CONFLICT', 'Secret scope x already exists', '/api/2.0/secrets/scopes/create')).toBe('already_exists');
    expect(classify(409, 'RESOURCE_CONFLICT', 'concurrent update', '/api/2.0/permissions/jobs/1')).toBe('conflict');
    expect(classify(400, 'DIRECTORY_NOT_EMPTY', 'Folder (/Shared/x) is not empty', '/api/2.0/workspace/delete')).toBe('conflict');
  });

  test('throttling error codes are throttled whatever the status', () => {
    expect(classify(400, 'REQUEST_LIMIT_EXCEEDED', 'too many', '/api/2.0/permissions/jobs/1')).toBe('throttled');
    expect(classify(503, 'RESOURCE_EXHAUSTED', 'quota', '/api/2.0/workspace/list')).toBe('throttled');
    expect(classify(429, 'TOO_MANY_REQUESTS', '', '/api/2.0/workspace/list')).toBe('throttled');
  });

  test('statuses: 401, 403 (invalid token vs other), 404, 500, 502/503/504, others', () => {
    expect(classify(401, 'UNAUTHENTICATED', 'Credential was not sent', '/p')).toBe('unauthenticated');
    expect(classify(403, 'PERMISSION_DENIED', 'Invalid access token.', '/p')).toBe('unauthenticated');
    expect(classify(403, 'PERMISSION_DENIED', 'Token is expired.', '/p')).toBe('unauthenticated');
    expect(classify(403, 'PERMISSION_DENIED', 'User a@b.com does not have Manage permissions on job 1', '/p')).toBe('permission_denied');
    expect(classify(404, 'ENDPOINT_NOT_FOUND', 'No API found', '/p')).toBe('not_found');
    expect(classify(404, 'RESOURCE_DOES_NOT_EXIST', 'x', '/p')).toBe('not_found');
    expect(classify(200, 'NOT_FOUND', 'x', '/p')).toBe('not_found');
    expect(classify(500, 'INTERNAL_ERROR', 'Unexpected error. Please try again later.', '/p')).toBe('internal');
    expect(classify(502, 'BAD_GATEWAY', '', '/p')).toBe('unavailable');
    expect(classify(503, 'TEMPORARILY_UNAVAILABLE', 'The service is temporarily unavailable.', '/p')).toBe('unavailable');
    expect(classify(504, 'DEADLINE_EXCEEDED', '', '/p')).toBe('unavailable');
    expect(classify(501, 'NOT_IMPLEMENTED', '', '/p')).toBe('unknown');
  });

  test('transient messages are unavailable even on 400 or 500', () => {
    expect(classify(503, 'TEMPORARILY_UNAVAILABLE', 'No webapps are available to handle your request. Please try again later.', '/p')).toBe(
      'unavailable',
    );
    expect(classify(400, 'INVALID_STATE', 'ClusterNotReadyException: cluster is starting', '/api/2.0/clusters/get')).toBe('unavailable');
    expect(classify(500, 'INTERNAL_ERROR', 'UnknownWorkerEnvironmentException: x', '/p')).toBe('unavailable');
  });

  test('too large: the size error codes and size messages', () => {
    expect(
      classify(
        400,
        'MAX_NOTEBOOK_SIZE_EXCEEDED',
        'File size imported is (11 bytes), exceeded max size (10 bytes)',
        '/api/2.0/workspace/import',
      ),
    ).toBe('too_large');
    expect(classify(400, 'MAX_READ_SIZE_EXCEEDED', 'Cannot read more than 1048576 bytes at a time.', '/api/2.0/dbfs/read')).toBe(
      'too_large',
    );
    expect(classify(400, 'MAX_BLOCK_SIZE_EXCEEDED', 'x', '/api/2.0/dbfs/add-block')).toBe('too_large');
    expect(classify(400, 'BAD_REQUEST', 'Notebook size exceeded limit: 11 > 10', '/api/2.0/workspace/export')).toBe('too_large');
    expect(classify(400, 'BAD_REQUEST', 'Size exceeds 10485760 bytes', '/api/2.0/workspace/export')).toBe('too_large');
  });

  test('HTTP 413 (REQUEST_ENTITY_TOO_LARGE, e.g. from the gateway) is too_large', () => {
    const parsed = parseErrorBody(413, 'text/html', '');
    expect(parsed.errorCode).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(classify(413, parsed.errorCode, parsed.message, '/api/2.0/workspace/import')).toBe('too_large');
  });
});

describe('DatabricksApiError', () => {
  test('carries status, code, category, retryability and a redacted message', () => {
    const e = new DatabricksApiError(
      403,
      'PERMISSION_DENIED',
      'Token dapi0123456789abcdef0123 is not allowed',
      'GET',
      '/api/2.0/workspace/list',
    );
    expect(e.name).toBe('DatabricksApiError');
    expect(e.code).toBe('DATABRICKS_API');
    expect(e.category).toBe('permission_denied');
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('GET /api/2.0/workspace/list failed: 403 PERMISSION_DENIED: Token dapi*** is not allowed');
    expect(e.apiMessage).toBe('Token dapi*** is not allowed');
    expect(e.retryAfterMs).toBeUndefined();
    expect(e).toBeInstanceOf(DrError);
  });

  test('retryable exactly for throttled, unavailable and internal', () => {
    const mk = (status: number, code: string) => new DatabricksApiError(status, code, 'm', 'GET', '/p', 1000);
    expect(mk(429, 'REQUEST_LIMIT_EXCEEDED').retryable).toBe(true);
    expect(mk(429, 'REQUEST_LIMIT_EXCEEDED').retryAfterMs).toBe(1000);
    expect(mk(503, 'TEMPORARILY_UNAVAILABLE').retryable).toBe(true);
    expect(mk(500, 'INTERNAL_ERROR').retryable).toBe(true);
    for (const [s, c] of [
      [400, 'INVALID_PARAMETER_VALUE'],
      [401, 'UNAUTHENTICATED'],
      [403, 'PERMISSION_DENIED'],
      [404, 'NOT_FOUND'],
      [409, 'RESOURCE_CONFLICT'],
    ] as const) {
      expect(mk(s, c).retryable).toBe(false);
    }
  });

  test('isApiError checks the name and optionally the category', () => {
    const e = new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', 'gone', 'GET', '/p');
    expect(isApiError(e)).toBe(true);
    expect(isApiError(e, 'not_found')).toBe(true);
    expect(isApiError(e, 'invalid')).toBe(false);
    expect(isApiError(new DrError('DATABRICKS_API', 'x'))).toBe(false);
    expect(isApiError('DatabricksApiError')).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  test('delta seconds, including fractions and surrounding spaces', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(' 7 ')).toBe(7000);
    expect(parseRetryAfter('120')).toBe(120_000);
  });

  test('an HTTP date, relative to now; a past date is 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:30:00 GMT', NOW)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  test('absent or junk values are undefined', () => {
    for (const v of [null, undefined, '', '   ', 'soon', '5s', 'NaN', 'Infinity', '1e3', 'in 5 minutes'])
      expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });

  test('negative numbers and other junk that Date.parse happens to accept are undefined, not 0', () => {
    // V8's Date.parse reads "-1" as the year 2001 and "10,5" as October 5th.
    expect(parseRetryAfter('-1', NOW)).toBeUndefined();
    expect(parseRetryAfter('10,5', NOW)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const opts = { baseDelayMs: 250, maxDelayMs: 10_000 };

  test('the ceiling doubles per attempt up to maxDelayMs (random = 1)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 30].map((a) => backoffDelay(a, opts, () => 1))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  test('full jitter: a fraction of the ceiling, rounded', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, opts, () => 0.3333)).toBe(167);
    expect(backoffDelay(5, { baseDelayMs: 100, maxDelayMs: 300 }, () => 1)).toBe(300);
  });

  test('with Math.random it stays within [0, ceiling]', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(10_000, 250 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, opts);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(d)).toBe(true);
      }
    }
  });
});

describe('decide', () => {
  const api = (status: number, code: string, retryAfterMs?: number, message = 'm') =>
    new DatabricksApiError(status, code, message, 'POST', '/api/2.1/jobs/create', retryAfterMs);
  const half = () => 0.5;
  const one = () => 1;

  test('429 is retried even when not idempotent, after Retry-After', () => {
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED', 3000), 0, false, DEFAULT_RETRY, half)).toEqual({
      retry: true,
      delayMs: 3000,
      throttled: true,
    });
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED', 0), 0, false, DEFAULT_RETRY, half)).toEqual({
      retry: true,
      delayMs: 0,
      throttled: true,
    });
  });

  test('Retry-After is capped at maxRetryAfterMs', () => {
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED', 120_000), 0, false, DEFAULT_RETRY, half)).toEqual({
      retry: true,
      delayMs: 60_000,
      throttled: true,
    });
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED', 9000), 0, true, { ...DEFAULT_RETRY, maxRetryAfterMs: 5000 }, half)).toEqual({
      retry: true,
      delayMs: 5000,
      throttled: true,
    });
    expect(decide(api(503, 'TEMPORARILY_UNAVAILABLE', 120_000), 0, true, DEFAULT_RETRY, half)).toEqual({
      retry: true,
      delayMs: 60_000,
      throttled: false,
    });
  });

  test('429 without Retry-After: backoff plus 500 ms', () => {
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED'), 2, false, DEFAULT_RETRY, half)).toEqual({
      retry: true,
      delayMs: 1000,
      throttled: true,
    });
    expect(decide(api(429, 'REQUEST_LIMIT_EXCEEDED'), 0, false, DEFAULT_RETRY, () => 0)).toEqual({
      retry: true,
      delayMs: 500,
      throttled: true,
    });
  });

  test('a throttling error code on a 400 is retried as throttled', () => {
    expect(decide(api(400, 'REQUEST_LIMIT_EXCEEDED'), 1, false, DEFAULT_RETRY, one)).toEqual({
      retry: true,
      delayMs: 1000,
      throttled: true,
    });
  });

  test('500, 503 and the gateway page are retried only when idempotent', () => {
    expect(decide(api(503, 'TEMPORARILY_UNAVAILABLE'), 0, true, DEFAULT_RETRY, one)).toEqual({
      retry: true,
      delayMs: 250,
      throttled: false,
    });
    expect(decide(api(503, 'TEMPORARILY_UNAVAILABLE'), 0, false, DEFAULT_RETRY, one)).toEqual({ retry: false });
    expect(decide(api(503, 'TEMPORARILY_UNAVAILABLE', 2000), 3, true, DEFAULT_RETRY, one)).toEqual({
      retry: true,
      delayMs: 2000,
      throttled: false,
    });
    expect(decide(api(500, 'INTERNAL_ERROR'), 2, true, DEFAULT_RETRY, half)).toEqual({ retry: true, delayMs: 500, throttled: false });
    expect(decide(api(500, 'INTERNAL_ERROR'), 2, false, DEFAULT_RETRY, half)).toEqual({ retry: false });
    const parsed = parseErrorBody(503, 'text/html', GATEWAY_503);
    const gateway = new DatabricksApiError(503, parsed.errorCode, parsed.message, 'GET', '/api/2.0/workspace/list');
    expect(gateway.category).toBe('unavailable');
    expect(decide(gateway, 0, true, DEFAULT_RETRY, one)).toEqual({ retry: true, delayMs: 250, throttled: false });
    expect(decide(gateway, 0, false, DEFAULT_RETRY, one)).toEqual({ retry: false });
  });

  test('network errors are retried only when idempotent', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(decide(reset, 1, true, DEFAULT_RETRY, one)).toEqual({ retry: true, delayMs: 500, throttled: false });
    expect(decide(reset, 1, false, DEFAULT_RETRY, one)).toEqual({ retry: false });
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    expect(decide(refused, 0, true, DEFAULT_RETRY, one)).toEqual({ retry: true, delayMs: 250, throttled: false });
  });

  test('400, 401, 403, 404, 409 and other errors are never retried', () => {
    for (const e of [
      api(400, 'INVALID_PARAMETER_VALUE'),
      api(401, 'UNAUTHENTICATED'),
      api(403, 'PERMISSION_DENIED'),
      api(404, 'RESOURCE_DOES_NOT_EXIST'),
      api(409, 'RESOURCE_CONFLICT'),
      api(400, 'RESOURCE_ALREADY_EXISTS'),
      new DrError('CONFIG_INVALID', 'no token'),
      new Error('boom'),
      'a string',
    ]) {
      expect(decide(e, 0, true, DEFAULT_RETRY, one)).toEqual({ retry: false });
      expect(decide(e, 0, false, DEFAULT_RETRY, one)).toEqual({ retry: false });
    }
  });

  test('stops at maxAttempts, counting the first attempt', () => {
    const e = api(429, 'REQUEST_LIMIT_EXCEEDED', 100);
    expect(decide(e, 6, false, DEFAULT_RETRY)).toEqual({ retry: true, delayMs: 100, throttled: true });
    expect(decide(e, 7, false, DEFAULT_RETRY)).toEqual({ retry: false });
    const three: RetryOptions = { ...DEFAULT_RETRY, maxAttempts: 3 };
    expect(decide(e, 1, false, three)).toEqual({ retry: true, delayMs: 100, throttled: true });
    expect(decide(e, 2, false, three)).toEqual({ retry: false });
    expect(decide(e, 0, false, { ...DEFAULT_RETRY, maxAttempts: 1 })).toEqual({ retry: false });
  });

  test('the documented defaults', () => {
    expect(DEFAULT_RETRY).toEqual({
      maxAttempts: 8,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      maxRetryAfterMs: 60_000,
      timeoutMs: 300_000,
      budget: 500,
      budgetRatio: 0.2,
    });
  });
});

describe('isNetworkError', () => {
  test('socket error codes, on the error or its cause, FetchError and socket messages', () => {
    for (const code of [
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EAI_AGAIN',
      'ENOTFOUND',
      'ECONNABORTED',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'UND_ERR_SOCKET',
    ]) {
      expect(isNetworkError(Object.assign(new Error('x'), { code }))).toBe(true);
      expect(isNetworkError(new TypeError('fetch failed', { cause: { code } }))).toBe(true);
    }
    expect(isNetworkError(Object.assign(new Error('request to http://h/ failed'), { name: 'FetchError' }))).toBe(true);
    expect(isNetworkError(new Error('socket hang up'))).toBe(true);
    expect(isNetworkError(new Error('Premature close'))).toBe(true);
  });

  test('other errors and non-errors are not', () => {
    expect(isNetworkError(new Error('boom'))).toBe(false);
    expect(isNetworkError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isNetworkError(new DatabricksApiError(503, 'TEMPORARILY_UNAVAILABLE', 'x', 'GET', '/p'))).toBe(false);
    expect(isNetworkError({ code: 'ECONNRESET' })).toBe(false);
    expect(isNetworkError(undefined)).toBe(false);
  });
});

describe('RetryBudget', () => {
  test('allows `budget` retries, then throws RETRY_BUDGET_EXHAUSTED', () => {
    const b = new RetryBudget({ budget: 2, budgetRatio: 0.5 });
    b.take();
    b.take();
    expect(b.retries).toBe(2);
    let thrown: unknown;
    try {
      b.take();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DrError);
    expect((thrown as DrError).code).toBe('RETRY_BUDGET_EXHAUSTED');
    expect((thrown as DrError).retryable).toBe(true);
    expect((thrown as DrError).message).toBe(
      'Gave up after 2 retries: the workspace keeps failing or throttling. Check its health, or lower the request rates (DR_RATE_LIMITS).',
    );
    expect(b.retries).toBe(2);
  });

  test('successes earn budgetRatio retries each', () => {
    const b = new RetryBudget({ budget: 1, budgetRatio: 0.5 });
    b.take();
    expect(() => b.take()).toThrow('Gave up after 1 retries');
    // retries are allowed while spent < budget + earned
    b.success(); // earned 0.5: 1 < 1.5
    b.take();
    expect(b.retries).toBe(2);
    expect(() => b.take()).toThrow('Gave up after 2 retries'); // 2 >= 1.5
    b.success(); // earned 1: 2 >= 2
    expect(() => b.take()).toThrow('Gave up after 2 retries');
    b.success(); // earned 1.5: 2 < 2.5
    b.take();
    expect(b.retries).toBe(3);
  });

  test('a zero budget refuses the first retry', () => {
    expect(() => new RetryBudget({ budget: 0, budgetRatio: 0 }).take()).toThrow('Gave up after 0 retries');
  });
});

describe('FamilyLimiter (injected clock, fake timers)', () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  /** Move the injected clock and the fake timers forward together. */
  const advance = async (ms: number) => {
    now += ms;
    await jest.advanceTimersByTimeAsync(ms);
    await flush();
  };

  function setup(limit: FamilyLimit) {
    const limiter = new FamilyLimiter('test.family', limit, () => now);
    const granted: number[] = [];
    const releases = new Map<number, () => void>();
    const errors = new Map<number, unknown>();
    const request = (i: number, signal?: AbortSignal) => {
      limiter.acquire(signal).then(
        (release) => {
          granted.push(i);
          releases.set(i, release);
        },
        (error: unknown) => errors.set(i, error),
      );
    };
    const release = (i: number) => (releases.get(i) as () => void)();
    return { limiter, granted, errors, request, release };
  }

  test('a burst of `rate` requests at once, then one per 1/rate seconds', async () => {
    const { limiter, granted, request } = setup({ rate: 10, maxConcurrency: 100 });
    expect(limiter.capacity).toBe(10);
    for (let i = 0; i < 15; i++) request(i);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await advance(99);
    expect(granted).toHaveLength(10);
    await advance(1);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let k = 1; k <= 4; k++) {
      await advance(50);
      expect(granted).toHaveLength(10 + k);
      await advance(50);
      expect(granted).toHaveLength(11 + k);
    }
    expect(granted).toEqual([...Array(15).keys()]);
    expect(limiter.stats.granted).toBe(15);
    expect(limiter.stats.throttled).toBe(0);
  });

  test('a quiet period refills the bucket only up to its capacity; burstSeconds scales it', async () => {
    const a = setup({ rate: 10, maxConcurrency: 100 });
    await advance(10_000);
    for (let i = 0; i < 25; i++) a.request(i);
    await flush();
    expect(a.granted).toHaveLength(10);

    const b = setup({ rate: 10, burstSeconds: 2, maxConcurrency: 100 });
    expect(b.limiter.capacity).toBe(20);
    for (let i = 0; i < 25; i++) b.request(i);
    await flush();
    expect(b.granted).toHaveLength(20);
  });

  test('a rate below 1/s still allows one request, then one per 1/rate seconds', async () => {
    const { limiter, granted, request, release } = setup({ rate: 0.5, maxConcurrency: 1 });
    expect(limiter.capacity).toBe(1);
    request(0);
    request(1);
    await flush();
    expect(granted).toEqual([0]);
    release(0); // the slot is free: the second now waits for a token only
    await flush();
    expect(granted).toEqual([0]);
    await advance(1999);
    expect(granted).toEqual([0]);
    await advance(1);
    expect(granted).toEqual([0, 1]);
  });

  test('the concurrency window caps requests in flight; a release admits the next', async () => {
    const { limiter, granted, request, release } = setup({ rate: 1000, maxConcurrency: 2 });
    for (let i = 0; i < 5; i++) request(i);
    await flush();
    expect(granted).toEqual([0, 1]);
    release(0);
    await flush();
    expect(granted).toEqual([0, 1, 2]);
    // releasing twice frees one slot only
    release(1);
    release(1);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3]);
    await advance(100);
    expect(granted).toEqual([0, 1, 2, 3]);
    release(2);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.concurrency).toBe(2);
  });

  test('throttled() halves the window (down to 1); succeeded() grows it back by one per window of successes', () => {
    const { limiter } = setup({ rate: 1000, maxConcurrency: 8 });
    expect(limiter.concurrency).toBe(8);
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(4);
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(2);
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(1);
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(1);
    expect(limiter.stats.throttled).toBe(4);

    limiter.succeeded();
    expect(limiter.concurrency).toBe(2);
    limiter.succeeded();
    expect(limiter.concurrency).toBe(2);
    limiter.succeeded();
    expect(limiter.concurrency).toBe(3);
    limiter.succeeded();
    limiter.succeeded();
    expect(limiter.concurrency).toBe(3);
    limiter.succeeded();
    expect(limiter.concurrency).toBe(4);
    // a throttle resets the success count
    limiter.succeeded();
    limiter.succeeded();
    limiter.succeeded();
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(2);
    limiter.succeeded();
    expect(limiter.concurrency).toBe(2);
    limiter.succeeded();
    expect(limiter.concurrency).toBe(3);
    // never above maxConcurrency
    for (let i = 0; i < 100; i++) limiter.succeeded();
    expect(limiter.concurrency).toBe(8);
  });

  test('a halved window admits fewer requests in flight', async () => {
    const { limiter, granted, request, release } = setup({ rate: 1000, maxConcurrency: 4 });
    for (let i = 0; i < 6; i++) request(i);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3]);
    limiter.throttled(0);
    expect(limiter.concurrency).toBe(2);
    release(0);
    release(1);
    await advance(50);
    expect(granted).toEqual([0, 1, 2, 3]); // still 2 in flight = the window
    release(2);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3, 4]);
    release(3);
    await flush();
    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test('Retry-After pauses the whole family until it has passed', async () => {
    const { limiter, granted, request, release } = setup({ rate: 100, maxConcurrency: 10 });
    limiter.throttled(2000);
    request(0);
    request(1);
    await flush();
    expect(granted).toEqual([]);
    await advance(1999);
    expect(granted).toEqual([]);
    await advance(1);
    expect(granted).toEqual([0, 1]);
    expect(limiter.stats.throttled).toBe(1);
    // A shorter Retry-After does not cut an existing pause short.
    release(0);
    release(1);
    limiter.throttled(3000);
    limiter.throttled(500);
    request(2);
    await advance(2999);
    expect(granted).not.toContain(2);
    await advance(1);
    expect(granted).toEqual([0, 1, 2]);
    expect(limiter.concurrency).toBe(1); // 10 → 5 → 2 → 1 after three throttles
    expect(limiter.stats.throttled).toBe(3);
  });

  test('after a throttle the bucket restarts empty: only tokens earned after the 429 are spent', async () => {
    const { limiter, granted, request, release } = setup({ rate: 10, maxConcurrency: 20 });
    request(0); // refills (and stamps) the bucket at t = 0
    await flush();
    release(0);
    await advance(1000); // quiet: nothing refills the bucket until the next request
    limiter.throttled(undefined); // a 429 without Retry-After at t = 1000: pause 100 ms, tokens = 0
    for (let i = 1; i <= 10; i++) request(i);
    await flush();
    expect(granted).toEqual([0]);
    await advance(100);
    // 100 ms after the 429 at 10/s the bucket holds one token, not a full burst of ten.
    expect(granted).toEqual([0, 1]);
  });

  test('without Retry-After the family pauses for 1/rate', async () => {
    const { limiter, granted, request } = setup({ rate: 100, maxConcurrency: 10 });
    limiter.throttled(undefined);
    request(0);
    await flush();
    expect(granted).toEqual([]);
    await advance(9);
    expect(granted).toEqual([]);
    await advance(1);
    expect(granted).toEqual([0]);
  });

  test('stats.maxWaitMs records the longest time a request waited for its slot', async () => {
    const { limiter, granted, request } = setup({ rate: 2, maxConcurrency: 10 });
    for (let i = 0; i < 3; i++) request(i);
    await advance(500);
    expect(granted).toEqual([0, 1, 2]);
    expect(limiter.stats.maxWaitMs).toBe(500);
  });

  test('aborting a queued waiter rejects it with a DrError and frees its place', async () => {
    const { limiter, granted, errors, request, release } = setup({ rate: 1, maxConcurrency: 1 });
    request(0);
    const controller = new AbortController();
    request(1, controller.signal);
    request(2);
    await flush();
    expect(granted).toEqual([0]);
    const reason = new DrError('ABORTED', 'The time budget of the backup run is used up.');
    controller.abort(reason);
    await flush();
    expect(errors.get(1)).toBe(reason);
    release(0);
    await advance(1000);
    expect(granted).toEqual([0, 2]);
    expect(limiter.stats.granted).toBe(2);
  });

  test('an abort without a DrError reason becomes DrError ABORTED; an already aborted signal is refused at once', async () => {
    const { limiter, errors, request } = setup({ rate: 1, maxConcurrency: 1 });
    request(0);
    const plain = new AbortController();
    request(1, plain.signal);
    const text = new AbortController();
    request(2, text.signal);
    await flush();
    plain.abort();
    text.abort('stop');
    await flush();
    expect(errors.get(1)).toBeInstanceOf(DrError);
    expect((errors.get(1) as DrError).code).toBe('ABORTED');
    // The DOMException reason is an Error in plain Node; under Jest's VM realm `instanceof Error` fails and the generic text is used.
    expect((errors.get(1) as DrError).message).toMatch(/^(This operation was aborted|The operation was aborted\.)$/);
    expect((errors.get(2) as DrError).code).toBe('ABORTED');
    expect((errors.get(2) as DrError).message).toBe('The operation was aborted.');
    expect((errors.get(2) as DrError).cause).toBe('stop');
    request(3, AbortSignal.abort());
    await flush();
    expect((errors.get(3) as DrError).code).toBe('ABORTED');
    expect(limiter.stats.granted).toBe(1);
  });

  test('abortError keeps a DrError reason as is', () => {
    const reason = new DrError('ABORTED', 'budget');
    const c = new AbortController();
    c.abort(reason);
    expect(abortError(c.signal)).toBe(reason);
    const d = new AbortController();
    d.abort(new Error('custom'));
    expect(abortError(d.signal).message).toBe('custom');
    expect(abortError(d.signal).code).toBe('ABORTED');
  });
});

describe('familyFor', () => {
  test.each([
    ['GET', '/api/2.0/workspace/export', 'workspace.export'],
    ['POST', '/api/2.0/workspace/import', 'workspace.import'],
    ['GET', '/api/2.0/permissions/jobs/123', 'permissions.read'],
    ['GET', '/api/2.0/permissions/notebooks/456/permissionLevels', 'permissions.read'],
    ['PUT', '/api/2.0/permissions/jobs/123', 'permissions.write'],
    ['PATCH', '/api/2.0/permissions/clusters/0101-120000-abc', 'permissions.write'],
    ['GET', '/api/2.0/dbfs/read', 'dbfs'],
    ['POST', '/api/2.0/dbfs/put', 'dbfs'],
    ['POST', '/api/2.1/jobs/create', 'jobs.create'],
    ['POST', '/api/2.2/jobs/create', 'jobs.create'],
    ['POST', '/api/2.1/jobs/runs/submit', 'jobs.runs-submit'],
    ['GET', '/api/2.1/jobs/runs/get', 'jobs.runs-get'],
    ['GET', '/api/2.2/jobs/runs/get-output', 'jobs.runs-get'],
    ['GET', '/api/2.0/preview/scim/v2/Users', 'scim.read'],
    ['GET', '/api/2.0/preview/scim/v2/Groups/1234567890123456', 'scim.read'],
    ['GET', '/api/2.0/secrets/list', 'secrets'],
    ['POST', '/api/2.0/secrets/put', 'secrets'],
    ['get', '/api/2.0/workspace/export', 'workspace.export'],
  ])('%s %s → %s', (method, path, family) => {
    expect(familyFor(method, path, KIND_LIMITS.rules)).toBe(family);
  });

  test.each([
    ['GET', '/api/2.0/workspace/list', 'GET /api/2.0/workspace/list'],
    ['POST', '/api/2.0/workspace/export', 'POST /api/2.0/workspace/export'],
    ['GET', '/api/2.1/jobs/create', 'GET /api/2.1/jobs/create'],
    ['POST', '/api/2.0/preview/scim/v2/Users', 'POST /api/2.0/preview/scim/v2/Users'],
    ['PATCH', '/api/2.0/preview/scim/v2/Users/8123456789012345', 'PATCH /api/2.0/preview/scim/v2/Users/{id}'],
    ['DELETE', '/api/2.0/preview/scim/v2/Groups/12', 'DELETE /api/2.0/preview/scim/v2/Groups/{id}'],
    ['GET', '/api/2.0/repos/123456789012345', 'GET /api/2.0/repos/{id}'],
    ['PATCH', '/api/2.0/repos/42/', 'PATCH /api/2.0/repos/{id}/'],
    ['get', '/api/2.0/policy-families/7', 'GET /api/2.0/policy-families/{id}'],
    ['GET', '/api/2.1/jobs/get', 'GET /api/2.1/jobs/get'],
  ])('per endpoint: %s %s → %s', (method, path, family) => {
    expect(familyFor(method, path, KIND_LIMITS.rules)).toBe(family);
  });

  test('the named families are exactly the documented ones', () => {
    expect([...new Set(KIND_LIMITS.rules?.map((r) => r.family))].sort()).toEqual(Object.keys(KIND_LIMITS.families).sort());
  });
});

describe('limitFor', () => {
  test('named families aim at utilization × their rate, half a second of burst, concurrency half the rate up to maxConcurrency', () => {
    expect(KIND_LIMITS.utilization).toBe(0.95);
    expect(limitFor(KIND_LIMITS, 'workspace.export')).toEqual({ rate: 60 * 0.95, burstSeconds: 0.5, maxConcurrency: 16 });
    expect(limitFor(KIND_LIMITS, 'jobs.create')).toEqual({ rate: 20 * 0.95, burstSeconds: 0.5, maxConcurrency: 10 });
    expect(limitFor(KIND_LIMITS, 'permissions.write')).toEqual({ rate: 30 * 0.95, burstSeconds: 0.5, maxConcurrency: 15 });
    expect(limitFor(KIND_LIMITS, 'secrets')).toEqual({ rate: 1100 * 0.95, burstSeconds: 0.5, maxConcurrency: 16 });
    expect(limitFor(KIND_LIMITS, 'dbfs')).toEqual({ rate: 30 * 0.95, burstSeconds: 0.5, maxConcurrency: 15 });
    expect(limitFor(KIND_LIMITS, 'jobs.create').rate).toBe(19);
  });

  test('other GET endpoints use defaultRead, everything else defaultWrite', () => {
    expect(limitFor(KIND_LIMITS, 'GET /api/2.0/clusters/get')).toEqual({ rate: 95, burstSeconds: 0.5, maxConcurrency: 16 });
    expect(limitFor(KIND_LIMITS, 'POST /api/2.0/clusters/create')).toEqual({ rate: 28.5, burstSeconds: 0.5, maxConcurrency: 15 });
    expect(limitFor(KIND_LIMITS, 'DELETE /api/2.0/repos/{id}')).toEqual({ rate: 28.5, burstSeconds: 0.5, maxConcurrency: 15 });
  });

  test('utilization 1 uses the limits as they are; small rates keep at least one request in flight', () => {
    const limits: RateLimits = {
      families: { slow: 1, slower: 0.25, five: 5 },
      defaultRead: 3,
      defaultWrite: 2,
      maxConcurrency: 2,
      utilization: 1,
    };
    expect(limitFor(limits, 'slow')).toEqual({ rate: 1, burstSeconds: 0.5, maxConcurrency: 1 });
    expect(limitFor(limits, 'slower')).toEqual({ rate: 0.25, burstSeconds: 0.5, maxConcurrency: 1 });
    expect(limitFor(limits, 'five')).toEqual({ rate: 5, burstSeconds: 0.5, maxConcurrency: 2 });
    expect(limitFor(limits, 'GET /x')).toEqual({ rate: 3, burstSeconds: 0.5, maxConcurrency: 2 });
    expect(limitFor(limits, 'PUT /x')).toEqual({ rate: 2, burstSeconds: 0.5, maxConcurrency: 1 });
    // A FamilyLimiter built from it: capacity is rate × burstSeconds, at least one request.
    expect(new FamilyLimiter('f', limitFor(limits, 'five')).capacity).toBe(2.5);
    expect(new FamilyLimiter('s', limitFor(limits, 'slow')).capacity).toBe(1);
  });
});

describe('lossless JSON', () => {
  test('integers beyond 2^53 parse as exact bigints; everything else stays a plain number or string', () => {
    const v = parseJson(
      '{"job_id": 9007199254740993, "small": 42, "float": 2.5, "list": [12345678901234567890, 1], ' +
        '"neg": -9223372036854775808, "s": "12345678901234567890"}',
    ) as Record<string, unknown>;
    expect(v).toEqual({
      job_id: 9007199254740993n,
      small: 42,
      float: 2.5,
      list: [12345678901234567890n, 1],
      neg: -9223372036854775808n,
      s: '12345678901234567890',
    });
    expect(typeof v['small']).toBe('number');
    // 2^53 - 1 is safe and stays a number even in a document that needs the lossless parser
    expect(parseJson('{"a": 9007199254740991, "b": 9007199254740992}')).toEqual({ a: 9007199254740991, b: 9007199254740992n });
  });

  test('stringify writes bigints with their exact digits; parse → stringify is a fixed point', () => {
    expect(stringifyJson({ spark_context_id: 8223372036854775807n, run_id: 1n, list: [2n ** 64n] })).toBe(
      '{"spark_context_id":8223372036854775807,"run_id":1,"list":[18446744073709551616]}',
    );
    const text = '{"a":9007199254740993,"b":[1,2.5,"x"],"c":{"d":-12345678901234567890}}';
    expect(stringifyJson(parseJson(text))).toBe(text);
    expect(stringifyJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
    expect(stringifyJson(undefined)).toBe('null');
  });

  test('canonicalJson sorts keys recursively, keeps array order and bigints, drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: 2n ** 64n } })).toBe(
      '{"a":{"c":18446744073709551616,"d":[{"y":2,"z":1},3]},"b":1}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson(parseJson('{ "z" : 9007199254740993 , "a" : [ ] }'))).toBe('{"a":[],"z":9007199254740993}');
  });
});

describe('redact', () => {
  test('Databricks personal access tokens', () => {
    expect(redact('token dapi0123456789abcdef0123456789abcdef-2 used')).toBe('token dapi*** used');
    expect(redact('dapi1234567')).toBe('dapi1234567'); // too short to be a token
  });

  test('JWTs (Entra ID tokens)', () => {
    expect(redact('got eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiIyZmY4In0.c2lnbmF0dXJl here')).toBe('got <jwt redacted> here');
  });

  test('Bearer and Basic authorization headers', () => {
    expect(redact('Authorization: Bearer abc.DEF~ghi+/=')).toBe('Authorization: Bearer ***');
    expect(redact('authorization: basic dXNlcjpwYXNz')).toBe('authorization: basic ***');
    const pat = redact('Authorization: Bearer dapi0123456789abcdef0123456789abcdef');
    expect(pat).not.toContain('0123456789abcdef');
    expect(pat.startsWith('Authorization: Bearer ***')).toBe(true);
  });

  test('storage account keys and SAS signatures', () => {
    expect(redact('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc+/def==;EndpointSuffix=core.windows.net')).toBe(
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=***;EndpointSuffix=core.windows.net',
    );
    expect(redact('Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=zzz123=')).toBe(
      'Endpoint=sb://x/;SharedAccessKeyName=k;SharedAccessKey=***',
    );
    expect(redact('https://a.blob.core.windows.net/c/b?sv=2021-08-06&sig=abc%2Bdef%3D&se=2030')).toBe(
      'https://a.blob.core.windows.net/c/b?sv=2021-08-06&sig=***&se=2030',
    );
  });

  test('"token": "…" and other secret-named pairs', () => {
    expect(redact('{"token": "abcdef", "client_secret":"xyz", "password" : "p@ss", "name": "keep"}')).toBe(
      '{"token": "***", "client_secret":"***", "password" : "***", "name": "keep"}',
    );
    expect(redact('access_token=foo&x=1')).toBe('access_token=***&x=1');
    expect(redact('{"string_value":"s3cr3t","key":"k"}')).toBe('{"string_value":"***","key":"k"}');
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });

  test('a quoted secret value is redacted whole, spaces and commas included', () => {
    expect(redact('{"scope":"s","key":"k","string_value":"correct horse, battery staple"}')).toBe(
      '{"scope":"s","key":"k","string_value":"***"}',
    );
  });
});
