import type { Ref } from '../snapshot/types.js';
import { clusterSpecRefs, dbfsPath, libraryRefs, secretRefs } from './refs.js';
import { compact, idText } from './discovery.js';
import type { KindHandler } from './types.js';

interface Policy {
  policy_id: string;
  name: string;
  definition?: string;
  description?: string;
  policy_family_id?: string;
  policy_family_definition_overrides?: string;
  max_clusters_per_user?: number;
  libraries?: unknown[];
  is_default?: boolean;
}

/** Ids a policy definition (a JSON string) fixes: pools and DBFS init scripts. */
function policyDefinitionRefs(definition: unknown, field: string): Ref[] {
  if (typeof definition !== 'string' || definition === '') return [];
  let rules: Record<string, { value?: unknown; values?: unknown[]; defaultValue?: unknown }>;
  try {
    rules = JSON.parse(definition) as typeof rules;
  } catch {
    return [];
  }
  const refs: Ref[] = [];
  for (const [attribute, rule] of Object.entries(rules)) {
    const candidates = [rule.value, rule.defaultValue, ...(Array.isArray(rule.values) ? rule.values : [])].filter((v): v is string => typeof v === 'string');
    for (const v of candidates) {
      if (attribute === 'instance_pool_id' || attribute === 'driver_instance_pool_id') {
        refs.push({ kind: 'instancePools', value: v, by: 'id', field: `${field}:${attribute}` });
      } else if (/^init_scripts\.\d+\.dbfs\.destination$/.test(attribute) && dbfsPath(v)) {
        refs.push({ kind: 'dbfsFiles', value: dbfsPath(v) as string, by: 'key', field: `${field}:${attribute}` });
      }
    }
  }
  return refs;
}

/** Cluster policies, custom ones and the defaults every workspace has (with their overrides). */
export const clusterPolicies: KindHandler = {
  kind: 'clusterPolicies',
  description: 'Cluster policies, including overrides of the default policies.',
  dependsOn: ['instancePools'],
  references: [],
  extraRefs: (content) => [
    ...policyDefinitionRefs(content['definition'], 'definition'),
    ...policyDefinitionRefs(content['policy_family_definition_overrides'], 'policy_family_definition_overrides'),
  ],
  async *list(ctx) {
    const r = await ctx.client.get<{ policies?: Policy[] }>('/api/2.0/policies/clusters/list', undefined, { signal: ctx.signal });
    for (const p of r.policies ?? []) {
      yield { key: p.name, sourceId: p.policy_id, meta: { name: p.name, policy_id: p.policy_id, is_default: p.is_default === true }, data: p };
    }
  },
  async export(_ctx, item) {
    const p = item.data as Policy;
    return {
      content: compact({
        name: p.name,
        // A family policy's definition is derived from its family; only the overrides are the user's.
        definition: p.policy_family_id === undefined ? p.definition : undefined,
        description: p.description,
        policy_family_id: p.policy_family_id,
        policy_family_definition_overrides: p.policy_family_definition_overrides,
        max_clusters_per_user: p.max_clusters_per_user,
        libraries: p.libraries,
        is_default: p.is_default === true ? true : undefined,
      }),
    };
  },
};

const POOL_READ_ONLY = ['instance_pool_id', 'default_tags', 'state', 'stats', 'status'];

/** Instance pools (their writable spec). */
export const instancePools: KindHandler = {
  kind: 'instancePools',
  description: 'Instance pools (the writable spec; node types can be mapped for the DR region).',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, { signal: ctx.signal });
    for (const p of r.instance_pools ?? []) {
      yield { key: String(p['instance_pool_name']), sourceId: String(p['instance_pool_id']), meta: { name: p['instance_pool_name'], node_type_id: p['node_type_id'] }, data: p };
    }
  },
  async export(_ctx, item) {
    const spec = { ...(item.data as Record<string, unknown>) };
    for (const k of POOL_READ_ONLY) delete spec[k];
    return { content: spec };
  },
};

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

