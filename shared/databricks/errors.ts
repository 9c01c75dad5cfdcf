import { DrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';

/**
 * How the core reacts to an API error. Classified from the status first, then the
 * error_code, then the known quirks of the legacy 2.0 APIs (databricks-api.md §12).
 */
export type ApiErrorCategory =
  | 'not_found'
  | 'already_exists'
  | 'invalid'
  | 'too_large'
  | 'unauthenticated'
  | 'permission_denied'
  | 'conflict'
  | 'throttled'
  | 'unavailable'
  | 'internal'
  | 'unknown';

export interface ErrorBody {
  errorCode: string;
  message: string;
}

/**
 * Parse every error body shape the service sends: the standard envelope, numeric
 * auth error codes, API 1.2 `{"error"}`, SCIM `{"detail","status"}`, plain text
 * `CODE: message`, and HTML pages from the gateway (title or `<pre>`).
 */
export function parseErrorBody(status: number, contentType: string, text: string): ErrorBody {
  const reason = reasonPhrase(status);
  if (text.trim() === '') return { errorCode: reason, message: reason.replace(/_/g, ' ').toLowerCase() };
  if (contentType.includes('json') || /^\s*\{/.test(text)) {
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (body['error_code'] !== undefined) {
        const raw = body['error_code'];
        // Auth failures carry a numeric error_code (401/403).
        const code = typeof raw === 'number' ? reasonPhrase(raw) : String(raw);
        return { errorCode: code, message: String(body['message'] ?? '') };
      }
      if (body['detail'] !== undefined || Array.isArray(body['schemas'])) {
        const detail = String(body['detail'] ?? '');
        const scimType = typeof body['scimType'] === 'string' ? `${body['scimType']} ` : '';
        return {
          errorCode: `SCIM_${String(body['status'] ?? status)}`,
          message: `${scimType}${detail === 'null' ? 'SCIM API Internal Error' : detail}`.trim(),
        };
      }
      if (typeof body['error'] === 'string') return { errorCode: reason, message: body['error'] };
      if (typeof body['message'] === 'string') return { errorCode: reason, message: body['message'] };
    } catch {
      // fall through to text handling
    }
  }
  const title = /<title>([\s\S]*?)<\/title>/i.exec(text)?.[1];
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(text)?.[1];
  if (title !== undefined || pre !== undefined) {
    return { errorCode: reason, message: decodeEntities((pre ?? title ?? '').trim()).replace(/^Error \d+\s+/, '') };
  }
  const plain = /^([A-Z][A-Z_]+): (.*)$/s.exec(text.trim());
  if (plain) return { errorCode: plain[1] as string, message: (plain[2] as string).trim() };
  return { errorCode: reason, message: text.trim().slice(0, 500) };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const REASONS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'RESOURCE_CONFLICT',
  413: 'REQUEST_ENTITY_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
  499: 'CANCELLED',
  500: 'INTERNAL_ERROR',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function reasonPhrase(status: number): string {
  return REASONS[status] ?? `HTTP_${status}`;
}

/** Messages the official SDKs treat as transient (databricks-api.md §12.4). */
const TRANSIENT_MESSAGES = [
  /UnknownWorkerEnvironmentException/,
  /does not have any associated worker environments/,
  /There is no worker environment with id/,
  /Unknown worker environment/,
  /ClusterNotReadyException/,
  /Please try again later or try a faster operation/,
  /RPC token bucket limit has been exceeded/,
  /No webapps are available to handle your request/,
];

export function classify(status: number, errorCode: string, message: string, path: string): ApiErrorCategory {
  if (errorCode === 'REQUEST_LIMIT_EXCEEDED' || errorCode === 'RESOURCE_EXHAUSTED' || status === 429) return 'throttled';
  // Throttling has also surfaced under other statuses and codes, by message only.
  if (/RPC token bucket limit has been exceeded|Too many requests/i.test(message)) return 'throttled';
  if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return 'unavailable';
  if (errorCode === 'RESOURCE_ALREADY_EXISTS' || errorCode === 'ALREADY_EXISTS') return 'already_exists';
  if (errorCode === 'RESOURCE_DOES_NOT_EXIST' || errorCode === 'NOT_FOUND') return 'not_found';
  if (errorCode === 'MAX_NOTEBOOK_SIZE_EXCEEDED' || errorCode === 'MAX_READ_SIZE_EXCEEDED' || errorCode === 'MAX_BLOCK_SIZE_EXCEEDED')
    return 'too_large';
  if (status === 413 || errorCode === 'REQUEST_ENTITY_TOO_LARGE') return 'too_large';
  if (/size exceeded limit|exceeded max size|Size exceeds \d+ bytes/i.test(message)) return 'too_large';
  if (status === 400) {
    // Legacy quirks: a missing cluster, job or run is 400 INVALID_PARAMETER_VALUE; a
    // cluster gone for more than 30 days is INVALID_STATE.
    if (/\/(clusters|jobs|libraries|permissions)\//.test(path) && /(Cluster|Job|Run) .* does not exist|doesn't exist/.test(message))
      return 'not_found';
    if (/Cannot access cluster .* terminated or unpinned more than 30 days ago/.test(message)) return 'not_found';
    if (errorCode === 'DIRECTORY_NOT_EMPTY') return 'conflict';
    return 'invalid';
  }
  if (status === 401) return 'unauthenticated';
  if (status === 403)
    return /Invalid access token|token is expired|Credential was not sent/i.test(message) ? 'unauthenticated' : 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 409) return errorCode.startsWith('SCIM_') || /already exists/i.test(message) ? 'already_exists' : 'conflict';
  if (status === 500) return 'internal';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'unknown';
}

/** An error answer from the Databricks REST API. Tokens never appear in it. */
export class DatabricksApiError extends DrError {
  override readonly name = 'DatabricksApiError';
  readonly category: ApiErrorCategory;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    apiMessage: string,
    readonly method: string,
    /** Path without the query string. */
    readonly path: string,
    readonly retryAfterMs?: number,
    /** What to do about it, appended to the message. */
    hint?: string,
  ) {
    const category = classify(status, errorCode, apiMessage, path);
    super('DATABRICKS_API', redact(`${method} ${path} failed: ${status} ${errorCode}: ${apiMessage}${hint ? ` ${hint}` : ''}`), {
      retryable: category === 'throttled' || category === 'unavailable' || category === 'internal',
    });
    this.category = category;
    this.apiMessage = redact(apiMessage);
  }

  /** The service's own message, redacted. */
  readonly apiMessage: string;
}

export function isApiError(error: unknown, category?: ApiErrorCategory): error is DatabricksApiError {
  return (
    error instanceof Error &&
    error.name === 'DatabricksApiError' &&
    (category === undefined || (error as DatabricksApiError).category === category)
  );
}
