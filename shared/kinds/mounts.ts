import { setTimeout as sleep } from 'node:timers/promises';

import { isApiError } from '../databricks/errors.js';
import { workspaceStatus } from './import/helpers.js';
import { idText } from './discovery.js';
import type { ImportContext, ImportResult } from './import/types.js';
import type { Mappings } from '../config/mappings.js';
import type { BackupContext, KindHandler } from './types.js';

interface MountInfo {
  mountPoint: string;
  source?: string;
  encryptionType?: string;
}

/** Python that prints the mounts as JSON; the emulator and real clusters both run it. */
export const LIST_MOUNTS_COMMAND =
  'import json\nprint(json.dumps([{"mountPoint": m.mountPoint, "source": m.source, "encryptionType": m.encryptionType} ' +
  'for m in dbutils.fs.mounts()]))';

/** Read mount sources by running dbutils.fs.mounts() on a running cluster (API 1.2). */
async function mountsFromCluster(ctx: BackupContext, clusterId: string): Promise<MountInfo[]> {
  const { id: contextId } = await ctx.client.post<{ id: string }>(
    '/api/1.2/contexts/create',
    { clusterId, language: 'python' },
    { signal: ctx.signal },
  );
  try {
    const { id: commandId } = await ctx.client.post<{ id: string }>(
      '/api/1.2/commands/execute',
      { clusterId, contextId, language: 'python', command: LIST_MOUNTS_COMMAND },
      { signal: ctx.signal },
    );
    for (let attempt = 0; attempt < 600; attempt++) {
      const status = await ctx.client.get<{ status: string; results?: { resultType?: string; data?: string; summary?: string } }>(
        '/api/1.2/commands/status',
        { clusterId, contextId, commandId },
        { signal: ctx.signal },
      );
      if (status.status === 'Finished' || status.status === 'Error' || status.status === 'Cancelled') {
        if (status.results?.resultType !== 'text')
          throw new Error(`listing mounts failed on cluster ${clusterId}: ${status.results?.summary ?? status.status}`);
        return JSON.parse(status.results.data ?? '[]') as MountInfo[];
      }
      await sleep(Math.min(1000, 100 * (attempt + 1)), undefined, { signal: ctx.signal });
    }
    throw new Error(`listing mounts on cluster ${clusterId} did not finish in time`);
  } finally {
    await ctx.client.post('/api/1.2/contexts/destroy', { clusterId, contextId }, { signal: ctx.signal }).catch(() => undefined);
  }
}

/**
 * DBFS mount points. The REST API shows only their names (under /mnt); their
 * sources are visible to code on a cluster, so with DR_MOUNT_DISCOVERY_CLUSTER_ID
 * the backup reads them there. Mount credentials are never visible: a failover
 * re-creates mounts from a declarative mapping.
 */
