import type { AreaState } from '../area.js';
import { type ApiError, invalidParameter } from '../errors.js';
import { isObject, type Json } from '../http.js';
import type { Workspace } from './workspace.js';

/** Jobs' part of a fixture. */
export interface JobsSection {
  jobs?: FixtureJob[];
}

export interface FixtureJob {
  job_id?: string;
  /** JobSettings as `jobs/create` takes them. */
  settings: Record<string, unknown>;
  creator_user_name?: string;
  created_time?: number;
}

export interface JobRecord {
  jobId: bigint;
  settings: Json;
  createdTime: number;
  creatorUserName: string;
  creatorId: string;
}

export function jobNotFound(id: bigint | string): ApiError {
  return invalidParameter(`Job ${String(id)} does not exist.`);
}

/** Arrays that jobs/get (2.2) pages 100 elements at a time. */
export const PAGED_ARRAYS = ['tasks', 'job_clusters', 'environments', 'parameters'] as const;
export const JOB_ARRAY_PAGE = 100;

const GIT_PROVIDERS = [
  'github',
  'gitlab',
  'bitbucketcloud',
  'gitlabenterpriseedition',
  'bitbucketserver',
  'azuredevopsservices',
  'githubenterprise',
  'awscodecommit',
];

export interface JobReferenceChecks {
  clusterExists(id: string): void;
  poolExists(id: string): boolean;
  policyExists(id: string): boolean;
  jobExists(id: bigint): boolean;
  principalExists(kind: 'user_name' | 'service_principal_name' | 'group_name', name: string): boolean;
}

/**
 * Jobs API state. Settings are stored as the client sent them (minus write-only
 * fields) and rendered with the server's defaults on read.
 */
export class Jobs implements AreaState<JobsSection> {
  readonly records = new Map<bigint, JobRecord>();
  private readonly checks: JobReferenceChecks;

  constructor(private readonly ws: Workspace) {
    const p = (): Workspace['principals'] => ws.principals;
    this.checks = {
      clusterExists: (id) => void ws.clusters.get(id),
      poolExists: (id) => ws.pools.has(id),
      policyExists: (id) => ws.policies.has(id),
      jobExists: (id) => this.records.has(id),
      principalExists: (kind, name) =>
        kind === 'user_name'
          ? p().userByName(name) !== undefined
          : kind === 'group_name'
            ? p().groupByName(name) !== undefined
            : p().servicePrincipalByAppId(name) !== undefined,
    };
  }

  load(fixture: JobsSection): void {
    const admin = this.ws.principals.adminUserName();
    for (const j of fixture.jobs ?? []) {
      const creatorName = j.creator_user_name ?? admin;
      const record = this.create(j.settings, this.ws.creatorOf(creatorName), {
        apiVersion: '2.1',
        ...(j.job_id === undefined ? {} : { jobId: BigInt(j.job_id) }),
        ...(j.created_time === undefined ? {} : { createdTime: j.created_time }),
      });
      this.ws.permissions.initialize('jobs', String(record.jobId), [this.ws.creatorGrant(creatorName, 'IS_OWNER')]);
    }
  }

  dump(): Required<JobsSection> {
    return {
      jobs: [...this.records.values()].map((j) => ({
        job_id: String(j.jobId),
        settings: j.settings,
        creator_user_name: j.creatorUserName,
        created_time: j.createdTime,
      })),
    };
  }

  get(id: bigint): JobRecord {
    const r = this.records.get(id);
    if (!r) throw jobNotFound(id);
    return r;
  }

  create(
    settings: Json,
    creator: { userName: string; id: string },
    options: { apiVersion?: string; jobId?: bigint; createdTime?: number } = {},
  ): JobRecord {
    const stored = this.validate(settings);
    // Jobs created through 2.2 are queued by default; 2.0/2.1 leave queueing off.
    if (stored['queue'] === undefined && options.apiVersion === '2.2') stored['queue'] = { enabled: true };
    const record: JobRecord = {
      jobId: options.jobId ?? this.ws.ids.int64(),
      settings: stored,
      createdTime: options.createdTime ?? this.ws.now(),
      creatorUserName: creator.userName,
      creatorId: creator.id,
    };
    this.records.set(record.jobId, record);
    return record;
  }

