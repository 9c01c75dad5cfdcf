import { createOnce, decide, diffFields, differs, doc, isOurs, jsonHash, mapStorageDeep, plannedId, SOURCE_TAG } from './import/helpers.js';
import { remapIds } from './import/remap.js';
import type { ImportContext, TargetObject } from './import/types.js';
import type { ArtifactEntry } from '../snapshot/types.js';
import { clusterSpecRefs, dbfsPath, libraryRefs, secretRefs } from './refs.js';
import { compact, idText, type Lister, tokenPages } from './discovery.js';
import type { KindHandler } from './types.js';

/**
 * Jobs: full settings with every task (2.2 pages tasks, job clusters, environments
 * and parameters 100 at a time), schedules, triggers and run_as.
 */
export const jobs: KindHandler = {
  kind: 'jobs',
  description:
    'Jobs: full settings, every task (beyond 100 too), job clusters, schedules, triggers, run_as; ' +
    'paused in the DR workspace until cutover.',
  naturalKey: 'job id in the source (tagged DatabricksDrSourceId in the target)',
  rateLimits: [{ family: 'jobs.create', method: 'POST', pattern: /^\/api\/2\.\d\/jobs\/create$/, perSecond: 20 }],
  permissions: { type: 'jobs' },
  // What a job's creation needs: the ids it holds (clusters, policies, pools) and the
  // principals it runs as. Notebook and file paths are only resolved when it runs, so
  // jobs are restored while notebooks still are.
  dependsOn: ['clusters', 'clusterPolicies', 'instancePools', 'users', 'servicePrincipals', 'groups', 'secretScopes'],
  references: [
    { path: 'settings.tasks[].existing_cluster_id', kind: 'clusters', by: 'id' },
    { path: 'settings.tasks[].run_job_task.job_id', kind: 'jobs', by: 'id' },
    {
      path: 'settings.tasks[].notebook_task.notebook_path',
      kind: 'notebooks',
      by: 'key',
      normalize: (v) => (v.startsWith('/') ? v.replace(/^\/Workspace(?=\/)/, '') : undefined),
    },
    { path: 'settings.tasks[].spark_python_task.python_file', kind: 'dbfsFiles', by: 'key', normalize: dbfsPath },
    {
      path: 'settings.tasks[].spark_python_task.python_file',
      kind: 'files',
      by: 'key',
      normalize: (v) => (v.startsWith('/') ? v.replace(/^\/Workspace(?=\/)/, '') : undefined),
    },
    ...clusterSpecRefs('settings.tasks[].new_cluster'),
    ...clusterSpecRefs('settings.job_clusters[].new_cluster'),
    ...libraryRefs('settings.tasks[].libraries'),
    { path: 'settings.run_as.user_name', kind: 'users', by: 'key' },
    { path: 'settings.run_as.service_principal_name', kind: 'servicePrincipals', by: 'key' },
    { path: 'settings.run_as.group_name', kind: 'groups', by: 'key' },
  ],
  extraRefs: (content) => secretRefs(content['settings'], 'settings'),
  async *list(ctx) {
    for await (const j of tokenPages(ctx, '/api/2.2/jobs/list', { limit: 100, expand_tasks: true }, 'jobs')) {
      const id = idText(j['job_id']);
      const settings = (j['settings'] ?? {}) as Record<string, unknown>;
      yield {
        key: id,
        sourceId: id,
        meta: { name: settings['name'], bundle: (settings['deployment'] as { kind?: string } | undefined)?.kind },
        data: j,
      };
    }
  },
  async export(ctx, item) {
    const listed = item.data as Record<string, unknown>;
    // A listed job is complete unless it says it has more; then read every page of it.
    let job = listed;
    if (listed['has_more'] === true) {
      job = await ctx.client.get<Record<string, unknown>>('/api/2.2/jobs/get', { job_id: item.sourceId }, { signal: ctx.signal });
      job = { ...job, settings: await completeSettings(ctx, item.sourceId, job) };
    }
    return {
      content: compact({
        settings: job['settings'] as Record<string, unknown>,
        creator_user_name: job['creator_user_name'],
        run_as_user_name: job['run_as_user_name'],
      }),
    };
  },
  /**
   * Created with every id remapped (clusters, other jobs, policies, pools), node
   * types and storage accounts mapped, tagged with the source job id, and with
   * schedules, file-arrival / table triggers and continuous runs PAUSED until
   * cutover (the source's pause states are recorded for it). Jobs that run other
   * jobs come after them. Found again by tag, so a re-run never duplicates a job.
   */
  importer: {
    inventory: (ctx) => jobInventory(ctx),
    waves: (artifacts) => jobWaves(artifacts),
    async import(ctx, artifact, content) {
      const d = doc<{ settings: Record<string, unknown> }>(content);
      const inventory = await ctx.inventory('jobs');
      const origin = tagOf(d.settings);
      const mapped = ctx.idMap.get('jobs', artifact.sourceId);
      const existing =
        inventory.get(artifact.sourceId) ??
        (origin ? (inventory.get(`id:${origin}`) ?? inventory.get(origin)) : undefined) ??
        (mapped ? inventory.get(`id:${mapped}`) : undefined);
      const isOriginal = existing !== undefined && origin !== undefined && existing.id === origin;

      const remapped = remapIds(d, ctx.references('jobs'), (kind, id, field) => ctx.resolve(kind, id, field));
      const settings = mapStorageDeep(remapped.settings, ctx) as Record<string, unknown>;
      for (const cluster of clusterSpecs(settings)) {
        for (const field of ['node_type_id', 'driver_node_type_id']) {
          const v = cluster[field];
          if (typeof v === 'string' && ctx.mappings.nodeTypes[v] !== undefined) cluster[field] = ctx.mappings.nodeTypes[v];
        }
      }
      const pauses: Record<string, string> = {};
      for (const field of ['schedule', 'continuous', 'trigger']) {
        const block = settings[field] as Record<string, unknown> | undefined;
        if (block === undefined) continue;
        pauses[field] = String(block['pause_status'] ?? 'UNPAUSED');
        if (!ctx.cutover) settings[field] = { ...block, pause_status: 'PAUSED' };
      }
      const tags = { ...((settings['tags'] as Record<string, string> | undefined) ?? {}) };
      if (isOriginal) delete tags[SOURCE_TAG];
      else tags[SOURCE_TAG] = origin ?? artifact.sourceId;
      if (Object.keys(tags).length > 0) settings['tags'] = tags;
      else delete settings['tags'];
      const name = String(settings['name'] ?? artifact.key);

      let current: Record<string, unknown> | undefined;
      if (existing) current = comparable(await fullSettings(ctx, existing.id), settings);
      const fields = current ? diffFields(settings, current) : [];
      const token = jsonHash(settings);
      const action = decide(ctx, existing !== undefined, fields.length === 0, isOurs(ctx, 'jobs', artifact.key, current));
      if (Object.keys(pauses).length > 0) ctx.recordPauses(artifact.key, pauses);
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('job', name),
          token,
          ...(action === 'unchanged' ? {} : { note: differs('The job', fields) }),
        };
      }
      if (existing) {
        await ctx.client.post(
          '/api/2.2/jobs/reset',
          { job_id: existing.id, new_settings: settings },
          { signal: ctx.signal, idempotent: true },
        );
        return { action, targetId: existing.id, token, note: differs('The job', fields) };
      }
      const sourceTag = tags[SOURCE_TAG] as string;
      const created = await createOnce(
        ctx,
        () => ctx.client.post<{ job_id: number | bigint }>('/api/2.2/jobs/create', settings, { signal: ctx.signal }),
        async () => {
          const found = (await jobInventory(ctx)).get(sourceTag);
          return found && { job_id: BigInt(found.id) };
        },
      );
      const id = idText(created.job_id);
      inventory.set(artifact.sourceId, { id, data: settings });
      inventory.set(`id:${id}`, { id, data: settings });
      return { action, targetId: id, token };
    },
  },
};

