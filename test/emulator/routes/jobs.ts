import { invalidParameter } from '../errors.js';
import { isObject, type Json, type RequestContext, type Routes, versions } from '../http.js';
import { JOB_ARRAY_PAGE, type JobRecord, PAGED_ARRAYS, renderSettings } from '../state/jobs.js';
import type { RunRecord, TaskRun } from '../state/execution.js';
import type { Workspace } from '../state/workspace.js';

const V = ['2.0', '2.1', '2.2'];
const MAX_LIMIT = 100;
const MAX_OFFSET = 1000;

function pageToken(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}`).toString('base64url');
}

function readToken(kind: string, token: string): number {
  const m = new RegExp(`^${kind}:(\\d+)$`).exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw invalidParameter(`Invalid page token: ${token}`);
  return Number(m[1]);
}

function runAsUserName(job: JobRecord): string {
  const runAs = job.settings['run_as'];
  if (isObject(runAs)) return String(runAs['user_name'] ?? runAs['service_principal_name'] ?? runAs['group_name']);
  return job.creatorUserName;
}

/** jobs/get: 2.2 pages arrays of more than 100 elements; 2.1 silently drops `tasks` then. */
function jobView(ws: Workspace, job: JobRecord, version: string, offset: number): Json {
  const settings = renderSettings(job.settings);
  const out: Json = { job_id: job.jobId };
  if (ws.principals.userByName(job.creatorUserName) || ws.principals.servicePrincipalByAppId(job.creatorUserName)) {
    out['creator_user_name'] = job.creatorUserName;
  }
  out['run_as_user_name'] = runAsUserName(job);
  out['created_time'] = job.createdTime;
  if (version === '2.2') {
    let more = false;
    for (const name of PAGED_ARRAYS) {
      const arr = settings[name];
      if (!Array.isArray(arr)) continue;
      const slice = arr.slice(offset, offset + JOB_ARRAY_PAGE);
      if (arr.length > offset + JOB_ARRAY_PAGE) more = true;
      if (slice.length > 0) settings[name] = slice;
      else delete settings[name];
    }
    out['settings'] = settings;
    if (more) {
      out['has_more'] = true;
      out['next_page_token'] = pageToken('job', offset + JOB_ARRAY_PAGE);
    }
  } else {
    if (version === '2.1' && Array.isArray(settings['tasks']) && (settings['tasks'] as unknown[]).length > JOB_ARRAY_PAGE) {
      delete settings['tasks'];
    }
    out['settings'] = settings;
  }
  return out;
}

function listItem(ws: Workspace, job: JobRecord, expand: boolean): Json {
  const settings = renderSettings(job.settings);
  const out: Json = { job_id: job.jobId };
  if (ws.principals.userByName(job.creatorUserName) || ws.principals.servicePrincipalByAppId(job.creatorUserName)) {
    out['creator_user_name'] = job.creatorUserName;
  }
  out['created_time'] = job.createdTime;
  if (!expand) {
    delete settings['tasks'];
    delete settings['job_clusters'];
  } else {
    let more = false;
    for (const name of ['tasks', 'job_clusters'] as const) {
      const arr = settings[name];
      if (Array.isArray(arr) && arr.length > JOB_ARRAY_PAGE) {
        settings[name] = arr.slice(0, JOB_ARRAY_PAGE);
        more = true;
      }
    }
    if (more) out['has_more'] = true;
  }
  out['settings'] = settings;
  return out;
}

function jobId(ctx: RequestContext, where: 'query' | 'body'): bigint {
  const id = where === 'query' ? ctx.query.int64('job_id') : ctx.body.int64('job_id');
  if (id === undefined) throw invalidParameter("Missing required field 'job_id'");
  return id;
}

function settingsFrom(ctx: RequestContext): Json {
  return ctx.version === '2.0' ? legacySettings(ctx.body.json) : { ...ctx.body.json };
}

/** Jobs 2.0 single-task bodies (`notebook_task` at the top) become one task named after the job. */
function legacySettings(body: Json): Json {
  const taskFields = [
    'notebook_task',
    'spark_python_task',
    'spark_jar_task',
    'spark_submit_task',
    'new_cluster',
    'existing_cluster_id',
    'libraries',
    'max_retries',
    'min_retry_interval_millis',
    'retry_on_timeout',
  ];
  if (body['tasks'] !== undefined || !taskFields.some((f) => body[f] !== undefined)) return { ...body };
  const task: Json = { task_key: 'main' };
  const settings: Json = {};
  for (const [k, v] of Object.entries(body)) {
    if (taskFields.includes(k)) task[k] = v;
    else settings[k] = v;
  }
  settings['tasks'] = [task];
  return settings;
}

function runState(run: RunRecord): { life: string; result?: string; message: string; status: Json } {
  if (run.endedAt !== undefined) {
    const ok = run.resultState === 'SUCCESS';
    return {
      life: ok ? 'TERMINATED' : 'INTERNAL_ERROR',
      result: run.resultState ?? 'FAILED',
      message: run.stateMessage,
      status: {
        state: 'TERMINATED',
        termination_details: ok
          ? { code: 'SUCCESS', type: 'SUCCESS', message: '' }
          : { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR', message: run.stateMessage },
      },
    };
  }
  if (run.startedAt !== undefined) return { life: 'RUNNING', message: '', status: { state: 'RUNNING' } };
  return { life: 'PENDING', message: 'Waiting for cluster', status: { state: 'PENDING' } };
}

function taskView(ws: Workspace, run: RunRecord, task: TaskRun): Json {
  const state = runState(run);
  const taskResult = task.result;
  const failed = taskResult?.resultType === 'error';
  const view: Json = {
    run_id: task.runId,
    task_key: task.taskKey,
    state: {
      life_cycle_state: run.endedAt !== undefined ? 'TERMINATED' : state.life,
      ...(run.endedAt !== undefined ? { result_state: failed ? 'FAILED' : run.resultState === 'SUCCESS' ? 'SUCCESS' : 'FAILED' } : {}),
      state_message: failed ? 'Workload failed, see run output for details' : '',
      user_cancelled_or_timedout: false,
    },
    start_time: run.createdAt,
    ...(run.endedAt !== undefined ? { end_time: run.endedAt } : {}),
    attempt_number: 0,
  };
  const cluster = ws.clusters.records.get(task.clusterId);
  if (cluster) {
    view['cluster_instance'] = {
      cluster_id: cluster.clusterId,
      ...(cluster.sparkContextId === undefined ? {} : { spark_context_id: String(cluster.sparkContextId) }),
    };
  }
  for (const k of ['notebook_task', 'spark_python_task', 'existing_cluster_id', 'new_cluster', 'libraries']) {
    if (task.spec[k] !== undefined) view[k] = task.spec[k];
  }
  return view;
}

/** A run as runs/get returns it; runs/list leaves `tasks` out unless `expand_tasks`. */
function runView(ws: Workspace, run: RunRecord, withTasks = true): Json {
  const state = runState(run);
  const out: Json = {
    job_id: run.jobId,
    run_id: run.runId,
    number_in_job: run.numberInJob,
    creator_user_name: run.creatorUserName,
    run_name: run.runName,
    run_type: run.runType,
    run_page_url: `https://adb-${ws.workspaceId}.0.azuredatabricks.net/?o=${ws.workspaceId}#job/${run.jobId}/run/${run.runId}`,
    state: {
      life_cycle_state: state.life,
      ...(state.result === undefined ? {} : { result_state: state.result }),
      state_message: state.message,
      user_cancelled_or_timedout: false,
    },
    status: state.status,
    start_time: run.createdAt,
    ...(run.endedAt !== undefined ? { end_time: run.endedAt } : {}),
    setup_duration: run.startedAt === undefined ? 0 : run.startedAt - run.createdAt,
    execution_duration: run.endedAt !== undefined && run.startedAt !== undefined ? run.endedAt - run.startedAt : 0,
    cleanup_duration: 0,
    trigger: 'ONE_TIME',
  };
  if (run.overridingParameters) out['overriding_parameters'] = run.overridingParameters;
  if (run.jobParameters) {
    out['job_parameters'] = Object.entries(run.jobParameters).map(([name, value]) => ({ name, value }));
  }
  if (withTasks) out['tasks'] = run.tasks.map((t) => taskView(ws, run, t));
  return out;
}

