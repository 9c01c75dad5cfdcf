import { decideAlert, parseCommonAlert } from '../../shared/ops/alerts.js';
import { esc, renderDashboard } from '../../shared/ops/dashboard.js';
import type { StatusReport } from '../../shared/ops/status.js';
import { formatMinutes } from '../../shared/ops/status.js';
import { canonicalJson } from '../../shared/ops/submit.js';

const settings = { rules: ['outage'], action: 'failover' as const, maxAgeMs: 3_600_000 };
const alert = (over: Record<string, unknown> = {}) => ({
  schemaId: 'azureMonitorCommonAlertSchema',
  data: {
    essentials: {
      alertId: '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1',
      alertRule: 'outage',
      severity: 'Sev1',
      monitorCondition: 'Fired',
      firedDateTime: '2026-11-26T10:00:00Z',
      alertTargetIds: ['/subscriptions/s/x'],
      ...over,
    },
    alertContext: {},
  },
});

describe('alerts', () => {
  test('the essentials are read; alertTargetIds (the docs) and alertTargetIDs (payloads) both count', () => {
    expect(parseCommonAlert(alert())).toEqual({
      ok: true,
      alert: {
        alertId: '/subscriptions/s/providers/Microsoft.AlertsManagement/alerts/a1',
        rule: 'outage',
        severity: 'Sev1',
        condition: 'Fired',
        firedAt: '2026-11-26T10:00:00.000Z',
        targets: ['/subscriptions/s/x'],
      },
    });
    expect(parseCommonAlert(alert({ alertTargetIds: undefined, alertTargetIDs: ['/y'] }))).toMatchObject({
      ok: true,
      alert: { targets: ['/y'] },
    });
  });

  test('bad payloads name the field', () => {
    expect(parseCommonAlert('x')).toEqual({
      ok: false,
      problem: 'The body must be a JSON object in the Azure Monitor Common Alert Schema.',
    });
    expect(parseCommonAlert({ schemaId: 'azureMonitorCommonAlertSchema' })).toEqual({
      ok: false,
      problem: '"data.essentials" is missing; the payload is not a Common Alert Schema alert.',
    });
    expect(parseCommonAlert(alert({ alertRule: 7, firedDateTime: 'yesterday' }))).toEqual({
      ok: false,
      problem:
        'The alert is invalid: "data.essentials.alertRule" must be a string; "data.essentials.firedDateTime" is not a date ("yesterday").',
    });
    expect(parseCommonAlert(alert({ alertId: null }))).toEqual({
      ok: false,
      problem: 'The alert is invalid: "data.essentials.alertId" is missing.',
    });
  });

  test('policy: configured Fired alerts queue, once per alert id; the rest is acknowledged', () => {
    const now = Date.parse('2026-11-26T10:05:00Z');
    const a = (over: Record<string, unknown> = {}) =>
      (parseCommonAlert(alert(over)) as { ok: true; alert: Parameters<typeof decideAlert>[1] }).alert;
    const queued = decideAlert(settings, a(), now);
    expect(queued).toEqual({
      action: 'queue',
      dryRun: false,
      runId: expect.stringMatching(/^alert-[0-9a-f]{24}$/),
      reason: 'Azure Monitor alert "outage" (Sev1) fired at 2026-11-26T10:00:00.000Z',
    });
    // Same alert id, same run id, whatever else differs (a redelivery); another id, another run.
    expect(decideAlert(settings, a({ severity: 'Sev0' }), now)).toMatchObject({ runId: (queued as { runId: string }).runId });
    expect(decideAlert(settings, a({ alertId: '/other' }), now)).not.toMatchObject({ runId: (queued as { runId: string }).runId });
    expect(decideAlert({ ...settings, action: 'dry-run' }, a(), now)).toMatchObject({ action: 'queue', dryRun: true });
    expect(decideAlert(settings, a({ monitorCondition: 'Resolved' }), now)).toMatchObject({ action: 'ignore', why: 'resolved' });
    expect(decideAlert(settings, a({ alertRule: 'cpu-high' }), now)).toMatchObject({ action: 'ignore', why: 'rule-not-configured' });
    expect(decideAlert({ ...settings, rules: ['*'] }, a({ alertRule: 'cpu-high' }), now)).toMatchObject({ action: 'queue' });
    expect(decideAlert({ ...settings, rules: [] }, a(), now)).toMatchObject({
      action: 'ignore',
      message: expect.stringContaining('DR_ALERT_RULES is empty'),
    });
    expect(decideAlert(settings, a(), now + 2 * 3_600_000)).toMatchObject({ action: 'ignore', why: 'stale' });
    expect(decideAlert({ ...settings, rules: ['*'] }, a({ monitorCondition: null, alertRule: null }), now)).toMatchObject({
      action: 'ignore',
      why: 'not-fired',
    });
  });
});

