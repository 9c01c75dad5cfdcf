import {
  createOnce,
  decide,
  diffFields,
  differs,
  doc,
  isOurs,
  jsonHash,
  mapStorageDeep,
  plannedId,
  SOURCE_TAG,
  targetClusterSpec,
} from './import/helpers.js';
import type { ImportContext, TargetObject } from './import/types.js';
import { clusterSpecRefs, libraryRefs, secretRefs } from './refs.js';
import { compact, tokenPages } from './discovery.js';
import type { KindHandler } from './types.js';

/** Fields clusters/get returns that a create request must not carry. */
export const CLUSTER_READ_ONLY = [
  'cluster_id',
  'state',
  'state_message',
  'start_time',
  'terminated_time',
  'last_restarted_time',
  'last_state_loss_time',
  'last_activity_time',
  'termination_reason',
  'creator_user_name',
  'default_tags',
  'cluster_source',
  'spark_context_id',
  'driver',
  'executors',
  'jdbc_port',
  'cluster_memory_mb',
  'cluster_cores',
  'cluster_log_status',
  'spec',
  'pinned_by_user_name',
  'init_scripts_safe_mode',
  'disk_spec',
  'driver_healthy',
];

interface LibraryStatus {
  library: Record<string, unknown>;
  status: string;
  is_library_for_all_clusters?: boolean;
}

/** The clusters listed: all-purpose ones (from the UI or the API), 100 a page. */
const ALL_PURPOSE = { page_size: 100, 'filter_by.cluster_sources': ['UI', 'API'] };

/**
 * All-purpose clusters (created from the UI or the API; job, pipeline and SQL
 * clusters are recreated by their owners): the user-specified spec, the libraries
 * installed on them, and whether they were pinned.
 */
