import type { RunRecord } from '../runs/runs.js';
import { formatMinutes, objects, type StatusReport, type WorkspaceHealth } from './status.js';

export interface DashboardOptions {
  /** Appended to links to the JSON API (the function key, when the page was opened with ?code=). */
  query?: string;
  /** How far back the recovery-point chart reaches. @default 48 h */
  windowMs?: number;
}

const STATUS_CLASS: Record<RunRecord['status'], string> = {
  queued: 'info',
  running: 'info',
  continuing: 'info',
  succeeded: 'ok',
  failed: 'bad',
  partial: 'warn',
  rejected: 'bad',
  drift: 'warn',
};

const RUNS_TABLE_HEAD =
  '<table data-testid="runs"><thead><tr><th scope="col">Run</th><th scope="col">Type</th><th scope="col">Result</th>' +
  '<th scope="col">Started</th><th scope="col">Last change</th><th scope="col">Details</th></tr></thead><tbody>';

const SNAPSHOTS_TABLE_HEAD =
  '<table data-testid="snapshots"><thead><tr><th scope="col">Snapshot</th><th scope="col">Taken</th>' +
  '<th scope="col">Manifest size</th></tr></thead><tbody>';

/**
 * The status page: one self-contained HTML document (no scripts, no external assets),
 * rendered on the server from the status report. It shows the recovery point over
 * time, the runs and their results, the last drill's drift and both workspaces.
 */
