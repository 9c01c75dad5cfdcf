import { isApiError } from '../databricks/errors.js';
import { isDrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import { listRunIds, readRuns, type RunRecord } from '../runs/runs.js';
import type { Services } from '../runs/services.js';
import { workspaceKey } from '../snapshot/names.js';

export interface WorkspaceHealth {
  role: 'primary' | 'secondary';
  profile: string;
  host?: string;
  state: 'ok' | 'unreachable' | 'unauthorized' | 'error' | 'not-configured';
  latencyMs?: number;
  message?: string;
}

export interface StatusReport {
  schema: 'databricks-dr/status';
  generatedAt: string;
  /** ok: everything as it should be; warning: look soon; critical: act now. */
  overall: 'ok' | 'warning' | 'critical';
  /** Why overall is not ok, one line each, most serious first. */
  findings: string[];
  recoveryPoint: {
    workspace?: string;
    rpoMinutes: number;
    lastSnapshot?: { snapshotId: string; createdAt: string; ageMinutes: number };
    withinRpo: boolean;
  };
  /** The source's snapshots, oldest first (the recovery point over time). */
  snapshots: { snapshotId: string; createdAt: string; sizeBytes: number }[];
  runs: RunRecord[];
  /** The newest verify run (the DR drill): how far the DR workspace is from a snapshot. */
  lastVerify?: RunRecord;
  workspaces: WorkspaceHealth[];
}

const PROBE_TIMEOUT_MS = 5_000;

/**
 * What an operator needs to know at a glance: the age of the last good snapshot
 * against the RPO, the latest runs and drill, and whether both workspaces answer.
 * The workspace checks are one cheap read each, with a short timeout and no retries.
 */
export async function getStatus(
  services: Services,
  options: { now?: () => number; runs?: number; probe?: boolean } = {},
): Promise<StatusReport> {
  const { config, store } = services;
  const now = options.now ?? Date.now;
  const sourceName = config.backup.source;
  const source = config.profiles.get(sourceName);
  const key = source ? workspaceKey(source.host) : undefined;

  // One listing of the run records: the newest ones, and the newest drill among all.
  const runsAndDrill = listRunIds(store).then(async (ids) => {
    const newest = ids.slice(0, options.runs ?? 20).map((r) => r.runId);
    const drill = ids.find((r) => r.runId.startsWith('vf-'))?.runId;
    const records = await readRuns(store, drill && !newest.includes(drill) ? [...newest, drill] : newest);
    return { runs: records.filter((r) => newest.includes(r.runId)), lastVerify: records.find((r) => r.runId === drill) };
  });
  const [snapshots, { runs, lastVerify }, workspaces] = await Promise.all([
    key ? store.listSnapshots(key) : Promise.resolve([]),
    runsAndDrill,
    options.probe === false
      ? Promise.resolve([] as WorkspaceHealth[])
      : Promise.all([probe(services, 'primary', sourceName), probe(services, 'secondary', config.failover.target)]),
  ]);

  const last = snapshots[snapshots.length - 1];
  const ageMinutes = last ? (now() - last.createdAt.getTime()) / 60_000 : undefined;
  const rpoMinutes = config.rpoMs / 60_000;
  const withinRpo = ageMinutes !== undefined && ageMinutes <= rpoMinutes;

  const critical: string[] = [];
  const warnings: string[] = [];
  if (!last) critical.push(`There is no snapshot of "${sourceName}" yet: nothing could be recovered. Check the backup timer's runs.`);
  else if (!withinRpo)
    critical.push(
      `The last good snapshot is ${formatMinutes(ageMinutes ?? 0)} old, beyond the ${formatMinutes(rpoMinutes)} RPO. ` +
        "Check the backup timer's recent runs.",
    );
  for (const w of workspaces) {
    if (w.state === 'ok') continue;
    const line = `The ${w.role} workspace ("${w.profile}") is ${w.state}${w.message ? `: ${w.message}` : ''}.`;
    if (w.role === 'secondary') critical.push(`${line} A failover could not run now.`);
    else warnings.push(line);
  }
  const failedRuns = runs.filter((r) => r.status === 'failed' || r.status === 'rejected');
  if (failedRuns.length > 0)
    warnings.push(`${failedRuns.length} of the last ${runs.length} runs failed or were rejected (newest: ${failedRuns[0]?.runId}).`);
  if (!lastVerify) warnings.push('No DR drill (verify) has run yet: nobody knows whether a failover would work. Run one.');
  else if (lastVerify.status === 'drift')
    warnings.push(
      `The last drill (${lastVerify.runId}) found ${objects(lastVerify.drift)} in the DR workspace ` +
        `that differ${lastVerify.drift === 1 ? 's' : ''} from the snapshot.`,
    );
  else if (lastVerify.status === 'failed')
    warnings.push(`The last drill (${lastVerify.runId}) failed: ${lastVerify.error ?? 'see its report'}.`);

  return {
    schema: 'databricks-dr/status',
    generatedAt: new Date(now()).toISOString(),
    overall: critical.length > 0 ? 'critical' : warnings.length > 0 ? 'warning' : 'ok',
    findings: [...critical, ...warnings],
    recoveryPoint: {
      ...(key ? { workspace: key } : {}),
      rpoMinutes,
      ...(last && ageMinutes !== undefined
        ? {
            lastSnapshot: {
              snapshotId: last.snapshotId,
              createdAt: last.createdAt.toISOString(),
              ageMinutes: Math.round(ageMinutes * 10) / 10,
            },
          }
        : {}),
      withinRpo,
    },
    snapshots: snapshots.map((s) => ({ snapshotId: s.snapshotId, createdAt: s.createdAt.toISOString(), sizeBytes: s.sizeBytes })),
    runs,
    ...(lastVerify ? { lastVerify } : {}),
    workspaces,
  };
}

async function probe(services: Services, role: WorkspaceHealth['role'], profile: string): Promise<WorkspaceHealth> {
  const p = services.config.profiles.get(profile);
  if (!p)
    return {
      role,
      profile,
      state: 'not-configured',
      message: `Profile "${profile}" is not configured (DR_WORKSPACE_${profile.toUpperCase()}_HOST).`,
    };
  const started = Date.now();
  let client;
  try {
    client = services.client(profile, { requestTimeoutMs: PROBE_TIMEOUT_MS, retry: { maxAttempts: 1 } });
    await client.request('GET', '/api/2.0/workspace/get-status', { query: { path: '/' } });
    return { role, profile, host: p.host, state: 'ok', latencyMs: Date.now() - started };
  } catch (error) {
    const message = redact((error as Error).message);
    const state: WorkspaceHealth['state'] =
      isApiError(error, 'unauthenticated') || isApiError(error, 'permission_denied')
        ? 'unauthorized'
        : isApiError(error)
          ? 'error'
          : isDrError(error) && error.code !== 'WORKSPACE_UNREACHABLE'
            ? 'error'
            : 'unreachable';
    return { role, profile, host: p.host, state, latencyMs: Date.now() - started, message };
  } finally {
    client?.close();
  }
}

/** "1 object", "3 objects", "? objects". */
export function objects(n: number | undefined): string {
  return n === 1 ? '1 object' : `${n ?? '?'} objects`;
}

export function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}
