import { app } from '@azure/functions';

import { readRun, readRunReport, RUN_ID } from '../shared/runs/runs.js';
import { handler, json, problem, route } from './_http.js';
import { getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const runsApiOptions = route('runs/{id}', ['GET']);

/** Items of a report listed by default: everything that did something or needs a look; ?items=all for every object. */
const QUIET_ACTIONS = new Set(['unchanged', 'skip']);
const MAX_ITEMS = 2000;

/**
 * GET /api/runs/{id}: the run record (status, progress, counts) and its report. The
 * report lists each object's action and result; objects that were unchanged are left
 * out unless ?items=all, and ?items=none leaves out the list.
 */
export const getRun = handler(async (request) => {
  const id = request.params['id'] ?? '';
  if (!RUN_ID.test(id)) return problem(400, `"${id}" is not a run id (letters, digits, dots, dashes, colons and underscores).`);
  const items = request.query.get('items') ?? 'changed';
  if (!['changed', 'all', 'none'].includes(items))
    return problem(400, `items=${items} is not supported; use changed (the default), all or none.`);
  const { store } = getServices();
  const record = await readRun(store, id);
  if (!record) return problem(404, `There is no run ${id}. Runs are listed in GET /api/status.`);
  const report = (await readRunReport(store, record)) as Record<string, unknown> | undefined;
  let body: Record<string, unknown> | undefined = report;
  if (report && Array.isArray(report['items'])) {
    const all = report['items'] as { action?: string }[];
    const chosen = items === 'all' ? all : items === 'none' ? [] : all.filter((i) => !QUIET_ACTIONS.has(i.action ?? ''));
    body = {
      ...report,
      items: chosen.slice(0, MAX_ITEMS),
      itemsListed: Math.min(chosen.length, MAX_ITEMS),
      itemsTotal: all.length,
      ...(chosen.length > MAX_ITEMS ? { itemsTruncated: true } : {}),
    };
  }
  return json(
    200,
    { run: record, ...(body ? { report: body } : {}) },
    record.status === 'queued' || record.status === 'running' || record.status === 'continuing' ? { 'retry-after': '10' } : {},
  );
});

app.http('runsApi', { ...runsApiOptions, handler: getRun });