export const clusters: KindHandler = {
  kind: 'clusters',
  description: 'All-purpose clusters (UI and API): the user-specified spec, libraries, pinned state; terminated at once after a failover.',
  naturalKey: 'cluster id in the source (tagged DatabricksDrSourceId in the target)',
  permissions: { type: 'clusters' },
  dependsOn: ['clusterPolicies', 'instancePools', 'dbfsFiles', 'files', 'users', 'secretScopes'],
  references: [...clusterSpecRefs('spec'), ...libraryRefs('libraries')],
  extraRefs: (content) => secretRefs(content['spec'], 'spec'),
  async *list(ctx) {
    const statuses = await ctx.client.get<{ statuses?: Array<{ cluster_id: string; library_statuses?: LibraryStatus[] }> }>(
      '/api/2.0/libraries/all-cluster-statuses',
      undefined,
      { signal: ctx.signal },
    );
    const libraries = new Map((statuses.statuses ?? []).map((s) => [s.cluster_id, s.library_statuses ?? []]));
    for await (const c of tokenPages(ctx, '/api/2.1/clusters/list', ALL_PURPOSE, 'clusters')) {
      const id = String(c['cluster_id']);
      yield {
        key: id,
        sourceId: id,
        meta: {
          cluster_name: c['cluster_name'],
          cluster_source: c['cluster_source'],
          state: c['state'],
          pinned: c['pinned_by_user_name'] !== undefined,
        },
        data: { libraries: libraries.get(id) ?? [] },
      };
    }
  },
  async export(ctx, item) {
    const details = await ctx.client.get<Record<string, unknown>>(
      '/api/2.1/clusters/get',
      { cluster_id: item.sourceId },
      { signal: ctx.signal },
    );
    // `spec` is what the user asked for; older workspaces lack it, so fall back to
    // the details without the fields the service computed.
    let spec = details['spec'] as Record<string, unknown> | undefined;
    if (spec === undefined) {
      spec = { ...details };
      for (const k of CLUSTER_READ_ONLY) delete spec[k];
    }
    const libs = ((item.data as { libraries: LibraryStatus[] }).libraries ?? [])
      .filter((l) => !l.is_library_for_all_clusters && l.status !== 'UNINSTALL_ON_RESTART')
      .map((l) => l.library);
    return {
      content: compact({
        cluster_name: details['cluster_name'],
        spec,
        libraries: libs.length > 0 ? libs : undefined,
        pinned: details['pinned_by_user_name'] !== undefined ? true : undefined,
        creator_user_name: details['creator_user_name'],
        cluster_source: details['cluster_source'],
      }),
      meta: { state: details['state'] },
    };
  },
  /**
   * Created from the spec with every id remapped and node types / storage accounts
   * mapped, tagged with the source cluster id, terminated at once (a DR copy must not
   * run up a bill), pinned again if it was, and given its libraries. A re-run finds
   * the cluster by its tag, so a create whose answer was lost is never repeated; a
   * failback finds the original by the tag its copy carries.
   */
  importer: {
    inventory: (ctx) => clusterInventory(ctx),
    async import(ctx, artifact, content) {
      const d = doc<{ cluster_name?: string; spec: Record<string, unknown>; libraries?: Array<Record<string, unknown>>; pinned?: boolean }>(
        content,
      );
      const inventory = await ctx.inventory('clusters');
      const origin = tagOf(d.spec);
      const mapped = ctx.idMap.get('clusters', artifact.sourceId);
      const existing =
        inventory.get(artifact.sourceId) ??
        (origin ? (inventory.get(`id:${origin}`) ?? inventory.get(origin)) : undefined) ??
        (mapped ? inventory.get(`id:${mapped}`) : undefined);
      const isOriginal = existing !== undefined && origin !== undefined && existing.id === origin;
      const spec = { ...d.spec };
      for (const k of CLUSTER_READ_ONLY) delete spec[k];
      const body = targetClusterSpec(ctx, spec, clusterSpecRefs(''), 'spec');
      const tags = { ...((body['custom_tags'] as Record<string, string> | undefined) ?? {}) };
      if (isOriginal) delete tags[SOURCE_TAG];
      else tags[SOURCE_TAG] = origin ?? artifact.sourceId;
      if (Object.keys(tags).length > 0) body['custom_tags'] = tags;
      else delete body['custom_tags'];
      const libraries = (mapStorageDeep(d.libraries ?? [], ctx) as Array<Record<string, unknown>>).map((l) => JSON.stringify(l));
      const name = d.cluster_name ?? String(spec['cluster_name'] ?? artifact.key);

      let fields: string[] = [];
      let currentLibraries: string[] = [];
      let pinned = false;
      let currentSpec: Record<string, unknown> | undefined;
      if (existing) {
        const details = await ctx.client.get<Record<string, unknown>>(
          '/api/2.1/clusters/get',
          { cluster_id: existing.id },
          { signal: ctx.signal },
        );
        currentSpec = (details['spec'] as Record<string, unknown> | undefined) ?? details;
        fields = diffFields(body, comparableSpec(currentSpec, body));
        pinned = details['pinned_by_user_name'] !== undefined;
        const status = await ctx.client.get<{ library_statuses?: Array<{ library: Record<string, unknown>; status: string }> }>(
          '/api/2.0/libraries/cluster-status',
          { cluster_id: existing.id },
          { signal: ctx.signal },
        );
        currentLibraries = (status.library_statuses ?? [])
          .filter((l) => l.status !== 'UNINSTALL_ON_RESTART')
          .map((l) => JSON.stringify(l.library));
      }
      const toInstall = libraries.filter((l) => !currentLibraries.includes(l));
      const toUninstall = currentLibraries.filter((l) => !libraries.includes(l));
      if (toInstall.length + toUninstall.length > 0) fields.push('libraries');
      if (existing && (d.pinned === true) !== pinned) fields.push('pinned');
      const token = jsonHash(body);
      const ours = isOurs(ctx, 'clusters', artifact.key, currentSpec && comparableSpec(currentSpec, body));
      const action = decide(ctx, existing !== undefined, fields.length === 0, ours);
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('cluster', name),
          token,
          ...(action === 'unchanged' ? {} : { note: differs('The cluster', fields) }),
        };
      }
      let id = existing?.id;
      if (id === undefined) {
        const sourceTag = tags[SOURCE_TAG] as string;
        const created = await createOnce(
          ctx,
          () => ctx.client.post<{ cluster_id: string }>('/api/2.1/clusters/create', body, { signal: ctx.signal }),
          async () => {
            const found = (await clusterInventory(ctx)).get(sourceTag);
            return found && { cluster_id: found.id };
          },
        );
        id = created.cluster_id;
        inventory.set(artifact.sourceId, { id, data: body });
        inventory.set(`id:${id}`, { id, data: body });
        // Creating a cluster starts it; the copy waits, terminated, until someone needs it.
        await ctx.client.post('/api/2.1/clusters/delete', { cluster_id: id }, { signal: ctx.signal, idempotent: true });
      } else if (fields.some((f) => f !== 'libraries' && f !== 'pinned')) {
        await ctx.client.post('/api/2.1/clusters/edit', { ...body, cluster_id: id }, { signal: ctx.signal, idempotent: true });
      }
      if (d.pinned === true && !pinned)
        await ctx.client.post('/api/2.1/clusters/pin', { cluster_id: id }, { signal: ctx.signal, idempotent: true });
      if (d.pinned !== true && pinned)
        await ctx.client.post('/api/2.1/clusters/unpin', { cluster_id: id }, { signal: ctx.signal, idempotent: true });
      if (toInstall.length > 0) {
        await ctx.client.post(
          '/api/2.0/libraries/install',
          { cluster_id: id, libraries: toInstall.map((l) => JSON.parse(l) as unknown) },
          { signal: ctx.signal, idempotent: true },
        );
      }
      if (toUninstall.length > 0) {
        await ctx.client.post(
          '/api/2.0/libraries/uninstall',
          { cluster_id: id, libraries: toUninstall.map((l) => JSON.parse(l) as unknown) },
          { signal: ctx.signal, idempotent: true },
        );
      }
      return { action, targetId: id, token, ...(existing ? { note: differs('The cluster', fields) } : {}) };
    },
  },
};

function tagOf(spec: Record<string, unknown>): string | undefined {
  const v = (spec['custom_tags'] as Record<string, unknown> | undefined)?.[SOURCE_TAG];
  return typeof v === 'string' ? v : undefined;
}

/** The target's all-purpose clusters, by the source id they are tagged with, and by `id:<cluster_id>`. */
async function clusterInventory(ctx: ImportContext): Promise<Map<string, TargetObject>> {
  const out = new Map<string, TargetObject>();
  for await (const c of tokenPages(ctx, '/api/2.1/clusters/list', ALL_PURPOSE, 'clusters')) {
    const id = String(c['cluster_id']);
    const entry = { id, data: c };
    out.set(`id:${id}`, entry);
    const tag = tagOf(c);
    if (tag !== undefined && !out.has(tag)) out.set(tag, entry);
  }
  return out;
}

/** The target spec's fields that the wanted spec sets, plus any it has that the wanted one lacks. */
function comparableSpec(current: Record<string, unknown>, wanted: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(current)) if (!CLUSTER_READ_ONLY.includes(k) && v !== undefined) out[k] = v;
  for (const k of Object.keys(wanted)) if (!(k in out)) out[k] = undefined;
  return out;
}
