import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';
import { pollUntil } from '../support/poll.js';

// Command Execution 1.2, dbutils mounts, and one-time runs that mount storage
// (workspace-dbfs-commands.md §4–6; databricks-api.md §12.1 legacy error bodies).

let emu: EmulatorHandle;
let w: Api;
let clusterId: string;
let stoppedId: string;
let contextId: string;

const SPEC = { cluster_name: 'mounts', spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 };
const RAW_SOURCE = 'abfss://raw@contosolake.dfs.core.windows.net/';

const BUILT_IN_MOUNTS = [
  { mountPoint: '/databricks-datasets', source: 'databricks-datasets' },
  { mountPoint: '/Volumes', source: 'UnityCatalogVolumes' },
  { mountPoint: '/databricks/mlflow-tracking', source: 'databricks/mlflow-tracking' },
  { mountPoint: '/databricks-results', source: 'databricks-results' },
  { mountPoint: '/databricks/mlflow-registry', source: 'databricks/mlflow-registry' },
  { mountPoint: '/', source: 'DatabricksRoot' },
];

const LIST_MOUNTS = 'import json\nprint(json.dumps([{"mountPoint": m.mountPoint, "source": m.source} for m in dbutils.fs.mounts()]))';

async function clusterState(id: string): Promise<any> {
  return (await w.get('/api/2.1/clusters/get', { cluster_id: id })).json;
}

async function newContext(cluster = clusterId): Promise<string> {
  const r = await w.post('/api/1.2/contexts/create', { clusterId: cluster, language: 'python' });
  expect(r.status).toBe(200);
  return r.json.id as string;
}

/** Execute and wait until the command leaves Queued/Running; returns the final status body. */
async function run(command: string, options: { language?: string; context?: string } = {}): Promise<any> {
  const context = options.context ?? contextId;
  const r = await w.post('/api/1.2/commands/execute', { clusterId, contextId: context, language: options.language ?? 'python', command });
  expect(r.status).toBe(200);
  expect(typeof r.json.id).toBe('string');
  return pollUntil(
    async () => (await w.get('/api/1.2/commands/status', { clusterId, contextId: context, commandId: r.json.id })).json,
    (s) => s.status !== 'Running' && s.status !== 'Queued',
  );
}

async function mounts(): Promise<Array<{ mountPoint: string; source: string }>> {
  const s = await run(LIST_MOUNTS);
  expect(s.status).toBe('Finished');
  expect(s.results.resultType).toBe('text');
  return JSON.parse(s.results.data);
}

const mountCommand = (point: string, source = RAW_SOURCE): string =>
  `dbutils.fs.mount(
  source="${source}",
  mount_point="${point}",
  extra_configs={"fs.azure.account.auth.type": "OAuth",
                 "fs.azure.account.oauth2.client.id": "11111111-2222-3333-4444-555555555555",
                 "fs.azure.account.oauth2.client.secret": dbutils.secrets.get(scope="dr", key="sp-secret")})`;

beforeAll(async () => {
  emu = await startEmulator({ clusterStartMs: 300, clusterStopMs: 150, runDurationMs: 200 });
  w = api(emu.url);
  await w.post('/api/2.0/secrets/scopes/create', { scope: 'dr' });
  await w.post('/api/2.0/secrets/put', { scope: 'dr', key: 'sp-secret', string_value: 's3cr3t' });
  clusterId = (await w.post('/api/2.1/clusters/create', SPEC)).json.cluster_id;
  stoppedId = (await w.post('/api/2.1/clusters/create', { ...SPEC, cluster_name: 'stopped' })).json.cluster_id;
  await w.post('/api/2.1/clusters/delete', { cluster_id: stoppedId });
  await pollUntil(
    () => clusterState(clusterId),
    (c) => c.state === 'RUNNING',
  );
  await pollUntil(
    () => clusterState(stoppedId),
    (c) => c.state === 'TERMINATED',
  );
  contextId = await newContext();
});
afterAll(() => emu.stop());