test('canonical JSON ignores key order and undefined fields, not values', () => {
  expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, w: 'z' }] })).toBe('{"a":[{"w":"z","y":2}],"b":1}');
  expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
});

test('minutes read like a person would say them', () => {
  expect([0.5, 14.6, 119, 150, 72 * 60].map(formatMinutes)).toEqual(['30 s', '15 min', '119 min', '2.5 h', '3.0 days']);
});

describe('status page', () => {
  const status: StatusReport = {
    schema: 'databricks-dr/status',
    generatedAt: '2026-11-26T12:00:00.000Z',
    overall: 'critical',
    findings: ['The last good snapshot is 2.0 h old, beyond the 30 min RPO.'],
    recoveryPoint: {
      workspace: 'adb-1.azuredatabricks.net',
      rpoMinutes: 30,
      lastSnapshot: { snapshotId: '20261126T100000.000Z-aaaa', createdAt: '2026-11-26T10:00:00.000Z', ageMinutes: 120 },
      withinRpo: false,
    },
    snapshots: ['08', '09', '10'].map((h) => ({
      snapshotId: `20261126T${h}0000.000Z-aaaa`,
      createdAt: `2026-11-26T${h}:00:00.000Z`,
      sizeBytes: 2048,
    })),
    runs: [
      {
        schema: 'databricks-dr/run',
        runId: 'fo-1.1',
        type: 'failover',
        status: 'failed',
        part: 1,
        createdAt: '2026-11-26T11:00:00Z',
        updatedAt: '2026-11-26T11:01:00Z',
        reason: '<script>alert(1)</script>',
        error: 'x & y',
      },
    ],
    workspaces: [
      { role: 'primary', profile: 'primary', host: 'https://adb-1.azuredatabricks.net', state: 'unreachable', message: 'Cannot reach' },
    ],
  };

  test('everything from storage is escaped; links keep the function key', () => {
    const html = renderDashboard(status, { query: 'code=k%2B1' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('“&lt;script&gt;alert(1)&lt;/script&gt;”');
    expect(html).toContain('x &amp; y');
    expect(html).toContain('href="runs/fo-1.1?code=k%2B1"');
    expect(html).toContain('<title>databricks-dr status: Act now</title>');
    expect(esc(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });

  test('the chart is a sawtooth: the age grows until each snapshot, then drops to zero', () => {
    // From 07:00 to 12:00: nothing is known before the first snapshot at 08:00.
    const html = renderDashboard(status, { windowMs: 5 * 3_600_000 });
    const path = /<path d="([^"]+)" class="age"/.exec(html)?.[1] ?? '';
    const points = path.split(' ').map((p) => p.slice(1).split(',').map(Number));
    const ys = points.map(([, y]) => y as number);
    const bottom = Math.max(...ys);
    // Three drops to zero age (one per snapshot in the window), and a rise to now.
    expect(ys.filter((y) => y === bottom).length).toBeGreaterThanOrEqual(3);
    expect(ys[ys.length - 1]).toBeLessThan(bottom);
    expect((html.match(/class="snap"/g) ?? []).length).toBe(3);
  });
});