const RUNS_MAX_LIMIT = 25;

export function registerJobs(routes: Routes, ws: Workspace): void {
  routes.get(versions(V, '/jobs/list'), 'jobs.list', (ctx) => {
    let jobs = ws.jobs.sorted();
    const name = ctx.query.str('name');
    if (name !== undefined) jobs = jobs.filter((j) => renderSettings(j.settings)['name']?.toString().toLowerCase() === name.toLowerCase());
    const items = (list: JobRecord[]): Json[] => list.map((j) => listItem(ws, j, ctx.query.bool('expand_tasks')));
    if (ctx.version === '2.0') {
      const all = items(jobs);
      return all.length === 0 ? {} : { jobs: all };
    }
    const limit = ctx.query.int('limit') ?? 20;
    if (limit < 1 || limit > MAX_LIMIT) throw invalidParameter(`Invalid limit ${limit} - it has to be no more than ${MAX_LIMIT}.`);
    const token = ctx.query.str('page_token');
    let offset: number;
    if (token !== undefined && token !== '') {
      offset = readToken('jobs', token);
    } else {
      offset = ctx.query.int('offset') ?? 0;
      if (offset > MAX_OFFSET) {
        throw invalidParameter(
          `The supplied offset ${offset} has exceeded the value of ${MAX_OFFSET} allowed for this parameter.Please use ` +
            `the page_token parameter to paginate`,
        );
      }
    }
    const page = items(jobs.slice(offset, offset + limit));
    const more = offset + limit < jobs.length;
    const out: Json = {};
    if (page.length > 0) out['jobs'] = page;
    // 2.2 dropped the root-level has_more; 2.1 still sends it.
    if (ctx.version === '2.1') out['has_more'] = more;
    if (more) out['next_page_token'] = pageToken('jobs', offset + limit);
    if (offset > 0) out['prev_page_token'] = pageToken('jobs', Math.max(0, offset - limit));
    return out;
  });

  routes.get(versions(V, '/jobs/get'), 'jobs.get', (ctx) => {
    const job = ws.jobs.get(jobId(ctx, 'query'));
    const token = ctx.query.str('page_token');
    const offset = token ? readToken('job', token) : 0;
    return jobView(ws, job, ctx.version, offset);
  });

  routes.post(versions(V, '/jobs/create'), 'jobs.create', (ctx) => {
    const settings = settingsFrom(ctx);
    const acl = ws.permissions.parseAcl('jobs', { access_control_list: ctx.body.get('access_control_list') });
    const job = ws.jobs.create(settings, { userName: ctx.caller.name, id: ctx.caller.id }, { apiVersion: ctx.version });
    const grants = acl.some((g) => g.level === 'IS_OWNER')
      ? acl
      : [ws.creatorGrant(ctx.caller.name, 'IS_OWNER'), ...acl.filter((g) => g.name !== ctx.caller.name)];
    ws.permissions.replace('jobs', String(job.jobId), grants);
    return { job_id: job.jobId };
  });

  routes.post(versions(V, '/jobs/reset'), 'jobs.reset', (ctx) => {
    const id = jobId(ctx, 'body');
    const settings = ctx.body.obj('new_settings');
    if (!settings) throw invalidParameter("Missing required field 'new_settings'");
    ws.jobs.reset(id, ctx.version === '2.0' ? legacySettings(settings) : settings);
    return {};
  });

  routes.post(versions(V, '/jobs/update'), 'jobs.update', (ctx) => {
    ws.jobs.update(jobId(ctx, 'body'), ctx.body.obj('new_settings'), ctx.body.arr('fields_to_remove'));
    return {};
  });

  routes.post(versions(V, '/jobs/delete'), 'jobs.delete', (ctx) => {
    ws.jobs.delete(jobId(ctx, 'body'));
    return {};
  });

  // Runs: one-time runs (runs/submit) and runs of saved jobs (run-now), the same on
  // every version; 2.0 also takes the single-task body (notebook_task at the top).
  routes.post(versions(V, '/jobs/runs/submit'), 'jobs.runs-submit', (ctx) => {
    const run = ws.runs.submit(settingsFrom(ctx), ctx.caller.name);
    return { run_id: run.runId };
  });

  routes.post(versions(V, '/jobs/run-now'), 'jobs.run-now', (ctx) => {
    const job = ws.jobs.get(jobId(ctx, 'body'));
    const run = ws.runs.runNow({ jobId: job.jobId, settings: job.settings }, ctx.body.json, ctx.caller.name);
    return { run_id: run.runId, number_in_job: run.numberInJob };
  });

  routes.get(versions(V, '/jobs/runs/list'), 'jobs.runs-list', (ctx) => {
    const activeOnly = ctx.query.bool('active_only');
    const completedOnly = ctx.query.bool('completed_only');
    if (activeOnly && completedOnly) throw invalidParameter('active_only and completed_only cannot both be true.');
    // Unknown jobs are refused rather than listed as empty (the SDKs' not-found override covers both).
    const job = ctx.query.int64('job_id');
    if (job !== undefined) ws.jobs.get(job);
    // 2.0 documented limits up to 1000; 2.1 and later "greater than 0 and less than 25"; 0 means the maximum.
    const max = ctx.version === '2.0' ? 1000 : RUNS_MAX_LIMIT;
    let limit = ctx.query.int('limit') ?? 20;
    if (limit === 0) limit = max;
    if (limit < 0 || limit > max) throw invalidParameter(`Invalid limit ${limit} - it has to be no more than ${max}.`);
    const runType = ctx.query.str('run_type');
    const from = ctx.query.int('start_time_from');
    const to = ctx.query.int('start_time_to');
    const runs = ws.runs.sorted().filter((r) => {
      if (job !== undefined && r.jobId !== job) return false;
      if (runType !== undefined && r.runType !== runType) return false;
      if (from !== undefined && r.createdAt < from) return false;
      if (to !== undefined && r.createdAt > to) return false;
      ws.runs.find(r.runId); // bring its state up to date
      if (activeOnly && r.endedAt !== undefined) return false;
      if (completedOnly && r.endedAt === undefined) return false;
      return true;
    });
    const token = ctx.query.str('page_token');
    const offset = token !== undefined && token !== '' ? readToken('runs', token) : (ctx.query.int('offset') ?? 0);
    const page = runs.slice(offset, offset + limit).map((r) => runView(ws, r, ctx.query.bool('expand_tasks')));
    const more = offset + limit < runs.length;
    const out: Json = {};
    if (page.length > 0) out['runs'] = page;
    out['has_more'] = more;
    if (more) out['next_page_token'] = pageToken('runs', offset + limit);
    if (offset > 0) out['prev_page_token'] = pageToken('runs', Math.max(0, offset - limit));
    return out;
  });

  routes.get(versions(V, '/jobs/runs/get'), 'jobs.runs-get', (ctx) => {
    const id = ctx.query.int64('run_id');
    if (id === undefined) throw invalidParameter("Missing required field 'run_id'");
    const found = ws.runs.find(id);
    if (!found) throw invalidParameter(`Run ${id} does not exist.`);
    if (found.task) {
      return { ...taskView(ws, found.run, found.task), job_id: found.run.jobId, run_name: found.run.runName, run_type: found.run.runType };
    }
    return runView(ws, found.run);
  });

  routes.get(versions(V, '/jobs/runs/get-output'), 'jobs.runs-get', (ctx) => {
    const id = ctx.query.int64('run_id');
    if (id === undefined) throw invalidParameter("Missing required field 'run_id'");
    const found = ws.runs.find(id);
    if (!found) throw invalidParameter(`Run ${id} does not exist.`);
    // On 2.0 a run of one task is the single-task run of the legacy format and answers for
    // its task (the legacy CLI's `runs get-output`); 2.1 and later refuse any parent run.
    if (!found.task && ctx.version === '2.0' && found.run.tasks.length === 1) found.task = found.run.tasks[0];
    if (!found.task) {
      throw invalidParameter(
        'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each ' +
          'individual task run instead.',
      );
    }
    const result = found.task.result;
    const out: Json = { metadata: taskView(ws, found.run, found.task) };
    if (result?.resultType === 'error') {
      out['error'] = result.summary ?? 'Error';
      out['error_trace'] = result.cause ?? '';
    } else if (result) {
      out['notebook_output'] = { result: result.data ?? '', truncated: false };
    }
    return out;
  });

  routes.post(versions(V, '/jobs/runs/cancel'), 'jobs.runs-cancel', (ctx) => {
    const id = ctx.body.int64('run_id');
    if (id === undefined) throw invalidParameter("Missing required field 'run_id'");
    ws.runs.cancel(id, ctx.caller.name);
    return {};
  });
}