describe('execution contexts', () => {
  test('contexts/create on a running cluster answers a 19-digit string id; status is Running', async () => {
    expect(contextId).toMatch(/^\d{19}$/);
    const r = await w.get('/api/1.2/contexts/status', { clusterId, contextId });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: contextId, status: 'Running' });
  });

  test('contexts/create on a terminated or unknown cluster answers the legacy {"error"} body', async () => {
    const r = await w.post('/api/1.2/contexts/create', { clusterId: stoppedId, language: 'python' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json)).toEqual(['error']);
    expect(r.json.error).toContain(stoppedId);
    expect(r.json.error).toContain('TERMINATED');
    const unknown = await w.post('/api/1.2/contexts/create', { clusterId: '0101-000000-nonexist', language: 'python' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ error: 'Cluster 0101-000000-nonexist does not exist' });
    const missing = await w.post('/api/1.2/contexts/create', { language: 'python' });
    expect(missing.json).toEqual({ error: 'requirement failed: missing clusterId' });
  });

  test('execute without a context, or with an unknown one, is a legacy error', async () => {
    const none = await w.post('/api/1.2/commands/execute', { clusterId, language: 'python', command: 'print(1)' });
    expect(none.status).toBe(400);
    expect(none.json).toEqual({ error: 'requirement failed: missing contextId' });
    const unknown = await w.post('/api/1.2/commands/execute', {
      clusterId,
      contextId: '1234567890123456789',
      language: 'python',
      command: 'print(1)',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error_code).toBeUndefined();
    expect(typeof unknown.json.error).toBe('string');
    const status = await w.get('/api/1.2/commands/status', { clusterId, contextId, commandId: '42' });
    expect(status.status).toBe(400);
    expect(Object.keys(status.json)).toEqual(['error']);
  });

  test('a destroyed context is gone', async () => {
    const ctx = await newContext();
    const r = await w.post('/api/1.2/contexts/destroy', { clusterId, contextId: ctx });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    const status = await w.get('/api/1.2/contexts/status', { clusterId, contextId: ctx });
    expect(status.status).toBe(400);
    expect(Object.keys(status.json)).toEqual(['error']);
  });
});

describe('commands', () => {
  test('a command is Running at first, then Finished with a text result', async () => {
    const r = await w.post('/api/1.2/commands/execute', { clusterId, contextId, language: 'python', command: 'print("hello")' });
    expect(r.status).toBe(200);
    const commandId = r.json.id as string;
    expect(commandId).toMatch(/^\d+$/);
    const first = await w.get('/api/1.2/commands/status', { clusterId, contextId, commandId });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ id: commandId, status: 'Running' });
    const done = await pollUntil(
      async () => (await w.get('/api/1.2/commands/status', { clusterId, contextId, commandId })).json,
      (s) => s.status !== 'Running',
    );
    expect(done).toEqual({ id: commandId, status: 'Finished', results: { resultType: 'text', data: 'hello' } });
  });

  test('indented code, as the SDKs send it, is dedented before it runs', async () => {
    const s = await run(
      '\n        import json\n        n = dbutils.fs.mounts()\n        print(len(dbutils.fs.mounts()))\n        ' +
        'dbutils.notebook.exit(json.dumps(n))\n    ',
    );
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('text');
    const triples = JSON.parse(s.results.data) as string[][];
    expect(triples).toContainEqual(['/databricks-datasets', 'databricks-datasets', '']);
    for (const t of triples) expect(t).toHaveLength(3);
  });

  test('an unsupported statement finishes with resultType error naming it', async () => {
    const s = await run('df = spark.range(10)\nprint(df.count())');
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
    expect(s.results.summary).toContain('NotImplementedError');
    expect(s.results.summary).toContain('df = spark.range(10)');
    expect(s.results.cause).toContain('NotImplementedError');
  });

  test('only Python runs', async () => {
    const s = await run('println(1)', { language: 'scala' });
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
  });

  test('commands on a cluster that stopped are refused', async () => {
    const id = (await w.post('/api/2.1/clusters/create', { ...SPEC, cluster_name: 'short' })).json.cluster_id as string;
    await pollUntil(
      () => clusterState(id),
      (c) => c.state === 'RUNNING',
    );
    const ctx = await newContext(id);
    await w.post('/api/2.1/clusters/delete', { cluster_id: id });
    const r = await w.post('/api/1.2/commands/execute', { clusterId: id, contextId: ctx, language: 'python', command: 'print(1)' });
    expect(r.status).toBe(400);
    expect(Object.keys(r.json)).toEqual(['error']);
    expect(r.json.error).toContain(id);
  });
});

