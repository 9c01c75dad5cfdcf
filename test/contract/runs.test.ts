import { setTimeout as sleep } from 'node:timers/promises';

import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;
let jobId: bigint | number;

const NEW_CLUSTER = { spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 };

beforeAll(async () => {
  emu = await startEmulator({ clusterStartMs: 20, clusterStopMs: 10, runDurationMs: 20 });
  w = api(emu.url);
  await w.post('/api/2.0/workspace/import', {
    path: '/Shared/hello',
    content: b64('# Databricks notebook source\ndbutils.notebook.exit("hi")\n'),
    language: 'PYTHON',
  });
  jobId = (
    await w.post('/api/2.2/jobs/create', {
      name: 'nightly',
      job_clusters: [{ job_cluster_key: 'main', new_cluster: NEW_CLUSTER }],
      tasks: [{ task_key: 'hello', job_cluster_key: 'main', notebook_task: { notebook_path: '/Shared/hello' } }],
    })
  ).json.job_id;
});
afterAll(() => emu.stop());

async function finished(version: string, runId: bigint | number): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await w.get(`/api/${version}/jobs/runs/get`, { run_id: String(runId) });
    expect(r.status).toBe(200);
    if (r.json.state.life_cycle_state === 'TERMINATED' || r.json.state.life_cycle_state === 'INTERNAL_ERROR') return r.json;
    await sleep(10);
  }
  throw new Error('run did not finish');
}

