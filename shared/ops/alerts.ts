import type { AlertSettings } from '../config/config.js';
import { sha256 } from '../snapshot/store.js';

export const COMMON_ALERT_SCHEMA = 'azureMonitorCommonAlertSchema';

/** The parts of an Azure Monitor alert (Common Alert Schema, essentials) a failover decision needs. */
export interface Alert {
  alertId: string;
  /** Absent for alerts that do not come from an alert rule (cost budget alerts send null). */
  rule?: string;
  severity?: string;
  /** Absent when the payload has none (cost budget alerts send null): nothing fired. */
  condition?: 'Fired' | 'Resolved';
  signalType?: string;
  monitoringService?: string;
  firedAt?: string;
  description?: string;
  targets: string[];
}

export type ParsedAlert = { ok: true; alert: Alert } | { ok: false; problem: string };

/**
 * Read an action group's webhook payload in the Common Alert Schema. Only the
 * essentials are read; the alert context differs with the kind of alert and is not
 * needed to decide. Every problem names what is wrong and what to send instead.
 */
export function parseCommonAlert(body: unknown): ParsedAlert {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, problem: 'The body must be a JSON object in the Azure Monitor Common Alert Schema.' };
  const b = body as Record<string, unknown>;
  if (b['schemaId'] !== COMMON_ALERT_SCHEMA) {
    return {
      ok: false,
      problem:
        `"schemaId" must be "${COMMON_ALERT_SCHEMA}", got ${JSON.stringify(b['schemaId'] ?? null)}. ` +
        'Turn on "Enable the common alert schema" for this receiver in the action group.',
    };
  }
  const data = b['data'];
  const essentials = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['essentials'] : undefined;
  if (typeof essentials !== 'object' || essentials === null)
    return { ok: false, problem: '"data.essentials" is missing; the payload is not a Common Alert Schema alert.' };
  const e = essentials as Record<string, unknown>;
  const problems: string[] = [];
  const text = (name: string, required: boolean): string | undefined => {
    const v = e[name];
    if (v === undefined || v === null || v === '') {
      if (required) problems.push(`"data.essentials.${name}" is missing`);
      return undefined;
    }
    if (typeof v !== 'string') {
      problems.push(`"data.essentials.${name}" must be a string`);
      return undefined;
    }
    return v;
  };
  const alertId = text('alertId', true);
  const rule = text('alertRule', false);
  const condition = text('monitorCondition', false);
  if (condition !== undefined && condition !== 'Fired' && condition !== 'Resolved')
    problems.push(`"data.essentials.monitorCondition" must be "Fired" or "Resolved", got "${condition}"`);
  const fired = text('firedDateTime', false);
  const firedAt = fired === undefined ? undefined : utcTime(fired);
  if (fired !== undefined && firedAt === undefined) problems.push(`"data.essentials.firedDateTime" is not a date ("${fired}")`);
  // The docs' table spells it alertTargetIds, real payloads alertTargetIDs: accept both.
  const rawTargets = e['alertTargetIDs'] ?? e['alertTargetIds'] ?? [];
  const targets = Array.isArray(rawTargets) ? rawTargets.filter((t): t is string => typeof t === 'string') : [];
  if (problems.length > 0 || alertId === undefined) return { ok: false, problem: `The alert is invalid: ${problems.join('; ')}.` };
  const optional = (name: string): string | undefined => text(name, false);
  const severity = optional('severity');
  const signalType = optional('signalType');
  const monitoringService = optional('monitoringService');
  const description = optional('description');
  return {
    ok: true,
    alert: {
      alertId,
      targets,
      ...(rule ? { rule } : {}),
      ...(condition ? { condition: condition as NonNullable<Alert['condition']> } : {}),
      ...(severity ? { severity } : {}),
      ...(signalType ? { signalType } : {}),
      ...(monitoringService ? { monitoringService } : {}),
      ...(firedAt ? { firedAt } : {}),
      ...(description ? { description } : {}),
    },
  };
}

/**
 * An alert time as ISO 8601 in UTC. Azure sends seven fractional digits, and some
 * payloads (Service Health's published sample) leave out the zone: that is UTC too.
 */
function utcTime(text: string): string | undefined {
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export type AlertDecision =
  | { action: 'queue'; dryRun: boolean; runId: string; reason: string }
  | { action: 'ignore'; why: 'resolved' | 'not-fired' | 'rule-not-configured' | 'stale'; message: string };

/**
 * What an alert does under the configured policy. Fired alerts of a configured rule
 * queue a failover (or a dry run), once per alert: the run id comes from the alert
 * id, so the same alert delivered again (action groups retry) is the same run.
 * Resolved alerts, other rules and alerts older than the maximum age are acknowledged
 * and nothing is queued.
 */
export function decideAlert(settings: AlertSettings, alert: Alert, now: number): AlertDecision {
  if (alert.condition === 'Resolved')
    return {
      action: 'ignore',
      why: 'resolved',
      message: `Alert "${alert.rule ?? alert.alertId}" resolved; nothing to do (a failover is never undone automatically).`,
    };
  if (alert.condition !== 'Fired' || alert.rule === undefined) {
    return {
      action: 'ignore',
      why: 'not-fired',
      message:
        `Alert ${alert.alertId} has no monitor condition or alert rule ` +
        `(a ${alert.monitoringService ?? 'non-rule'} notification); acknowledged, nothing queued.`,
    };
  }
  const rule = alert.rule;
  if (!settings.rules.includes('*') && !settings.rules.includes(rule)) {
    return {
      action: 'ignore',
      why: 'rule-not-configured',
      message:
        settings.rules.length === 0
          ? `Alert rule "${rule}" acknowledged; no alert rule is configured to start a failover (DR_ALERT_RULES is empty).`
          : `Alert rule "${rule}" is not one of DR_ALERT_RULES (${settings.rules.join(', ')}); acknowledged, nothing queued.`,
    };
  }
  if (alert.firedAt !== undefined && now - Date.parse(alert.firedAt) > settings.maxAgeMs) {
    return {
      action: 'ignore',
      why: 'stale',
      message:
        `Alert "${rule}" fired at ${alert.firedAt}, more than ${Math.round(settings.maxAgeMs / 60_000)} minutes ago ` +
        '(DR_ALERT_MAX_AGE_MINUTES); acknowledged, nothing queued. Start a failover by hand if it is still needed.',
    };
  }
  return {
    action: 'queue',
    dryRun: settings.action === 'dry-run',
    runId: `alert-${sha256(alert.alertId).slice(0, 24)}`,
    reason:
      `Azure Monitor alert "${rule}"${alert.severity ? ` (${alert.severity})` : ''} ` +
      `fired${alert.firedAt ? ` at ${alert.firedAt}` : ''}`,
  };
}