describe('mounts through dbutils', () => {
  test('a workspace lists only the built-in mounts at first', async () => {
    expect(await mounts()).toEqual(BUILT_IN_MOUNTS);
  });

  test('dbutils.fs.mount with extra_configs (a secret among them) creates the mount', async () => {
    const s = await run(mountCommand('/mnt/raw/'));
    expect(s).toMatchObject({ status: 'Finished', results: { resultType: 'text' } });
    const listed = await mounts();
    expect(listed).toEqual([...BUILT_IN_MOUNTS, { mountPoint: '/mnt/raw', source: RAW_SOURCE }]);
    // The secret is kept as a reference, never as its value.
    expect(emu.workspace.dbfs.mounts.get('/mnt/raw')?.extraConfigs).toEqual({
      'fs.azure.account.auth.type': 'OAuth',
      'fs.azure.account.oauth2.client.id': '11111111-2222-3333-4444-555555555555',
      'fs.azure.account.oauth2.client.secret': '{{secrets/dr/sp-secret}}',
    });
  });

  test('positional arguments and the Python repr of mounts()', async () => {
    const source = 'wasbs://curated@contosolake.blob.core.windows.net/';
    const s = await run(
      `dbutils.fs.mount("${source}", "/mnt/curated", extra_configs = ` +
        `{"fs.azure.account.key.contosolake.blob.core.windows.net": dbutils.secrets.get("dr", "sp-secret")})\n` +
        `dbutils.fs.refreshMounts()`,
    );
    expect(s.results.resultType).toBe('text');
    const repr = await run('print(dbutils.fs.mounts())');
    expect(repr.results.data).toContain(`MountInfo(mountPoint='/mnt/curated', source='${source}', encryptionType='')`);
    expect(repr.results.data).toContain("MountInfo(mountPoint='/', source='DatabricksRoot', encryptionType='')");
    expect(emu.workspace.dbfs.mounts.get('/mnt/curated')?.extraConfigs).toEqual({
      'fs.azure.account.key.contosolake.blob.core.windows.net': '{{secrets/dr/sp-secret}}',
    });
  });

  test('mounting an existing mount point finishes with a "Directory already mounted" error', async () => {
    const s = await run(mountCommand('/mnt/raw', 'abfss://other@contosolake.dfs.core.windows.net/'));
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
    expect(s.results.summary).toContain('Directory already mounted: /mnt/raw');
    expect(s.results.cause).toContain('Directory already mounted');
    expect((await mounts()).find((m) => m.mountPoint === '/mnt/raw')?.source).toBe(RAW_SOURCE);
  });

  test('a mount whose secret does not exist fails like dbutils does, and mounts nothing', async () => {
    const s = await run(
      `dbutils.fs.mount(source="${RAW_SOURCE}", mount_point="/mnt/nosecret", extra_configs={"k": ` +
        `dbutils.secrets.get(scope="dr", key="missing")})`,
    );
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
    expect(s.results.summary).toContain('Secret does not exist with scope: dr and key: missing');
    expect((await mounts()).map((m) => m.mountPoint)).not.toContain('/mnt/nosecret');
  });

  test('a cancelled command ends as Finished with an error result', async () => {
    const r = await w.post('/api/1.2/commands/execute', { clusterId, contextId, language: 'python', command: 'print("slow")' });
    expect((await w.post('/api/1.2/commands/cancel', { clusterId, contextId, commandId: r.json.id })).status).toBe(200);
    const s = (await w.get('/api/1.2/commands/status', { clusterId, contextId, commandId: r.json.id })).json;
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
  });

  test('a mount point outside /mnt is refused', async () => {
    const s = await run(mountCommand('/data/raw'));
    expect(s.status).toBe('Finished');
    expect(s.results.resultType).toBe('error');
    expect((await mounts()).map((m) => m.mountPoint)).not.toContain('/data/raw');
  });

  test('DBFS lists mounts under /mnt as directories, but cannot list inside one', async () => {
    const mnt = await w.get('/api/2.0/dbfs/list', { path: '/mnt' });
    expect(mnt.status).toBe(200);
    const entries = mnt.json.files as Array<{ path: string; is_dir: boolean; file_size: number }>;
    expect(entries.map((f) => f.path)).toEqual(['/mnt/curated', '/mnt/raw']);
    for (const f of entries) expect(f).toMatchObject({ is_dir: true, file_size: 0 });
    const status = await w.get('/api/2.0/dbfs/get-status', { path: 'dbfs:/mnt/raw' });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({ path: '/mnt/raw', is_dir: true });
    const inside = await w.get('/api/2.0/dbfs/list', { path: '/mnt/raw' });
    expect(inside.status).toBe(400);
    expect(inside.json.error_code).toBe('IO_ERROR');
    const deeper = await w.get('/api/2.0/dbfs/get-status', { path: '/mnt/raw/landing/2024' });
    expect(deeper.status).toBe(400);
    expect(deeper.json.error_code).toBe('IO_ERROR');
    // Built-in mounts are not DBFS directories through the REST API.
    const root = (await w.get('/api/2.0/dbfs/list', { path: '/' })).json.files as Array<{ path: string }>;
    expect(root.map((f) => f.path)).not.toContain('/databricks-datasets');
    expect((await w.get('/api/2.0/dbfs/list', { path: 'dbfs:/databricks-datasets/' })).status).toBe(404);
  });

  test('unmount removes the mount and its DBFS directory; unmounting again is an error', async () => {
    const s = await run('dbutils.fs.unmount("/mnt/curated")');
    expect(s.results).toEqual({ resultType: 'text', data: '' });
    expect((await mounts()).map((m) => m.mountPoint)).not.toContain('/mnt/curated');
    const files = (await w.get('/api/2.0/dbfs/list', { path: '/mnt' })).json.files as Array<{ path: string }>;
    expect(files.map((f) => f.path)).toEqual(['/mnt/raw']);
    const again = await run('dbutils.fs.unmount(mount_point="/mnt/curated")');
    expect(again.status).toBe('Finished');
    expect(again.results.resultType).toBe('error');
    expect(again.results.summary).toContain('Directory not mounted: /mnt/curated');
  });
});