function tagOf(settings: Record<string, unknown>): string | undefined {
  const v = (settings['tags'] as Record<string, unknown> | undefined)?.[SOURCE_TAG];
  return typeof v === 'string' ? v : undefined;
}

/** Every cluster spec of a job's settings (job clusters and task clusters). */
function clusterSpecs(settings: Record<string, unknown>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const list of [settings['tasks'], settings['job_clusters']]) {
    if (!Array.isArray(list)) continue;
    for (const item of list as Array<Record<string, unknown>>) {
      const c = item['new_cluster'];
      if (c !== null && typeof c === 'object') out.push(c as Record<string, unknown>);
    }
  }
  return out;
}

/** The target's jobs, by the source id they are tagged with, and by `id:<job_id>`. */
async function jobInventory(ctx: ImportContext): Promise<Map<string, TargetObject>> {
  const out = new Map<string, TargetObject>();
  for await (const j of tokenPages(ctx, '/api/2.2/jobs/list', { limit: 100 }, 'jobs')) {
    const id = idText(j['job_id']);
    const entry = { id, data: j['settings'] };
    out.set(`id:${id}`, entry);
    const tag = tagOf((j['settings'] ?? {}) as Record<string, unknown>);
    if (tag !== undefined && !out.has(tag)) out.set(tag, entry);
  }
  return out;
}

