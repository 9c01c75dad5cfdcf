import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import multipart from '@fastify/multipart';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

import { authenticate } from './auth.js';
import { ApiError, AuthError, HtmlError, malformed, ScimError } from './errors.js';
import { FaultModel, type ScriptedFault } from './faults.js';
import { Body, type Caller, Query, Reply, type RequestContext, Routes } from './http.js';
import { fromJson, toJson } from './json.js';
import { type EmulatorOptions, resolveFaultOptions } from './options.js';
import { registerRoutes } from './routes/index.js';
import { Random } from './rng.js';
import { callerIpv4 } from './state/ipAccessLists.js';
import type { WorkspaceFixture } from './state/fixture.js';
import { Workspace } from './state/workspace.js';
import { Stats } from './stats.js';

export interface EmulatorHandle {
  /** Base URL of the workspace, e.g. `http://127.0.0.1:53211`. */
  url: string;
  port: number;
  /** The in-memory workspace, for assertions and fast seeding. */
  workspace: Workspace;
  /** Inject scripted faults or change the random fault settings at run time. */
  faults: FaultModel;
  stats: Stats;
  stop(): Promise<void>;
}

interface RouteConfig {
  family: string;
  routeKey: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
  interface FastifyContextConfig {
    family?: string;
    routeKey?: string;
  }
}

const MiB = 1024 * 1024;

