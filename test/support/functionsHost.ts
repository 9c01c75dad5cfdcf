/**
 * Just enough of the Functions host to test our handlers for real, without Core Tools:
 * - `deliver` plays the Service Bus trigger: peek-lock one message with the real SDK,
 *   call the handler with the host's trigger metadata, complete on success, abandon
 *   on a throw (which redelivers with a rising delivery count);
 * - `startHttpHost` serves HTTP functions on loopback: routes under /api with {param}
 *   templates, the function key checked for authLevel "function" (x-functions-key or
 *   ?code=), requests as @azure/functions HttpRequest, answers from HttpResponseInit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import functions, {
  type HttpHandler,
  type HttpMethod,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import type { ServiceBusClient } from '@azure/service-bus';

// @azure/functions is CommonJS, and Node's ESM loader cannot see these classes as named
// exports (jest's transform can); the default export works under both.
const { HttpRequest: Request, InvocationContext: Context } = functions;

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

export interface Delivery {
  outcome: 'completed' | 'abandoned' | 'none';
  lines: string[];
  error?: Error;
}

/** Deliver one message from `queue` to `handler` and settle it as the host would. */
export async function deliver(
  client: ServiceBusClient,
  queue: string,
  handler: QueueHandler,
  options: { functionName?: string; maxWaitMs?: number } = {},
): Promise<Delivery> {
  const receiver = client.createReceiver(queue);
  try {
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: options.maxWaitMs ?? 3000 });
    if (!message) return { outcome: 'none', lines: [] };
    const lines: string[] = [];
    const context = new Context({
      functionName: options.functionName ?? queue,
      triggerMetadata: {
        messageId: message.messageId,
        deliveryCount: message.deliveryCount ?? 0,
        lockToken: message.lockToken,
        enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString(),
      },
      logHandler: (level, ...args) => lines.push(`${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
    });
    try {
      await handler(message.body, context);
    } catch (error) {
      await receiver.abandonMessage(message);
      return { outcome: 'abandoned', lines, error: error as Error };
    }
    // The host completes after a successful invocation; a message the function
    // dead-lettered itself has lost its lock, which the host logs and ignores.
    await receiver.completeMessage(message).catch((error: { code?: string }) => {
      if (error.code !== 'MessageLockLost') throw error;
    });
    return { outcome: 'completed', lines };
  } finally {
    await receiver.close();
  }
}

export interface HttpFunction {
  name: string;
  options: { route: string; methods: HttpMethod[]; authLevel: 'anonymous' | 'function' | 'admin' };
  handler: HttpHandler;
}

export interface HttpHost {
  url: string;
  /** The function key the host accepts. */
  key: string;
  /** Log lines of every invocation, in order. */
  lines: string[];
  stop(): Promise<void>;
}

/** Serve HTTP functions on 127.0.0.1 the way the Functions host routes and authorizes them. */
export async function startHttpHost(functions: HttpFunction[], options: { key?: string } = {}): Promise<HttpHost> {
  const key = options.key ?? 'test-function-key';
  const lines: string[] = [];
  const routes = functions.map((f) => ({ f, pattern: new RegExp(`^/api/${f.options.route.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`) }));
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const match = routes.map((r) => ({ ...r, m: r.pattern.exec(url.pathname) })).find((r) => r.m !== null);
      const send = (status: number, body = ''): void => {
        res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      };
      if (!match) return send(404);
      if (!match.f.options.methods.includes((req.method ?? 'GET') as HttpMethod)) return send(405);
      if (match.f.options.authLevel !== 'anonymous' && (req.headers['x-functions-key'] ?? url.searchParams.get('code')) !== key)
        return send(401);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const body = Buffer.concat(chunks);
      const request = new Request({
        method: req.method ?? 'GET',
        url: url.toString(),
        headers,
        params: (match.m?.groups ?? {}) as Record<string, string>,
        ...(body.length > 0 ? { body: { bytes: body } } : {}),
      });
      const context = new Context({
        functionName: match.f.name,
        logHandler: (level, ...args) =>
          lines.push(`${match.f.name} ${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
      });
      const response = (await match.f.handler(request, context)) as HttpResponseInit;
      const out =
        response.jsonBody !== undefined ? JSON.stringify(response.jsonBody) : typeof response.body === 'string' ? response.body : '';
      res.writeHead(response.status ?? 200, Object.fromEntries(Object.entries((response.headers ?? {}) as Record<string, string>)));
      res.end(out);
    })().catch((error: unknown) => {
      lines.push(`host error: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    lines,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request for calling a handler directly, as the host would build it. */
export function httpRequest(
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; params?: Record<string, string> } = {},
): HttpRequest {
  const text = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Request({
    method,
    url: `http://127.0.0.1/api/${path}`,
    headers: { ...(text !== undefined && options.rawBody === undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    params: options.params ?? {},
    ...(text === undefined ? {} : { body: { string: text } }),
  });
}

/** An InvocationContext whose log lines land in `lines`. */
export function invocation(name: string, lines: string[] = []): InvocationContext {
  return new Context({
    functionName: name,
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
  });
}
