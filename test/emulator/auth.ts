import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';

import { AuthError, HtmlError } from './errors.js';
import type { Caller } from './http.js';
import type { Workspace } from './state/workspace.js';

/** The Azure Databricks first-party application; Entra tokens must be issued for it. */
export const AZURE_DATABRICKS_APP_ID = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';

const SP_MANAGEMENT_TOKEN = 'x-databricks-azure-sp-management-token';
const WORKSPACE_RESOURCE_ID = 'x-databricks-azure-workspace-resource-id';

function unauthenticated(): AuthError {
  return new AuthError(401, `Credential was not sent or was of an unsupported type for this API. [ReqId: ${randomUUID()}]`);
}

function invalidToken(): AuthError {
  return new AuthError(403, 'Invalid access token.', { 'x-databricks-reason-phrase': 'Invalid access token.' });
}

interface JwtClaims {
  aud?: string | string[];
  iss?: string;
  exp?: number;
  tid?: string;
  appid?: string;
  azp?: string;
  upn?: string;
  unique_name?: string;
  preferred_username?: string;
  name?: string;
  oid?: string;
}

function decodeJwt(token: string): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as JwtClaims) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolve the caller of a request from its `Authorization` header.
 *
 * - No header, or a scheme other than Bearer: 401 with a numeric `error_code`.
 * - A personal access token (`dapi…`, or exactly `options.token` when set): the
 *   workspace admin user.
 * - A JWT for the Azure Databricks resource: the user (`upn`) or service principal
 *   (`appid`) it names. A service principal that is not in the workspace yet is
 *   provisioned as an admin when the request carries the Azure management headers,
 *   which is what Azure does for identities with Contributor on the workspace.
 * - Anything else: 403 "Invalid access token.".
 */
export function authenticate(headers: IncomingHttpHeaders, workspace: Workspace): Caller {
  const header = headers.authorization;
  if (header === undefined || header === '') throw unauthenticated();
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated();
  const token = match[1] as string;
  const { token: onlyToken, acceptEntraTokens, entraTenantId } = workspace.authSettings;

  if (onlyToken !== undefined ? token === onlyToken : token.startsWith('dapi')) {
    return workspace.principals.adminCaller();
  }
  if (!acceptEntraTokens) throw invalidToken();

  const claims = decodeJwt(token);
  if (!claims) throw invalidToken();
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => a === AZURE_DATABRICKS_APP_ID || a === `api://${AZURE_DATABRICKS_APP_ID}`)) {
    throw new HtmlError(
      400,
      `Error 400 io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: ${AZURE_DATABRICKS_APP_ID}, but ` +
        `was: ${String(claims.aud)}.`,
      `io.jsonwebtoken.IncorrectClaimException: Expected aud claim to be: ${AZURE_DATABRICKS_APP_ID}, but was: ${String(claims.aud)}.`,
    );
  }
  if (entraTenantId !== undefined) {
    const expected = `https://sts.windows.net/${entraTenantId}/`;
    if (claims.iss !== expected) {
      const text = `io.jsonwebtoken.IncorrectClaimException: Expected iss claim to be: ${expected}, but was: ${String(claims.iss)}.`;
      throw new HtmlError(400, `Error 400 ${text}`, text);
    }
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) throw invalidToken();

  const appId = claims.appid ?? claims.azp;
  const userName = claims.upn ?? claims.unique_name ?? claims.preferred_username;
  if (userName === undefined && appId !== undefined) {
    const existing = workspace.principals.servicePrincipalCaller(appId);
    if (existing) return existing;
    if (headers[SP_MANAGEMENT_TOKEN] !== undefined && headers[WORKSPACE_RESOURCE_ID] !== undefined) {
      return workspace.principals.provisionServicePrincipal(appId, claims.name ?? appId);
    }
    throw new AuthError(403, `Service principal ${appId} is not a member of this workspace.`);
  }
  if (userName !== undefined) {
    const user = workspace.principals.userCaller(userName);
    if (user) return user;
    throw new AuthError(403, `User ${userName} is not a member of this workspace.`);
  }
  throw invalidToken();
}