/**
 * Start one emulated Azure Databricks workspace on loopback. Several workspaces means
 * several instances, one per port, as real workspaces have separate hosts.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const seed = options.seed ?? 1;
  const workspace = new Workspace(options);
  const faults = new FaultModel(resolveFaultOptions(options), new Random(seed * 7919 + 17));
  const stats = new Stats();
  const log = options.log ?? (() => undefined);

  const app = Fastify({
    logger: false,
    bodyLimit: 64 * MiB,
    routerOptions: { caseSensitive: true },
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
    return503OnClosing: false,
  });
  app.decorateRequest('caller', undefined);

  // JSON bodies are parsed losslessly; an empty body is an empty object, as the
  // service treats `POST` without a body.
  app.removeAllContentTypeParsers();
  const parseJsonBody = (url: string, text: string): unknown => {
    if (text.trim() === '') return {};
    try {
      return fromJson(text);
    } catch {
      // SCIM answers bad JSON in its own error schema, with prose in scimType.
      if (url.startsWith('/api/2.0/preview/scim/')) {
        throw new ScimError(
          400,
          'Request is unparsable, syntactically incorrect, or violates schema.',
          'Invalid JSON provided in request body.',
        );
      }
      throw malformed('Invalid JSON given in the body of the request - failed to parse given JSON');
    }
  };
  for (const contentType of ['application/json', '*']) {
    app.addContentTypeParser(contentType, { parseAs: 'string' }, (req, body, done) => {
      try {
        done(null, parseJsonBody(req.url, body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: 64 * MiB, fieldSize: 64 * MiB, files: 4, fields: 32 },
    onFile: async (part) => {
      (part as unknown as { value: Buffer }).value = await part.toBuffer();
    },
  });

  const send = (reply: FastifyReply, result: unknown): FastifyReply => {
    reply.header('x-databricks-org-id', workspace.workspaceId);
    if (result instanceof Reply) {
      for (const [k, v] of Object.entries(result.headers)) reply.header(k, v);
      reply.code(result.status);
      if (result.contentType !== undefined) return reply.type(result.contentType).send(result.body);
      if (result.body === undefined) return reply.send();
      return reply.type('application/json; charset=utf-8').send(toJson(result.body));
    }
    return reply
      .code(200)
      .type('application/json; charset=utf-8')
      .send(toJson(result ?? {}));
  };

  const sendError = (reply: FastifyReply, error: ApiError): FastifyReply => {
    reply.header('x-databricks-org-id', workspace.workspaceId);
    for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
    reply.code(error.status);
    if (error instanceof HtmlError) return reply.type('text/html;charset=utf-8').send(error.html());
    return reply.type('application/json; charset=utf-8').send(toJson(error.body()));
  };

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = status === 413 ? 'REQUEST_ENTITY_TOO_LARGE' : 'MALFORMED_REQUEST';
      return sendError(reply, new ApiError(status === 413 ? 400 : status, code, (error as Error).message));
    }
    log(`emulator: unexpected error: ${(error as Error).stack ?? String(error)}`);
    return sendError(reply, new ApiError(500, 'INTERNAL_ERROR', 'Unexpected error.'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    sendError(reply, new ApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${request.method} ${path}'`));
  });

  // Latency, scripted faults, dropped connections, authentication, rate limits and
  // random errors, in that order, for every /api request.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (!path.startsWith('/api/')) return;
    const config = request.routeOptions.config as Partial<RouteConfig>;
    const routeKey = config.routeKey ?? `${request.method} ${path}`;
    const family = config.family ?? 'default';
    stats.request(routeKey, family);

    const delay = faults.latencyMs();
    if (delay > 0) await sleep(delay);

    const early = faults.beforeAuth(request.method, path);
    if (early.kind === 'drop') {
      stats.outcome(routeKey, 'drop');
      reply.hijack();
      request.raw.socket.destroy();
      return;
    }
    if (early.kind === 'error') return sendError(reply, early.error);

    // IP access lists apply before authentication, to every API request (SDK docs of
    // IpAccessListsAPI); the answer is the numeric-error_code 403 observed from the
    // service (omnigent-ai/omnigent#4463).
    if (workspace.ipAccessLists.enforced()) {
      const ip = request.socket.remoteAddress ?? '';
      if (!workspace.ipAccessLists.allows(callerIpv4(ip))) {
        const shown = callerIpv4(ip) ?? ip;
        return sendError(
          reply,
          new AuthError(
            403,
            `Source IP address: ${shown} is blocked by Databricks IP ACL for workspace: ${workspace.workspaceId} [ReqId: ${randomUUID()}]`,
          ),
        );
      }
    }

    request.caller = authenticate(request.headers, workspace); // throws AuthError/HtmlError
    // Time-driven state (one-time runs finishing, their mounts, their clusters stopping)
    // advances on every request, whatever endpoint the client polls.
    workspace.tick();

    const late = faults.afterAuth(family, routeKey);
    if (late.kind === 'error') return sendError(reply, late.error);
  });

  app.addHook('onResponse', async (request, reply) => {
    const config = request.routeOptions.config as Partial<RouteConfig>;
    const path = request.url.split('?')[0] ?? request.url;
    if (!path.startsWith('/api/')) return;
    stats.outcome(config.routeKey ?? `${request.method} ${path}`, reply.statusCode);
  });

  const routes = new Routes();
  registerRoutes(routes, workspace);
  for (const def of routes.definitions) {
    for (const path of def.paths) {
      const routePattern = path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const config: RouteConfig = { family: def.family, routeKey: `${def.method} ${routePattern}` };
      app.route({
        method: def.method,
        url: path,
        config,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const ctx = buildContext(request);
          const result = await def.handler(ctx);
          if (faults.afterHandling(request.method, request.url.split('?')[0] ?? request.url)) {
            stats.outcome(config.routeKey, 'drop');
            reply.hijack();
            request.raw.socket.destroy();
            return reply;
          }
          return send(reply, result);
        },
      });
    }
  }

  // Control plane for tests and benchmarks, outside /api and without auth.
  app.get('/__emulator/health', async () => ({ ok: true }));
  app.get('/__emulator/stats', async (_req, reply) => send(reply, stats.snapshot()));
  app.post('/__emulator/stats/reset', async (_req, reply) => {
    stats.reset();
    return send(reply, {});
  });
  app.get('/__emulator/state', async (_req, reply) => send(reply, workspace.toFixture()));
  app.post('/__emulator/state', async (request, reply) => {
    workspace.loadFixture(request.body as WorkspaceFixture);
    return send(reply, {});
  });
  app.post('/__emulator/faults', async (request, reply) => {
    const body = new Body(request.body);
    const inject = body.get('inject');
    if (inject !== undefined) {
      for (const f of Array.isArray(inject) ? inject : [inject]) faults.inject(f as ScriptedFault);
    }
    const configure = body.obj('configure');
    if (configure) {
      faults.configure(resolveFaultOptions({ ...(configure as EmulatorOptions), seed }));
    }
    return send(reply, {});
  });
  app.delete('/__emulator/faults', async (_req, reply) => {
    faults.clearScripted();
    return send(reply, {});
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  return {
    url,
    port: address.port,
    workspace,
    faults,
    stats,
    stop: async () => {
      await app.close();
    },
  };
}

function buildContext(request: FastifyRequest): RequestContext {
  const path = request.url.split('?')[0] ?? request.url;
  const version = /^\/api\/(\d\.\d)\//.exec(path)?.[1] ?? '2.0';
  const isMultipart = (request.headers['content-type'] ?? '').startsWith('multipart/form-data');
  const ctx: RequestContext = {
    method: request.method,
    path,
    version,
    query: new Query(request.query as Record<string, string | string[]>),
    body: new Body(isMultipart ? {} : request.body),
    params: request.params as Record<string, string>,
    headers: request.headers,
    caller: request.caller as Caller,
    ip: request.socket.remoteAddress ?? '',
  };
  if (isMultipart) ctx.multipart = request.body as Record<string, string | Buffer>;
  return ctx;
}

/** A request id in the style of the service's error messages. */
export function requestId(): string {
  return randomUUID();
}