export const mounts: KindHandler = {
  kind: 'mounts',
  description: 'DBFS mount points (and their sources when a discovery cluster is configured).',
  naturalKey: 'mount point',
  rateLimits: [
    { family: 'jobs.runs-submit', method: 'POST', pattern: /^\/api\/2\.\d\/jobs\/runs\/submit$/, perSecond: 35 },
    { family: 'jobs.runs-get', method: 'GET', pattern: /^\/api\/2\.\d\/jobs\/runs\/get(-output)?$/, perSecond: 100 },
  ],
  dependsOn: ['secretScopes'],
  references: [],
  async *list(ctx) {
    const points = new Map<string, MountInfo>();
    try {
      const r = await ctx.client.get<{ files?: Array<{ path: string; is_dir: boolean }> }>(
        '/api/2.0/dbfs/list',
        { path: '/mnt' },
        { signal: ctx.signal },
      );
      for (const f of r.files ?? []) if (f.is_dir) points.set(f.path, { mountPoint: f.path });
    } catch (error) {
      if (!isApiError(error, 'not_found')) throw error;
    }
    const cluster = ctx.settings.mountDiscoveryClusterId;
    if (cluster !== undefined) {
      for (const m of await mountsFromCluster(ctx, cluster)) {
        if (m.mountPoint.startsWith('/mnt/')) points.set(m.mountPoint.replace(/\/+$/, ''), m);
      }
    }
    for (const m of [...points.values()].sort((a, b) => a.mountPoint.localeCompare(b.mountPoint))) {
      yield { key: m.mountPoint, sourceId: m.mountPoint, meta: { source: m.source }, data: m };
    }
  },
  async export(_ctx, item) {
    const m = item.data as MountInfo;
    const content = { mountPoint: m.mountPoint, ...(m.source === undefined ? {} : { source: m.source }) };
    if (m.source === undefined) {
      return {
        content,
        uncaptured: {
          reason: 'The mount source is visible only to code on a cluster.',
          action:
            'Set DR_MOUNT_DISCOVERY_CLUSTER_ID to a running cluster to record it, or declare the mount in the failover mount mapping.',
        },
      };
    }
    return {
      content,
      uncaptured: {
        reason: 'Mount credentials (extra_configs) are never readable.',
        action: 'Declare the mount and its credentials (secret references) in the failover mount mapping.',
      },
    };
  },
  /**
   * Mount points are re-created from the declarative mount mapping (sources for the
   * DR region, credentials as secret references) by one job run on a single-node
   * cluster that mounts what is missing. Mount points the snapshot has but the
   * mapping lacks are listed for a person.
   */
  importer: {
    async importAll(ctx, artifacts) {
      const results = new Map<string, ImportResult>();
      const declared = new Map(ctx.mappings.mounts.map((m) => [m.mountPoint, m]));
      for (const a of artifacts) {
        if (declared.has(a.key)) continue;
        const source = typeof a.meta['source'] === 'string' ? ` (source in the primary: ${a.meta['source']})` : '';
        results.set(a.key, {
          action: 'skip',
          note: 'No mount mapping declares this mount point.',
          needsHuman: {
            reason: `Mount point ${a.key}${source} is not in the mount mapping.`,
            action:
              'Add it to the "mounts" failover mapping with its DR-region source and secret-referenced credentials, ' +
              'then run the failover again.',
          },
        });
      }
      if (declared.size === 0) return results;
      const present = new Set<string>();
      try {
        const r = await ctx.client.get<{ files?: Array<{ path: string; is_dir: boolean }> }>(
          '/api/2.0/dbfs/list',
          { path: '/mnt' },
          { signal: ctx.signal },
        );
        for (const f of r.files ?? []) if (f.is_dir) present.add(f.path.replace(/\/+$/, ''));
      } catch (error) {
        if (!isApiError(error, 'not_found')) throw error;
      }
      const missing = [...declared.values()].filter((m) => !present.has(m.mountPoint));
      for (const m of declared.values())
        if (present.has(m.mountPoint)) results.set(m.mountPoint, { action: 'unchanged', targetId: m.mountPoint });
      if (missing.length === 0) {
        // A run stopped during its mount job may have left the mount notebook, or only its
        // folder (killed between mkdirs and the import), behind.
        if (!ctx.dryRun && (await workspaceStatus(ctx, MOUNT_FOLDER)) !== undefined) await removeMountNotebook(ctx);
        return results;
      }
      if (ctx.dryRun) {
        for (const m of missing)
          results.set(m.mountPoint, { action: 'create', targetId: m.mountPoint, note: `Mounted from ${m.source} by a one-time job run.` });
        return results;
      }
      // A mount whose credentials are secrets without a value would only fail on the cluster.
      const ready: typeof missing = [];
      for (const m of missing) {
        const absent = await missingSecrets(ctx, m);
        if (absent.length === 0) {
          ready.push(m);
          continue;
        }
        const list = absent.join(', ');
        results.set(m.mountPoint, {
          action: 'failed',
          note: `The mount's credentials need secret values that the target does not have yet: ${list}.`,
          needsHuman: {
            reason: `Mount ${m.mountPoint} needs the secret value(s) ${list}.`,
            action: 'Put the values (databricks secrets put-secret <scope> <key>), then run the failover again to mount it.',
          },
        });
      }
      if (ready.length === 0) return results;
      let outcome: { ok: true; mounted: string[] } | { ok: false; error: string };
      try {
        outcome = await runMountJob(ctx, ready, ctx.mappings);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        outcome = { ok: false, error: (error as Error).message };
      }
      for (const m of ready) {
        if (outcome.ok && outcome.mounted.includes(m.mountPoint)) results.set(m.mountPoint, { action: 'create', targetId: m.mountPoint });
        else
          results.set(m.mountPoint, {
            action: 'failed',
            note: outcome.ok ? 'The mount job ran but the mount point is not there.' : `The mount job failed: ${outcome.error}`,
          });
      }
      return results;
    },
  },
};

/** The `scope/key` secret references of a mount that have no value in the target. */
async function missingSecrets(ctx: ImportContext, m: Mappings['mounts'][number]): Promise<string[]> {
  const out: string[] = [];
  for (const v of Object.values(m.extraConfigs ?? {})) {
    const ref = SECRET_REF.exec(v);
    if (!ref) continue;
    const [, scope, key] = ref as unknown as [string, string, string];
    const keys = await ctx.memo(`secret-keys:${scope}`, async () => {
      try {
        const r = await ctx.client.get<{ secrets?: Array<{ key: string }> }>('/api/2.0/secrets/list', { scope }, { signal: ctx.signal });
        return new Set((r.secrets ?? []).map((x) => x.key));
      } catch (error) {
        if (isApiError(error, 'not_found')) return new Set<string>();
        throw error;
      }
    });
    if (!keys.has(key)) out.push(`${scope}/${key}`);
  }
  return out;
}