  /** Full replacement, except that omitting `run_as` keeps the previous identity (a known cloud quirk). */
  reset(id: bigint, settings: Json): void {
    const r = this.get(id);
    const stored = this.validate(settings);
    if (stored['run_as'] === undefined && r.settings['run_as'] !== undefined) stored['run_as'] = r.settings['run_as'];
    r.settings = stored;
  }

  /** Top-level fields replace; tasks and job_clusters merge by key; fields_to_remove deletes. */
  update(id: bigint, newSettings: Json | undefined, fieldsToRemove: unknown[] | undefined): void {
    const r = this.get(id);
    const next: Json = structuredClone(r.settings);
    for (const field of fieldsToRemove ?? []) {
      if (typeof field !== 'string') throw invalidParameter('fields_to_remove must be a list of strings.');
      const m = /^(tasks|job_clusters)\/(.+)$/.exec(field);
      if (m) {
        const [, arrayName, key] = m as unknown as [string, 'tasks' | 'job_clusters', string];
        const keyField = arrayName === 'tasks' ? 'task_key' : 'job_cluster_key';
        const items = (next[arrayName] as Json[] | undefined) ?? [];
        if (!items.some((i) => i[keyField] === key)) throw invalidParameter(`Cannot remove ${field}: no such ${keyField}.`);
        next[arrayName] = items.filter((i) => i[keyField] !== key);
      } else {
        delete next[field];
      }
    }
    for (const [k, v] of Object.entries(newSettings ?? {})) {
      if ((k === 'tasks' || k === 'job_clusters') && Array.isArray(v)) {
        const keyField = k === 'tasks' ? 'task_key' : 'job_cluster_key';
        const items = [...((next[k] as Json[] | undefined) ?? [])];
        for (const item of v as Json[]) {
          const i = items.findIndex((x) => x[keyField] === item[keyField]);
          if (i >= 0) items[i] = item;
          else items.push(item);
        }
        next[k] = items;
      } else {
        next[k] = v;
      }
    }
    r.settings = this.validate(next);
  }

  delete(id: bigint): void {
    this.get(id);
    this.records.delete(id);
  }

  /** Newest first, as the service lists them. */
  sorted(): JobRecord[] {
    // Ties (same millisecond) keep creation order reversed, so the newest is still first.
    return [...this.records.values()]
      .map((job, index) => ({ job, index }))
      .sort((a, b) => b.job.createdTime - a.job.createdTime || b.index - a.index)
      .map((x) => x.job);
  }