describe.each(['2.1', '2.2'])('jobs runs on API %s', (v) => {
  test('run-now starts a JOB_RUN of the job on its job cluster; it finishes and its output is readable', async () => {
    const started = await w.post(`/api/${v}/jobs/run-now`, { job_id: jobId, notebook_params: { day: '2026-01-01' } });
    expect(started.status).toBe(200);
    expect(Object.keys(started.json).sort()).toEqual(['number_in_job', 'run_id']);
    const run = await finished(v, started.json.run_id);
    expect(run).toMatchObject({
      job_id: jobId,
      run_name: 'nightly',
      run_type: 'JOB_RUN',
      state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' },
      overriding_parameters: { notebook_params: { day: '2026-01-01' } },
    });
    expect(run.run_page_url).toContain(`#job/${jobId}/run/${run.run_id}`);
    const output = await w.get(`/api/${v}/jobs/runs/get-output`, { run_id: String(run.tasks[0].run_id) });
    expect(output.json.notebook_output).toEqual({ result: 'hi', truncated: false });
  });

  test('runs/list: newest first, filtered by job and run type, paged by token, tasks only with expand_tasks', async () => {
    const submitted = await w.post(`/api/${v}/jobs/runs/submit`, {
      run_name: 'adhoc',
      tasks: [{ task_key: 't', new_cluster: NEW_CLUSTER, notebook_task: { notebook_path: '/Shared/hello' } }],
    });
    const all = await w.get(`/api/${v}/jobs/runs/list`);
    expect(all.status).toBe(200);
    expect(all.json.runs[0].run_id).toBe(submitted.json.run_id);
    expect(all.json.runs[0].tasks).toBeUndefined();
    expect(all.json.has_more).toBe(false);
    const ofJob = await w.get(`/api/${v}/jobs/runs/list`, { job_id: String(jobId) });
    expect(ofJob.json.runs.every((r: { job_id: unknown }) => r.job_id === jobId)).toBe(true);
    const submits = await w.get(`/api/${v}/jobs/runs/list`, { run_type: 'SUBMIT_RUN', expand_tasks: true });
    expect(submits.json.runs.every((r: { run_type: string }) => r.run_type === 'SUBMIT_RUN')).toBe(true);
    expect(submits.json.runs[0].tasks).toHaveLength(1);

    const page1 = await w.get(`/api/${v}/jobs/runs/list`, { limit: 1 });
    expect(page1.json.runs).toHaveLength(1);
    expect(page1.json.has_more).toBe(true);
    const page2 = await w.get(`/api/${v}/jobs/runs/list`, { limit: 1, page_token: page1.json.next_page_token });
    expect(page2.json.runs[0].run_id).not.toBe(page1.json.runs[0].run_id);
    expect(page2.json.prev_page_token).toBeDefined();
    // The legacy CLI pages by offset.
    const byOffset = await w.get(`/api/${v}/jobs/runs/list`, { limit: 1, offset: 1 });
    expect(byOffset.json.runs[0].run_id).toBe(page2.json.runs[0].run_id);
  });

  test('active_only and completed_only split the runs; both at once is refused', async () => {
    const started = await w.post(`/api/${v}/jobs/run-now`, { job_id: String(jobId) });
    const active = await w.get(`/api/${v}/jobs/runs/list`, { active_only: true });
    expect(active.json.runs.map((r: { run_id: unknown }) => r.run_id)).toContain(started.json.run_id);
    await finished(v, started.json.run_id);
    const completed = await w.get(`/api/${v}/jobs/runs/list`, { completed_only: true });
    expect(completed.json.runs.map((r: { run_id: unknown }) => r.run_id)).toContain(started.json.run_id);
    expect((await w.get(`/api/${v}/jobs/runs/list`, { active_only: true })).json.runs).toBeUndefined();
    const both = await w.get(`/api/${v}/jobs/runs/list`, { active_only: true, completed_only: true });
    expect(both.status).toBe(400);
    expect(both.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('run-now with an idempotency token starts one run; an unknown job is the jobs/get error', async () => {
    const a = await w.post(`/api/${v}/jobs/run-now`, { job_id: jobId, idempotency_token: `once-${v}` });
    const b = await w.post(`/api/${v}/jobs/run-now`, { job_id: jobId, idempotency_token: `once-${v}` });
    expect(b.json.run_id).toBe(a.json.run_id);
    const missing = await w.post(`/api/${v}/jobs/run-now`, { job_id: 1 });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 1 does not exist.' });
    const missingList = await w.get(`/api/${v}/jobs/runs/list`, { job_id: 1 });
    expect(missingList.status).toBe(400);
    expect((await w.get(`/api/${v}/jobs/runs/list`, { limit: 26 })).status).toBe(400);
  });

  test('runs/cancel ends a pending run as cancelled', async () => {
    // Clusters that take minutes to start, so the run is certainly still pending.
    const slow = await startEmulator({ clusterStartMs: 600_000 });
    try {
      const s = api(slow.url);
      const job = (
        await s.post(`/api/${v}/jobs/create`, {
          name: 'slow',
          tasks: [{ task_key: 't', new_cluster: NEW_CLUSTER, notebook_task: { notebook_path: '/Shared/x' } }],
        })
      ).json.job_id;
      const started = await s.post(`/api/${v}/jobs/run-now`, { job_id: job });
      expect((await s.get(`/api/${v}/jobs/runs/get`, { run_id: String(started.json.run_id) })).json.state.life_cycle_state).toBe('PENDING');
      expect((await s.post(`/api/${v}/jobs/runs/cancel`, { run_id: String(started.json.run_id) })).json).toEqual({});
      const run = (await s.get(`/api/${v}/jobs/runs/get`, { run_id: String(started.json.run_id) })).json;
      expect(run.state).toMatchObject({ result_state: 'FAILED', state_message: 'Run cancelled by admin@example.com.' });
    } finally {
      await slow.stop();
    }
  });
});

describe('jobs runs on API 2.0', () => {
  test('runs/submit takes the single-task body; runs/list allows limits up to 1000', async () => {
    const r = await w.post('/api/2.0/jobs/runs/submit', {
      run_name: 'legacy',
      new_cluster: NEW_CLUSTER,
      notebook_task: { notebook_path: '/Shared/hello' },
    });
    expect(r.status).toBe(200);
    const run = await finished('2.0', r.json.run_id);
    expect(run.state.result_state).toBe('SUCCESS');
    expect((await w.get('/api/2.0/jobs/runs/list', { limit: 500 })).status).toBe(200);
    expect((await w.get('/api/2.0/jobs/runs/list', { limit: 1001 })).status).toBe(400);
  });
});
