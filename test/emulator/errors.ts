/**
 * Errors the emulator answers with. Each helper reproduces the status code and
 * `error_code` pairing that the real service uses for that situation, including
 * the legacy quirks (RESOURCE_ALREADY_EXISTS on HTTP 400, a missing cluster or job
 * as 400 INVALID_PARAMETER_VALUE). See shared/reference databricks-api.md §12–13.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The standard error envelope. */
  body(): Record<string, unknown> {
    return { error_code: this.errorCode, message: this.message };
  }
}

/**
 * SCIM endpoints answer with the SCIM error schema instead: `status` is a string
 * and there is no `error_code` (databricks-api.md §6.4).
 */
export class ScimError extends ApiError {
  constructor(
    status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(status, `SCIM_${status}`, detail);
    this.name = 'ScimError';
  }

  override body(): Record<string, unknown> {
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      detail: this.message,
      status: String(this.status),
      ...(this.scimType === undefined ? {} : { scimType: this.scimType }),
    };
  }
}

/** Auth failures carry a *numeric* error_code (it broke older SDKs). */
export class AuthError extends ApiError {
  constructor(status: 401 | 403, message: string, headers: Record<string, string> = {}) {
    super(status, String(status), message, headers);
    this.name = 'AuthError';
  }

  override body(): Record<string, unknown> {
    return { error_code: this.status, message: this.message };
  }
}

/** A response whose body is an HTML page (gateway errors, some auth failures). */
export class HtmlError extends ApiError {
  constructor(
    status: number,
    readonly title: string,
    readonly pre: string,
  ) {
    super(status, 'HTML', title);
    this.name = 'HtmlError';
  }

  html(): string {
    return (
      '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n' +
      `<title>${escapeHtml(this.title)}</title>\n</head>\n<body><h2>HTTP ERROR ${this.status}</h2>\n` +
      `<p>Problem accessing /. Reason:\n<pre>    ${escapeHtml(this.pre)}</pre></p>\n</body>\n</html>\n`
    );
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const invalidParameter = (message: string): ApiError => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);

export const badRequest = (message: string): ApiError => new ApiError(400, 'BAD_REQUEST', message);

export const malformed = (message: string): ApiError => new ApiError(400, 'MALFORMED_REQUEST', message);

export const invalidState = (message: string): ApiError => new ApiError(400, 'INVALID_STATE', message);

export const notFound = (message: string): ApiError => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);

/** Legacy 2.0 APIs (workspace, DBFS, secrets) report "already exists" with HTTP 400. */
export const alreadyExists = (message: string): ApiError => new ApiError(400, 'RESOURCE_ALREADY_EXISTS', message);

export const permissionDenied = (message: string): ApiError => new ApiError(403, 'PERMISSION_DENIED', message);

/** API 1.2 (command execution) errors: the legacy `{"error": "..."}` body, no error_code. */
export class LegacyError extends ApiError {
  constructor(status: number, message: string) {
    super(status, 'LEGACY', message);
    this.name = 'LegacyError';
  }

  override body(): Record<string, unknown> {
    return { error: this.message };
  }
}
