import { clusterSpecRefs, libraryRefs, secretRefs } from './refs.js';
import { compact } from './discovery.js';
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

/**
 * All-purpose clusters (created from the UI or the API; job, pipeline and SQL
 * clusters are recreated by their owners): the user-specified spec, the libraries
 * installed on them, and whether they were pinned.
 */
export const clusters: KindHandler = {
  kind: 'clusters',
  description: 'All-purpose clusters (UI and API): spec without read-only fields, libraries, pinned state.',
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
    let token: string | undefined;
    do {
      const page = await ctx.client.get<{ clusters?: Array<Record<string, unknown>>; next_page_token?: string }>(
        '/api/2.1/clusters/list',
        { page_size: 100, page_token: token, 'filter_by.cluster_sources': ['UI', 'API'] },
        { signal: ctx.signal },
      );
      for (const c of page.clusters ?? []) {
        const id = String(c['cluster_id']);
        yield {
          key: id,
          sourceId: id,
          meta: { cluster_name: c['cluster_name'], cluster_source: c['cluster_source'], state: c['state'], pinned: c['pinned_by_user_name'] !== undefined },
          data: { libraries: libraries.get(id) ?? [] },
        };
      }
      token = page.next_page_token || undefined;
    } while (token);
  },
  async export(ctx, item) {
    const details = await ctx.client.get<Record<string, unknown>>('/api/2.1/clusters/get', { cluster_id: item.sourceId }, { signal: ctx.signal });
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
};