  private validate(input: Json): Json {
    const settings: Json = structuredClone(input);
    delete settings['access_control_list'];
    const name = settings['name'];
    if (name !== undefined && (typeof name !== 'string' || Buffer.byteLength(name) > 4096)) {
      throw invalidParameter('Job name must be a string of at most 4096 bytes.');
    }
    const tags = settings['tags'];
    if (tags !== undefined) {
      if (!isObject(tags)) throw invalidParameter('tags must be a map of strings.');
      if (Object.keys(tags).length > 25) throw invalidParameter('A job can have at most 25 tags.');
    }
    const mcr = settings['max_concurrent_runs'];
    if (mcr !== undefined && (Number(mcr) < 0 || Number(mcr) > 1000)) {
      throw invalidParameter('max_concurrent_runs must be between 0 and 1000.');
    }
    const triggers = ['schedule', 'continuous', 'trigger'].filter((k) => settings[k] !== undefined);
    if (triggers.length > 1) throw invalidParameter(`Only one of schedule, continuous or trigger may be set; got ${triggers.join(', ')}.`);
    const schedule = settings['schedule'];
    if (schedule !== undefined) {
      if (!isObject(schedule) || typeof schedule['quartz_cron_expression'] !== 'string' || schedule['quartz_cron_expression'] === '') {
        throw invalidParameter('schedule.quartz_cron_expression is required.');
      }
      if (typeof schedule['timezone_id'] !== 'string' || schedule['timezone_id'] === '') {
        throw invalidParameter('schedule.timezone_id is required.');
      }
      checkPause(schedule, 'schedule');
    }
    for (const k of ['continuous', 'trigger']) {
      const v = settings[k];
      if (v !== undefined) {
        if (!isObject(v)) throw invalidParameter(`${k} must be an object.`);
        checkPause(v, k);
      }
    }
    const git = settings['git_source'];
    if (git !== undefined) {
      if (!isObject(git) || typeof git['git_url'] !== 'string') throw invalidParameter('git_source.git_url is required.');
      const provider = String(git['git_provider'] ?? '').toLowerCase();
      if (!GIT_PROVIDERS.includes(provider)) {
        throw invalidParameter(`git_source.git_provider must be one of: ${GIT_PROVIDERS.join(',')}`);
      }
    }
    const runAs = settings['run_as'];
    if (runAs !== undefined) {
      if (!isObject(runAs)) throw invalidParameter('run_as must be an object.');
      const kinds = (['user_name', 'service_principal_name', 'group_name'] as const).filter((k) => runAs[k] !== undefined);
      if (kinds.length !== 1) throw invalidParameter('run_as must set exactly one of user_name, service_principal_name or group_name.');
      const kind = kinds[0] as 'user_name' | 'service_principal_name' | 'group_name';
      if (!this.checks.principalExists(kind, String(runAs[kind]))) {
        const label = kind === 'user_name' ? 'UserName' : kind === 'group_name' ? 'GroupName' : 'ServicePrincipalName';
        throw invalidParameter(`Principal: ${label}(${String(runAs[kind])}) does not exist`);
      }
    }

    const jobClusterKeys = new Set<string>();
    const jobClusters = settings['job_clusters'];
    if (jobClusters !== undefined) {
      if (!Array.isArray(jobClusters)) throw invalidParameter('job_clusters must be a list.');
      for (const jc of jobClusters) {
        if (!isObject(jc) || typeof jc['job_cluster_key'] !== 'string')
          throw invalidParameter('job_clusters[].job_cluster_key is required.');
        if (jobClusterKeys.has(jc['job_cluster_key'])) throw invalidParameter(`Duplicate job cluster key: ${jc['job_cluster_key']}`);
        jobClusterKeys.add(jc['job_cluster_key']);
        if (!isObject(jc['new_cluster'])) throw invalidParameter('Shared job cluster feature is only supported in multi-task jobs.');
        this.checkNewCluster(jc['new_cluster']);
      }
    }
    const tasks = settings['tasks'];
    if (tasks !== undefined) {
      if (!Array.isArray(tasks)) throw invalidParameter('tasks must be a list.');
      if (tasks.length > 1000) throw invalidParameter('A job can have at most 1000 tasks.');
      const keys = new Set<string>();
      for (const t of tasks) {
        if (!isObject(t) || typeof t['task_key'] !== 'string' || t['task_key'] === '') throw invalidParameter('Task key is required.');
        if (keys.has(t['task_key'])) throw invalidParameter(`Task key ${t['task_key']} is not unique.`);
        keys.add(t['task_key']);
      }
      for (const t of tasks as Json[]) {
        for (const dep of (t['depends_on'] as Json[] | undefined) ?? []) {
          if (!keys.has(String(dep['task_key']))) {
            throw invalidParameter(`Task ${String(t['task_key'])} depends on ${String(dep['task_key'])}, which is not a task of this job.`);
          }
        }
        const existing = t['existing_cluster_id'];
        if (existing !== undefined) this.checks.clusterExists(String(existing));
        if (isObject(t['new_cluster'])) this.checkNewCluster(t['new_cluster']);
        const jck = t['job_cluster_key'];
        if (jck !== undefined && !jobClusterKeys.has(String(jck))) {
          throw invalidParameter(
            `Task ${String(t['task_key'])} refers to job cluster ${String(jck)}, which is not defined in job_clusters.`,
          );
        }
        const runJob = t['run_job_task'];
        if (isObject(runJob)) {
          const target = runJob['job_id'];
          const id = typeof target === 'bigint' ? target : BigInt(String(target));
          if (!this.checks.jobExists(id)) throw jobNotFound(id);
        }
        if (isObject(t['notebook_task']) && typeof t['notebook_task']['notebook_path'] !== 'string') {
          throw invalidParameter('notebook_task.notebook_path is required.');
        }
      }
    }
    return settings;
  }