/**
 * Jobs: full settings with every task (2.2 pages tasks, job clusters, environments
 * and parameters 100 at a time), schedules, triggers and run_as.
 */
export const jobs: KindHandler = {
  kind: 'jobs',
  description: 'Jobs: every task, job clusters, schedules, triggers, continuous settings, run_as.',
  dependsOn: ['clusters', 'notebooks', 'files', 'dbfsFiles', 'clusterPolicies', 'instancePools', 'users', 'servicePrincipals', 'groups', 'secretScopes'],
  references: [
    { path: 'settings.tasks[].existing_cluster_id', kind: 'clusters', by: 'id' },
    { path: 'settings.tasks[].run_job_task.job_id', kind: 'jobs', by: 'id' },
    { path: 'settings.tasks[].notebook_task.notebook_path', kind: 'notebooks', by: 'key', normalize: (v) => (v.startsWith('/') ? v.replace(/^\/Workspace(?=\/)/, '') : undefined) },
    { path: 'settings.tasks[].spark_python_task.python_file', kind: 'dbfsFiles', by: 'key', normalize: dbfsPath },
    { path: 'settings.tasks[].spark_python_task.python_file', kind: 'files', by: 'key', normalize: (v) => (v.startsWith('/') ? v.replace(/^\/Workspace(?=\/)/, '') : undefined) },
    ...clusterSpecRefs('settings.tasks[].new_cluster'),
    ...clusterSpecRefs('settings.job_clusters[].new_cluster'),
    ...libraryRefs('settings.tasks[].libraries'),
    { path: 'settings.run_as.user_name', kind: 'users', by: 'key' },
    { path: 'settings.run_as.service_principal_name', kind: 'servicePrincipals', by: 'key' },
    { path: 'settings.run_as.group_name', kind: 'groups', by: 'key' },
  ],
  extraRefs: (content) => secretRefs(content['settings'], 'settings'),
  async *list(ctx) {
    let token: string | undefined;
    do {
      const page = await ctx.client.get<{ jobs?: Array<Record<string, unknown>>; next_page_token?: string }>(
        '/api/2.2/jobs/list',
        { limit: 100, expand_tasks: true, page_token: token },
        { signal: ctx.signal },
      );
      for (const j of page.jobs ?? []) {
        const id = idText(j['job_id']);
        const settings = (j['settings'] ?? {}) as Record<string, unknown>;
        yield { key: id, sourceId: id, meta: { name: settings['name'], bundle: (settings['deployment'] as { kind?: string } | undefined)?.kind }, data: j };
      }
      token = page.next_page_token || undefined;
    } while (token);
  },
  async export(ctx, item) {
    const listed = item.data as Record<string, unknown>;
    // A listed job is complete unless it says it has more; then read every page of it.
    let job = listed;
    if (listed['has_more'] === true) {
      job = await ctx.client.get<Record<string, unknown>>('/api/2.2/jobs/get', { job_id: item.sourceId }, { signal: ctx.signal });
      let token = job['next_page_token'] as string | undefined;
      const settings = { ...(job['settings'] as Record<string, unknown>) };
      while (token) {
        const page = await ctx.client.get<Record<string, unknown>>('/api/2.2/jobs/get', { job_id: item.sourceId, page_token: token }, { signal: ctx.signal });
        const more = (page['settings'] ?? {}) as Record<string, unknown>;
        for (const name of ['tasks', 'job_clusters', 'environments', 'parameters']) {
          if (Array.isArray(more[name])) settings[name] = [...((settings[name] as unknown[] | undefined) ?? []), ...(more[name] as unknown[])];
        }
        token = page['next_page_token'] as string | undefined;
      }
      job = { ...job, settings };
    }
    return {
      content: compact({
        settings: job['settings'] as Record<string, unknown>,
        creator_user_name: job['creator_user_name'],
        run_as_user_name: job['run_as_user_name'],
      }),
    };
  },
};