describe('one-time runs that mount storage', () => {
  const NOTEBOOK = `# Databricks notebook source
dbutils.fs.mount(source="wasbs://logs@contosolake.blob.core.windows.net/", mount_point="/mnt/logs",
                 extra_configs={"fs.azure.account.key.contosolake.blob.core.windows.net": dbutils.secrets.get(scope="dr", key="sp-secret")})

# COMMAND ----------

dbutils.notebook.exit("mounted /mnt/logs")
`;

  async function runGet(runId: bigint | number): Promise<any> {
    const r = await w.get('/api/2.1/jobs/runs/get', { run_id: String(runId) });
    expect(r.status).toBe(200);
    return r.json;
  }

  async function submit(notebookPath: string): Promise<bigint | number> {
    const r = await w.post('/api/2.1/jobs/runs/submit', {
      run_name: 'dr-mounts',
      tasks: [
        {
          task_key: 'mount',
          new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 },
          notebook_task: { notebook_path: notebookPath },
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['run_id']);
    return r.json.run_id;
  }

  test('runs/submit of a notebook that mounts: the run succeeds, the mount exists, the job cluster is terminated', async () => {
    await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/dr' });
    const imported = await w.post('/api/2.0/workspace/import', {
      path: '/Shared/dr/mount-logs',
      content: b64(NOTEBOOK),
      language: 'PYTHON',
      format: 'SOURCE',
    });
    expect(imported.status).toBe(200);

    const runId = await submit('/Shared/dr/mount-logs');
    const pending = await runGet(runId);
    expect(pending.state.life_cycle_state).toBe('PENDING');
    expect(pending.run_type).toBe('SUBMIT_RUN');
    expect(pending.run_name).toBe('dr-mounts');
    const jobClusterId = pending.tasks[0].cluster_instance.cluster_id as string;
    const jobCluster = await clusterState(jobClusterId);
    expect(jobCluster.cluster_source).toBe('JOB');
    expect(jobCluster.state).toBe('PENDING');
    expect(jobCluster.cluster_name).toBe(`job-${pending.job_id}-run-${pending.tasks[0].run_id}`);
    expect(jobCluster.default_tags).toMatchObject({
      JobId: String(pending.job_id),
      RunName: 'dr-mounts',
      ClusterName: jobCluster.cluster_name,
    });

    const done = await pollUntil(
      () => runGet(runId),
      (r) => r.state.life_cycle_state !== 'PENDING' && r.state.life_cycle_state !== 'RUNNING',
    );
    expect(done.state).toEqual({
      life_cycle_state: 'TERMINATED',
      result_state: 'SUCCESS',
      state_message: '',
      user_cancelled_or_timedout: false,
    });
    expect(done.status).toMatchObject({ state: 'TERMINATED', termination_details: { code: 'SUCCESS' } });
    expect(done.tasks[0].state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(typeof done.tasks[0].cluster_instance.spark_context_id).toBe('string');

    expect((await mounts()).find((m) => m.mountPoint === '/mnt/logs')).toEqual({
      mountPoint: '/mnt/logs',
      source: 'wasbs://logs@contosolake.blob.core.windows.net/',
    });
    expect(emu.workspace.dbfs.mounts.get('/mnt/logs')?.extraConfigs).toEqual({
      'fs.azure.account.key.contosolake.blob.core.windows.net': '{{secrets/dr/sp-secret}}',
    });

    const stopped = await pollUntil(
      () => clusterState(jobClusterId),
      (c) => c.state === 'TERMINATED',
    );
    expect(stopped.termination_reason).toEqual({ code: 'JOB_FINISHED', type: 'SUCCESS' });
    // The job cluster is not an all-purpose cluster a DR tool would replay.
    const allPurpose = (await w.get('/api/2.1/clusters/list', { 'filter_by.cluster_sources': ['UI', 'API'] })).json.clusters as Array<{
      cluster_id: string;
    }>;
    expect(allPurpose.map((c) => c.cluster_id)).not.toContain(jobClusterId);

    const output = await w.get('/api/2.1/jobs/runs/get-output', { run_id: String(done.tasks[0].run_id) });
    expect(output.status).toBe(200);
    expect(output.json.notebook_output).toEqual({ result: 'mounted /mnt/logs', truncated: false });
    expect(output.json.error).toBeUndefined();
    expect(output.json.metadata).toMatchObject({ run_id: done.tasks[0].run_id, task_key: 'mount', state: { result_state: 'SUCCESS' } });

    const parent = await w.get('/api/2.1/jobs/runs/get-output', { run_id: String(runId) });
    expect(parent.status).toBe(400);
    expect(parent.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each ' +
        'individual task run instead.',
    });
  });

  test('the same notebook again fails on "Directory already mounted"; the output carries the error', async () => {
    const runId = await submit('/Shared/dr/mount-logs');
    const done = await pollUntil(
      () => runGet(runId),
      (r) => r.state.life_cycle_state !== 'PENDING' && r.state.life_cycle_state !== 'RUNNING',
    );
    expect(done.state).toMatchObject({
      life_cycle_state: 'INTERNAL_ERROR',
      result_state: 'FAILED',
      state_message: 'Task mount failed with message: Workload failed, see run output for details.',
    });
    expect(done.tasks[0].state).toMatchObject({
      life_cycle_state: 'TERMINATED',
      result_state: 'FAILED',
      state_message: 'Workload failed, see run output for details',
    });
    const output = await w.get('/api/2.1/jobs/runs/get-output', { run_id: String(done.tasks[0].run_id) });
    expect(output.status).toBe(200);
    expect(output.json.error).toContain('Directory already mounted: /mnt/logs');
    expect(output.json.notebook_output).toBeUndefined();
    await pollUntil(
      () => clusterState(done.tasks[0].cluster_instance.cluster_id),
      (c) => c.state === 'TERMINATED',
    );
  });
});
