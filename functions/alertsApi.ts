import { app } from '@azure/functions';

import { decideAlert, parseCommonAlert } from '../shared/ops/alerts.js';
import { submitOperation } from '../shared/ops/submit.js';
import { REQUEST_SCHEMA, REQUEST_VERSION } from '../shared/failover/message.js';
import { accepted, handler, json, problem, readJsonBody, route } from './_http.js';
import { getServiceBus, getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const alertsApiOptions = route('alerts', ['POST']);

/**
 * POST /api/alerts: an Azure Monitor action group's webhook, in the Common Alert
 * Schema. A Fired alert of a configured rule (DR_ALERT_RULES) queues a failover, or a
 * dry run (DR_ALERT_ACTION), once per alert id: action groups retry, and the same
 * alert again joins the run it queued. Resolved alerts and other rules are
 * acknowledged with 200 and nothing is queued. An invalid payload gets 400.
 */
export const postAlert = handler(async (request, _context, logger) => {
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const parsed = parseCommonAlert(body.body);
  if (!parsed.ok) return problem(400, parsed.problem);
  const services = getServices();
  const { alert } = parsed;
  const decision = decideAlert(services.config.alerts, alert, Date.now());
  if (decision.action === 'ignore') {
    logger.info(decision.message, { alertId: alert.alertId, rule: alert.rule, condition: alert.condition });
    return json(200, { acknowledged: true, queued: false, why: decision.why, message: decision.message });
  }
  const submitted = await submitOperation(
    services,
    getServiceBus().senders,
    {
      type: 'failover',
      request: {
        schema: REQUEST_SCHEMA,
        version: REQUEST_VERSION,
        snapshot: 'latest',
        dryRun: decision.dryRun,
        reason: decision.reason,
        requestedBy: 'azure-monitor',
      },
    },
    { runId: decision.runId, record: { alertId: alert.alertId } },
  );
  logger.warn(
    `${decision.reason}: ${submitted.duplicate ? 'already queued as' : 'queued'} ` +
      `${decision.dryRun ? 'a dry-run ' : ''}failover ${submitted.runId}`,
    { alertId: alert.alertId },
  );
  return accepted(request, submitted);
});

app.http('alertsApi', { ...alertsApiOptions, handler: postAlert });
