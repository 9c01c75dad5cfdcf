import { clusterSpecRefs, dbfsPath, libraryRefs, secretRefs } from './refs.js';
import { compact, idText } from './discovery.js';
import type { KindHandler } from './types.js';

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