export function renderDashboard(status: StatusReport, options: DashboardOptions = {}): string {
  const q = options.query ? `?${options.query}` : '';
  const rp = status.recoveryPoint;
  const last = rp.lastSnapshot;
  const badge = { ok: 'All good', warning: 'Needs attention', critical: 'Act now' }[status.overall];
  const asOf = `<time datetime="${esc(status.generatedAt)}">${esc(formatTime(status.generatedAt))}</time>`;
  const findings =
    status.findings.length > 0
      ? '<section aria-labelledby="findings-h"><h2 id="findings-h">What needs a look</h2>' +
        `<ul data-testid="findings">${status.findings.map((f) => `<li>${esc(f)}</li>`).join('')}</ul></section>`
      : '';
  const rpo = `RPO ${esc(formatMinutes(rp.rpoMinutes))}`;
  const kept = `${status.snapshots.length} kept${rp.workspace ? ` for ${esc(rp.workspace)}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>databricks-dr status: ${esc(badge)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>databricks-dr</h1>
  <p class="overall ${status.overall}" data-testid="overall" role="status">${esc(badge)}</p>
  <p class="muted">As of ${asOf}. Refreshes every minute. <a href="status${q}">JSON</a></p>
</header>
${findings}
<section aria-labelledby="rp-h">
  <h2 id="rp-h">Recovery point</h2>
  <div class="cards">
    <div class="card ${last ? (rp.withinRpo ? 'ok' : 'bad') : 'bad'}" data-testid="recovery-point">
      <div class="label">Last good snapshot</div>
      <div class="value">${last ? `${esc(formatMinutes(last.ageMinutes))} ago` : 'none yet'}</div>
      <div class="muted">${last ? `${esc(last.snapshotId)} · ${rpo}` : rpo}</div>
    </div>
    ${status.workspaces.map(workspaceCard).join('\n    ')}
    ${driftCard(status.lastVerify, q)}
  </div>
  ${recoveryChart(status, options.windowMs ?? chartWindow(status))}
</section>
<section aria-labelledby="runs-h">
  <h2 id="runs-h">Runs</h2>
  ${
    status.runs.length === 0
      ? '<p class="muted">No runs yet.</p>'
      : `${RUNS_TABLE_HEAD}
${status.runs.map((r) => runRow(r, q)).join('\n')}
</tbody></table>`
  }
</section>
<section aria-labelledby="snap-h">
  <h2 id="snap-h">Snapshots</h2>
  <p class="muted">${kept}; newest first. <a href="snapshots${q}">JSON</a></p>
  ${
    status.snapshots.length === 0
      ? ''
      : `${SNAPSHOTS_TABLE_HEAD}
${status.snapshots
  .slice(-10)
  .reverse()
  .map(
    (s) =>
      `<tr><td><code>${esc(s.snapshotId)}</code></td><td>${esc(formatTime(s.createdAt))}</td>` +
      `<td>${(s.sizeBytes / 1024).toFixed(1)} KiB</td></tr>`,
  )
  .join('\n')}
</tbody></table>`
  }
</section>
</body>
</html>
`;
}

function workspaceCard(w: WorkspaceHealth): string {
  const cls = w.state === 'ok' ? 'ok' : w.role === 'secondary' ? 'bad' : 'warn';
  const latency = w.latencyMs !== undefined && w.state === 'ok' ? ` <span class="muted">${w.latencyMs} ms</span>` : '';
  return `<div class="card ${cls}" data-testid="workspace-${w.role}">
      <div class="label">${w.role === 'primary' ? 'Primary' : 'DR'} workspace (${esc(w.profile)})</div>
      <div class="value">${esc(w.state)}${latency}</div>
      <div class="muted">${esc(w.host ?? '')}${w.message ? ` · ${esc(w.message)}` : ''}</div>
    </div>`;
}

function driftCard(verify: RunRecord | undefined, q: string): string {
  if (!verify)
    return (
      '<div class="card warn" data-testid="drift"><div class="label">Last drill (verify)</div><div class="value">never run</div>' +
      '<div class="muted">POST /api/verify or "databricks-dr verify"</div></div>'
    );
  const cls =
    verify.status === 'succeeded'
      ? 'ok'
      : verify.status === 'drift' || verify.status === 'partial'
        ? 'warn'
        : verify.status === 'failed'
          ? 'bad'
          : 'info';
  const value = verify.status === 'succeeded' ? 'no drift' : verify.status === 'drift' ? `${objects(verify.drift)} drifted` : verify.status;
  return `<div class="card ${cls}" data-testid="drift">
      <div class="label">Last drill (verify)</div>
      <div class="value">${esc(value)}</div>
      <div class="muted">${esc(formatTime(verify.updatedAt))} · <a href="runs/${encodeURIComponent(verify.runId)}${q}">report</a></div>
    </div>`;
}

function runRow(r: RunRecord, q: string): string {
  const counts = r.counts
    ? Object.entries(r.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')
    : '';
  const progress = r.progress ? `${r.progress.done} of ${r.progress.total} objects` : '';
  const details = [
    r.dryRun ? 'dry run' : '',
    r.target ? `→ ${r.target}` : '',
    counts,
    progress,
    r.error ?? '',
    r.reason ? `“${r.reason}”` : '',
  ]
    .filter((s) => s !== '')
    .join(' · ');
  return (
    `<tr data-run="${esc(r.runId)}"><td><a href="runs/${encodeURIComponent(r.runId)}${q}"><code>${esc(r.runId)}</code></a></td>` +
    `<td>${esc(r.type)}</td><td><span class="pill ${STATUS_CLASS[r.status]}">${esc(r.status)}</span></td>` +
    `<td>${esc(formatTime(r.createdAt))}</td><td>${esc(formatTime(r.updatedAt))}</td><td>${esc(details)}</td></tr>`
  );
}

/** From the oldest snapshot kept to now, between 1 and 48 hours. */
function chartWindow(status: StatusReport): number {
  const oldest = status.snapshots[0];
  const span = oldest ? Date.parse(status.generatedAt) - Date.parse(oldest.createdAt) : 0;
  return Math.min(48 * 3_600_000, Math.max(3_600_000, span * 1.05));
}

/**
 * The recovery point over time, as a sawtooth: at each moment, how old the newest
 * snapshot was (what a failover then would have lost). The dashed line is the RPO.
 */
function recoveryChart(status: StatusReport, windowMs: number): string {
  const end = Date.parse(status.generatedAt);
  const start = end - windowMs;
  const times = status.snapshots.map((s) => Date.parse(s.createdAt)).filter((t) => t <= end);
  const rpoMs = status.recoveryPoint.rpoMinutes * 60_000;
  const W = 720;
  const H = 180;
  const pad = { l: 48, r: 12, t: 10, b: 24 };
  // The age at a moment: time since the newest snapshot before it.
  const points: [number, number][] = [];
  let prev = times.filter((t) => t <= start).pop();
  let cursor = start;
  for (const t of times.filter((x) => x > start)) {
    points.push([cursor, prev === undefined ? NaN : cursor - prev], [t, prev === undefined ? NaN : t - prev], [t, 0]);
    prev = t;
    cursor = t;
  }
  points.push([cursor, prev === undefined ? NaN : cursor - prev], [end, prev === undefined ? NaN : end - prev]);
  const finite = points.filter(([, a]) => Number.isFinite(a)).map(([, a]) => a);
  const maxAge = Math.max(rpoMs * 1.5, ...finite);
  const x = (t: number): number => pad.l + ((t - start) / windowMs) * (W - pad.l - pad.r);
  const y = (a: number): number => H - pad.b - (a / maxAge) * (H - pad.t - pad.b);
  const path = points
    .filter(([, a]) => Number.isFinite(a))
    .map(([t, a], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(a).toFixed(1)}`)
    .join(' ');
  const hours = windowMs / 3_600_000;
  const span = esc(formatMinutes(hours * 60));
  const caption =
    `Recovery point over the last ${span}: how much a failover at each moment would have lost. ` +
    'Dots are snapshots; the dashed line is the RPO.';
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${(pad.l + f * (W - pad.l - pad.r)).toFixed(0)}" y="${H - 6}" text-anchor="middle">` +
      `${f === 1 ? 'now' : `−${esc(formatMinutes(hours * 60 * (1 - f)))}`}</text>`,
  );
  return `<figure data-testid="recovery-chart">
  <svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Age of the newest snapshot over the last ${span}, against the RPO">
    <rect x="${pad.l}" y="${pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" class="plot"/>
    <line x1="${pad.l}" x2="${W - pad.r}" y1="${y(rpoMs).toFixed(1)}" y2="${y(rpoMs).toFixed(1)}" class="rpo"/>
    <text x="${pad.l - 4}" y="${(y(rpoMs) + 4).toFixed(1)}" text-anchor="end">RPO</text>
    <text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end">${esc(formatMinutes(maxAge / 60_000))}</text>
    ${path ? `<path d="${path}" class="age"/>` : `<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no snapshots in this window</text>`}
    ${times
      .filter((t) => t > start)
      .map((t) => `<circle cx="${x(t).toFixed(1)}" cy="${y(0).toFixed(1)}" r="2.5" class="snap"/>`)
      .join('')}
    ${ticks.join('')}
  </svg>
  <figcaption class="muted">${caption}</figcaption>
</figure>`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Everything shown comes from storage or workspaces: escape it all. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS =
  `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da; --muted: #57606a; --line: #d0d7de; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: var(--muted); font-size: 13px; }
.overall { display: inline-block; font-weight: 600; padding: 4px 12px; border-radius: 999px; color: #fff; margin: 4px 0; }
.overall.ok { background: var(--ok); } .overall.warning { background: var(--warn); } .overall.critical { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 10px 12px; }
.card.ok { border-left-color: var(--ok); } .card.warn { border-left-color: var(--warn); } .card.bad { border-left-color: var(--bad); }
.card .label { font-size: 13px; color: var(--muted); } .card .value { font-size: 20px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.pill { padding: 1px 8px; border-radius: 999px; color: #fff; font-size: 12px; font-weight: 600; }
.pill.ok { background: var(--ok); } .pill.warn { background: var(--warn); } ` +
  `.pill.bad { background: var(--bad); } .pill.info { background: var(--info); }
figure { margin: 16px 0 0; } svg text { font-size: 11px; fill: var(--muted); }
.plot { fill: none; stroke: var(--line); } .rpo { stroke: var(--bad); stroke-dasharray: 6 4; }
.age { fill: none; stroke: var(--info); stroke-width: 2; } .snap { fill: var(--ok); }
ul { padding-left: 20px; }
`;
