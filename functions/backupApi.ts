import { app } from '@azure/functions';

import { parseBackupBody } from '../shared/ops/requests.js';
import { submitOperation } from '../shared/ops/submit.js';
import { accepted, handler, idempotencyKey, problem, readJsonBody, requester, route } from './_http.js';
import { getServiceBus, getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const backupApiOptions = route('backup', ['POST']);

/**
 * POST /api/backup {source?, reason?}: an on-demand backup, queued on the backup queue
 * and run by the backup queue function. While one is queued or running, the same
 * request joins it. Answers 202 with the run id and its status URL.
 */
export const postBackup = handler(async (request) => {
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const key = idempotencyKey(request);
  if (!key.ok) return key.response;
  const services = getServices();
  const parsed = parseBackupBody(body.body, services.config, requester(request));
  if (!parsed.ok) return problem(parsed.problem.status, parsed.problem.message);
  const submitted = await submitOperation(
    services,
    getServiceBus().senders,
    { type: 'backup', request: parsed.request },
    key.key === undefined ? {} : { idempotencyKey: key.key },
  );
  return accepted(request, submitted);
});

app.http('backupApi', { ...backupApiOptions, handler: postBackup });
