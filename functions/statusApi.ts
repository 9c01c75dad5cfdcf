import { app } from '@azure/functions';

import { getStatus } from '../shared/ops/status.js';
import { handler, json, route } from './_http.js';
import { getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const statusApiOptions = route('status', ['GET']);

/**
 * GET /api/status: the age of the last good snapshot against the RPO, the latest runs
 * and drill, and the health of both workspaces, with an overall ok / warning /
 * critical and what to look at. ?probe=false skips the workspace checks.
 */
export const getStatusApi = handler(async (request) => {
  const status = await getStatus(getServices(), { probe: request.query.get('probe') !== 'false' });
  return json(200, status, { 'cache-control': 'no-store' });
});

app.http('statusApi', { ...statusApiOptions, handler: getStatusApi });