/** A job's complete settings (2.2 returns arrays 100 elements at a time). */
async function fullSettings(ctx: ImportContext, jobId: string): Promise<Record<string, unknown>> {
  const job = await ctx.client.get<Record<string, unknown>>('/api/2.2/jobs/get', { job_id: jobId }, { signal: ctx.signal });
  return completeSettings(ctx, jobId, job);
}

/** The settings of a job read with jobs/get, with the arrays of its further pages appended. */
async function completeSettings(ctx: Lister, jobId: string, first: Record<string, unknown>): Promise<Record<string, unknown>> {
  const settings = { ...((first['settings'] ?? {}) as Record<string, unknown>) };
  let token = first['next_page_token'] as string | undefined;
  while (token) {
    const page = await ctx.client.get<Record<string, unknown>>(
      '/api/2.2/jobs/get',
      { job_id: jobId, page_token: token },
      { signal: ctx.signal },
    );
    const more = (page['settings'] ?? {}) as Record<string, unknown>;
    for (const name of ['tasks', 'job_clusters', 'environments', 'parameters']) {
      if (Array.isArray(more[name])) settings[name] = [...((settings[name] as unknown[] | undefined) ?? []), ...(more[name] as unknown[])];
    }
    token = page['next_page_token'] as string | undefined;
  }
  return settings;
}

/** The target settings' fields that the wanted settings set (the service fills defaults for the rest). */
function comparable(current: Record<string, unknown>, wanted: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(wanted).map((k) => [k, current[k]]));
}

/**
 * Jobs in waves: a job that runs other jobs (run_job_task) comes after them, so their
 * new ids are known. Jobs in a cycle go in the last wave and fail with the reason.
 */
function jobWaves(artifacts: ArtifactEntry[]): ArtifactEntry[][] {
  const ids = new Set(artifacts.map((a) => a.sourceId));
  const deps = new Map(
    artifacts.map((a) => [
      a.sourceId,
      a.refs.filter((r) => r.kind === 'jobs' && r.by === 'id' && ids.has(r.value) && r.value !== a.sourceId).map((r) => r.value),
    ]),
  );
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return Number.POSITIVE_INFINITY;
    visiting.add(id);
    let d = 0;
    for (const dep of deps.get(id) ?? []) d = Math.max(d, depth(dep) + 1);
    visiting.delete(id);
    level.set(id, d);
    return d;
  };
  const waves: ArtifactEntry[][] = [];
  const cyclic: ArtifactEntry[] = [];
  for (const a of artifacts) {
    const d = depth(a.sourceId);
    if (!Number.isFinite(d)) cyclic.push(a);
    else (waves[d] ??= []).push(a);
  }
  return [...waves.filter((w) => w !== undefined), ...(cyclic.length > 0 ? [cyclic] : [])];
}
