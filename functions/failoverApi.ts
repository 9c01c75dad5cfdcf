import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';

import { parseFailoverBody } from '../shared/ops/requests.js';
import { submitOperation } from '../shared/ops/submit.js';
import { accepted, handler, idempotencyKey, problem, readJsonBody, requester, route } from './_http.js';
import { getServiceBus, getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const failoverApiOptions = route('failover', ['POST']);
export const verifyApiOptions = route('verify', ['POST']);

/**
 * POST /api/failover {snapshot?, dryRun?, kinds?, reason, target?, source?, conflictPolicy?}:
 * checks the body, queues the failover on Service Bus (message id = run id, so a
 * retried request is queued once) and answers 202 with the run id and its status URL.
 * The replay itself runs in the failover queue function, never in the request.
 */
export const postFailover = handler((request) => queue(request, 'failover'));

/** POST /api/verify {snapshot?, kinds?, target?, source?}: the DR drill, queued like a failover; it writes nothing to the target. */
export const postVerify = handler((request) => queue(request, 'verify'));

async function queue(request: HttpRequest, mode: 'failover' | 'verify'): Promise<HttpResponseInit> {
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const key = idempotencyKey(request);
  if (!key.ok) return key.response;
  const services = getServices();
  const parsed = await parseFailoverBody(body.body, mode, services.config, services.store, requester(request));
  if (!parsed.ok) return problem(parsed.problem.status, parsed.problem.message);
  const submitted = await submitOperation(
    services,
    getServiceBus().senders,
    { type: mode, request: parsed.request },
    key.key === undefined ? {} : { idempotencyKey: key.key },
  );
  return accepted(request, submitted);
}

app.http('failoverApi', { ...failoverApiOptions, handler: postFailover });
app.http('verifyApi', { ...verifyApiOptions, handler: postVerify });