/** Error text from a cluster, without the HTML the notebook output carries. */
function plain(text: string): string {
  return text
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const SECRET_REF = /^\{\{secrets\/([A-Za-z0-9_.@-]+)\/([A-Za-z0-9_.-]+)\}\}$/;

/** Python for one mount; credentials come from secret scopes on the cluster, never from here. */
function mountStatement(m: Mappings['mounts'][number]): string {
  const configs = Object.entries(m.extraConfigs ?? {}).map(([k, v]) => {
    const ref = SECRET_REF.exec(v);
    const value = ref ? `dbutils.secrets.get(scope=${JSON.stringify(ref[1])}, key=${JSON.stringify(ref[2])})` : JSON.stringify(v);
    return `${JSON.stringify(k)}: ${value}`;
  });
  return (
    `dbutils.fs.mount(source=${JSON.stringify(m.source)}, mount_point=${JSON.stringify(m.mountPoint)}, ` +
    `extra_configs={${configs.join(', ')}})`
  );
}

/** Import a notebook that mounts the missing points, run it once on a single-node cluster, and read back the mounts. */
async function runMountJob(
  ctx: ImportContext,
  missing: Mappings['mounts'],
  mappings: Mappings,
): Promise<{ ok: true; mounted: string[] } | { ok: false; error: string }> {
  const path = MOUNT_NOTEBOOK;
  const source = [
    '# Databricks notebook source',
    '# Written by databricks-dr: re-creates DBFS mount points after a failover.',
    'import json',
    ...missing.map(mountStatement),
    'dbutils.notebook.exit(json.dumps([{"mountPoint": m.mountPoint, "source": m.source} for m in dbutils.fs.mounts()]))',
    '',
  ].join('\n');
  await ctx.client.post('/api/2.0/workspace/mkdirs', { path: MOUNT_FOLDER }, { signal: ctx.signal, idempotent: true });
  await ctx.client.post(
    '/api/2.0/workspace/import',
    { path, format: 'SOURCE', language: 'PYTHON', content: Buffer.from(source).toString('base64'), overwrite: true },
    { signal: ctx.signal, idempotent: true },
  );
  try {
    return await submitAndWait(ctx, path, mappings);
  } finally {
    await removeMountNotebook(ctx);
  }
}

/** Leave nothing behind: the mount notebook, then its folder if nothing else is in it. */
async function removeMountNotebook(ctx: ImportContext): Promise<void> {
  for (const path of [MOUNT_NOTEBOOK, MOUNT_FOLDER]) {
    await ctx.client.post('/api/2.0/workspace/delete', { path, recursive: false }, { idempotent: true }).catch(() => undefined);
  }
}

const MOUNT_FOLDER = '/Shared/databricks-dr';
const MOUNT_NOTEBOOK = `${MOUNT_FOLDER}/mount-points`;

async function submitAndWait(
  ctx: ImportContext,
  path: string,
  mappings: Mappings,
): Promise<{ ok: true; mounted: string[] } | { ok: false; error: string }> {
  const { run_id: runId } = await ctx.client.post<{ run_id: number | bigint }>(
    '/api/2.2/jobs/runs/submit',
    {
      run_name: 'databricks-dr: re-create mount points',
      // The same failover run submits the same run at most once, however often it is retried.
      idempotency_token: `dr-mounts-${ctx.runId}`.slice(0, 64),
      tasks: [
        {
          task_key: 'mounts',
          notebook_task: { notebook_path: path },
          new_cluster: {
            spark_version: mappings.mountClusterSparkVersion ?? '15.4.x-scala2.12',
            node_type_id: mappings.mountClusterNodeType ?? 'Standard_DS3_v2',
            num_workers: 0,
            spark_conf: { 'spark.databricks.cluster.profile': 'singleNode', 'spark.master': 'local[*]' },
            custom_tags: { ResourceClass: 'SingleNode' },
          },
        },
      ],
    },
    { signal: ctx.signal, idempotent: true },
  );
  for (let attempt = 0; ; attempt++) {
    const run = await ctx.client.get<{
      state?: { life_cycle_state?: string; result_state?: string; state_message?: string };
      tasks?: Array<{ run_id: number | bigint }>;
    }>('/api/2.2/jobs/runs/get', { run_id: idText(runId) }, { signal: ctx.signal });
    const life = run.state?.life_cycle_state;
    if (life === 'TERMINATED' || life === 'INTERNAL_ERROR' || life === 'SKIPPED') {
      const taskRun = run.tasks?.[0]?.run_id;
      if (taskRun === undefined) return { ok: false, error: run.state?.state_message ?? life };
      const output = await ctx.client.get<{ notebook_output?: { result?: string }; error?: string }>(
        '/api/2.2/jobs/runs/get-output',
        { run_id: idText(taskRun) },
        { signal: ctx.signal },
      );
      if (output.error !== undefined || run.state?.result_state !== 'SUCCESS')
        return { ok: false, error: plain(output.error ?? run.state?.state_message ?? String(run.state?.result_state)) };
      const list = JSON.parse(output.notebook_output?.result ?? '[]') as Array<{ mountPoint: string }>;
      return { ok: true, mounted: list.map((m) => m.mountPoint.replace(/\/+$/, '')) };
    }
    if (attempt > 2400) return { ok: false, error: 'The mount job did not finish within 40 minutes.' };
    await sleep(Math.min(5000, 250 * (attempt + 1)), undefined, { signal: ctx.signal });
  }
}