  private checkNewCluster(spec: Json): void {
    for (const field of ['instance_pool_id', 'driver_instance_pool_id']) {
      const v = spec[field];
      if (v !== undefined && !this.checks.poolExists(String(v))) {
        throw invalidParameter(`Can't find an instance pool with id: ${String(v)}.`);
      }
    }
    const policy = spec['policy_id'];
    if (policy !== undefined && !this.checks.policyExists(String(policy))) {
      throw invalidParameter(`Cluster policy ${String(policy)} does not exist`);
    }
  }
}

function checkPause(obj: Json, field: string): void {
  const p = obj['pause_status'];
  if (p !== undefined && p !== 'PAUSED' && p !== 'UNPAUSED') {
    throw invalidParameter(`${field}.pause_status must be PAUSED or UNPAUSED.`);
  }
}

const AZURE_DEFAULTS = { availability: 'ON_DEMAND_AZURE', first_on_demand: 1, spot_bid_max_price: -1 };

/** A cluster spec inside a job, as the service renders it: cloud defaults filled, write-only fields dropped. */
export function renderJobClusterSpec(spec: Json): Json {
  const out: Json = { ...spec };
  delete out['apply_policy_default_values'];
  if (out['enable_elastic_disk'] === undefined) out['enable_elastic_disk'] = true;
  out['azure_attributes'] = { ...AZURE_DEFAULTS, ...(isObject(spec['azure_attributes']) ? spec['azure_attributes'] : {}) };
  if (out['node_type_id'] !== undefined && out['driver_node_type_id'] === undefined && out['instance_pool_id'] === undefined) {
    out['driver_node_type_id'] = out['node_type_id'];
  }
  return out;
}

/** JobSettings with the server's read defaults (databricks-api.md §3.4). */
export function renderSettings(settings: Json): Json {
  const hasGit = settings['git_source'] !== undefined;
  const out: Json = {
    name: 'Untitled',
    email_notifications: {},
    webhook_notifications: {},
    timeout_seconds: 0,
    max_concurrent_runs: 1,
    format: 'MULTI_TASK',
    ...structuredClone(settings),
  };
  for (const k of ['schedule', 'continuous', 'trigger']) {
    const v = out[k];
    if (isObject(v) && v['pause_status'] === undefined) out[k] = { ...v, pause_status: 'UNPAUSED' };
  }
  if (Array.isArray(out['tasks'])) {
    out['tasks'] = (out['tasks'] as Json[]).map((task) => {
      const t: Json = { run_if: 'ALL_SUCCESS', timeout_seconds: 0, email_notifications: {}, ...task };
      if (Array.isArray(t['depends_on'])) {
        t['depends_on'] = [...(t['depends_on'] as Json[])].sort((a, b) => String(a['task_key']).localeCompare(String(b['task_key'])));
      }
      if (isObject(t['notebook_task']) && t['notebook_task']['source'] === undefined) {
        t['notebook_task'] = { ...t['notebook_task'], source: hasGit ? 'GIT' : 'WORKSPACE' };
      }
      if (isObject(t['new_cluster'])) t['new_cluster'] = renderJobClusterSpec(t['new_cluster']);
      return t;
    });
  }
  if (Array.isArray(out['job_clusters'])) {
    out['job_clusters'] = (out['job_clusters'] as Json[]).map((jc) =>
      isObject(jc['new_cluster']) ? { ...jc, new_cluster: renderJobClusterSpec(jc['new_cluster']) } : jc,
    );
  }
  return out;
}
