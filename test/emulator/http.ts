import type { IncomingHttpHeaders } from 'node:http';

import { invalidParameter, malformed } from './errors.js';

/** A non-200 or non-JSON answer from a route handler. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    /** When set, `body` is sent as-is (a Buffer or string) with this content type. */
    readonly contentType?: string,
  ) {}

  static json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
    return new Reply(status, body, headers);
  }

  static raw(body: Buffer | string, contentType: string, headers: Record<string, string> = {}): Reply {
    return new Reply(200, body, headers, contentType);
  }

  static empty(status: number): Reply {
    return new Reply(status, undefined);
  }
}

/** Typed access to query parameters, which arrive as strings (booleans as "true"/"false"). */
export class Query {
  constructor(private readonly values: Record<string, string | string[] | undefined>) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    return Array.isArray(v) ? v[0] : v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw invalidParameter(`Missing required field: ${name}`);
    return v;
  }

  all(name: string): string[] {
    const v = this.values[name];
    if (v === undefined) return [];
    return Array.isArray(v) ? v : [v];
  }

  bool(name: string, fallback = false): boolean {
    const v = this.str(name);
    if (v === undefined || v === '') return fallback;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw invalidParameter(`Invalid value for ${name}: '${v}'. Expected true or false.`);
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidParameter(`Invalid value for ${name}: '${v}' is not an integer.`);
    return Number(v);
  }

  /** An int64 id in a query string, kept exact. */
  int64(name: string): bigint | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidParameter(`Invalid value for ${name}: '${v}' is not an integer.`);
    return BigInt(v);
  }
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Typed access to a JSON request body, with the service's error style for bad fields. */
export class Body {
  readonly json: Json;

  constructor(value: unknown) {
    if (value === undefined || value === null) this.json = {};
    else if (isObject(value)) this.json = value;
    else throw malformed('Invalid JSON given in the body of the request - expected a map');
  }

  has(name: string): boolean {
    return this.json[name] !== undefined && this.json[name] !== null;
  }

  get(name: string): unknown {
    return this.json[name];
  }

  str(name: string): string | undefined {
    const v = this.json[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw malformed(`Invalid JSON given in the body of the request - expected a string for field '${name}'`);
    return v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw invalidParameter(`Missing required field: ${name}`);
    return v;
  }

  bool(name: string, fallback = false): boolean {
    const v = this.json[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw malformed(`Invalid JSON given in the body of the request - expected a boolean for field '${name}'`);
  }

  num(name: string): number | undefined {
    const v = this.json[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    throw malformed(`Invalid JSON given in the body of the request - expected a number for field '${name}'`);
  }

  /** An int64 id, kept exact whether it came as a number, a bigint or a string. */
  int64(name: string): bigint | undefined {
    const v = this.json[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
    throw malformed(`Invalid JSON given in the body of the request - expected an integer for field '${name}'`);
  }

  requiredInt64(name: string): bigint {
    const v = this.int64(name);
    if (v === undefined) throw invalidParameter(`Missing required field: ${name}`);
    return v;
  }

  obj(name: string): Json | undefined {
    const v = this.json[name];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) throw malformed(`Invalid JSON given in the body of the request - expected a map for field '${name}'`);
    return v;
  }

  arr(name: string): unknown[] | undefined {
    const v = this.json[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw malformed(`Invalid JSON given in the body of the request - expected an array for field '${name}'`);
    return v;
  }
}

/** Who is calling, as resolved from the bearer token. */
export interface Caller {
  kind: 'user' | 'servicePrincipal';
  /** SCIM id of the principal. */
  id: string;
  /** userName for users, applicationId for service principals. */
  name: string;
  isAdmin: boolean;
}

export interface RequestContext {
  method: string;
  /** The request path without the query string. */
  path: string;
  /** The API version segment of the path (`2.0`, `2.1`, `2.2`, `1.2`). */
  version: string;
  query: Query;
  body: Body;
  /** Fields and file parts of a multipart/form-data request, when it was one. */
  multipart?: Record<string, string | Buffer>;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  caller: Caller;
  /** The client's address, as the socket reports it (what IP access lists are checked against). */
  ip: string;
}

export type Handler = (ctx: RequestContext) => unknown;

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Full paths, e.g. `/api/2.0/workspace/list`; fastify params like `:id` are allowed. */
  paths: string[];
  /** Rate-limit family (see options.ts); other routes get their own default bucket. */
  family: string;
  handler: Handler;
}

/** Collects route definitions; each routes/<area>.ts adds its own. */
export class Routes {
  readonly definitions: RouteDefinition[] = [];

  private add(method: RouteDefinition['method'], paths: string | string[], family: string, handler: Handler): void {
    this.definitions.push({ method, paths: Array.isArray(paths) ? paths : [paths], family, handler });
  }

  get(paths: string | string[], family: string, handler: Handler): void {
    this.add('GET', paths, family, handler);
  }
  post(paths: string | string[], family: string, handler: Handler): void {
    this.add('POST', paths, family, handler);
  }
  put(paths: string | string[], family: string, handler: Handler): void {
    this.add('PUT', paths, family, handler);
  }
  patch(paths: string | string[], family: string, handler: Handler): void {
    this.add('PATCH', paths, family, handler);
  }
  delete(paths: string | string[], family: string, handler: Handler): void {
    this.add('DELETE', paths, family, handler);
  }
}

/** `/api/<v>/<path>` for each version. */
export function versions(list: string[], path: string): string[] {
  return list.map((v) => `/api/${v}${path}`);
}
