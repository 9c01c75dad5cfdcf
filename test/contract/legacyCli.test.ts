/**
 * The requests Databricks' legacy CLI (databricks-cli 0.18, Python, archived) sends, in
 * its exact shapes, and the response fields it reads: every command of the groups
 * workspace, clusters, jobs, runs, fs, groups, secrets, libraries, instance-pools,
 * cluster-policies and repos was run by hand against the emulator, and each is encoded
 * here. Shapes from the CLI's sources (databricks_cli/sdk/api_client.py, sdk/service.py
 * and each group's api.py / cli.py) and /work/research/legacy-cli.md. The quirks that
 * matter:
 * - every request carries `Content-Type: text/json`, GETs included; non-GET bodies are
 *   JSON, even `{}` on DELETE; GET parameters are query strings, booleans `true`/`false`;
 * - every 2xx answer must be JSON (`{}` at least): the CLI calls resp.json();
 * - ids from --job-id / --run-id go out as JSON strings; clusters/events numbers too;
 * - jobs and runs use API 2.0 unless --version 2.1 (or the profile) says otherwise;
 * - DBFS paths go out with `dbfs:`; `fs cp` uploads multipart, file part `file`,
 *   overwrite as Python's "True"/"False", with no 1 MB limit.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { fromJson } from '../emulator/json.js';

let emu: EmulatorHandle;

beforeAll(async () => {
  emu = await startEmulator({
    clusterStartMs: 20,
    clusterStopMs: 10,
    runDurationMs: 20,
    fixture: {
      version: 1,
      users: [{ userName: 'ana@example.com' }],
      workspace: [
        { type: 'DIRECTORY', path: '/Shared/cli' },
        {
          type: 'NOTEBOOK',
          path: '/Shared/cli/hello',
          language: 'PYTHON',
          source: '# Databricks notebook source\ndbutils.notebook.exit("hi")\n',
        },
      ],
    },
  });
});
afterAll(() => emu.stop());

interface CliResponse {
  status: number;
  json: any;
}

/** One request the way databricks-cli's ApiClient.perform_query makes it. */
async function cli(method: string, path: string, data: Record<string, unknown> = {}): Promise<CliResponse> {
  const url = new URL(`/api/${path}`, emu.url);
  const headers = { authorization: 'Bearer dapi-legacy-cli', 'content-type': 'text/json', 'user-agent': 'databricks-cli-0.18.0-test' };
  let body: string | undefined;
  if (method === 'GET') {
    for (const [k, v] of Object.entries(data)) url.searchParams.set(k, typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v));
  } else {
    body = JSON.stringify(data);
  }
  const r = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await r.text();
  // resp.json(): an empty or non-JSON 2xx body breaks every command.
  return { status: r.status, json: fromJson(text) };
}

/** `fs cp` of a local file: multipart, part `file` with the local name, overwrite "True"/"False". */
async function cliUpload(dbfsPath: string, content: Buffer, overwrite: boolean): Promise<CliResponse> {
  const form = new FormData();
  form.append('path', dbfsPath);
  form.append('overwrite', overwrite ? 'True' : 'False');
  form.append('file', new Blob([content], { type: 'multipart/form-data' }), 'local.bin');
  const r = await fetch(new URL('/api/2.0/dbfs/put', emu.url), {
    method: 'POST',
    headers: { authorization: 'Bearer dapi-legacy-cli' },
    body: form,
  });
  return { status: r.status, json: fromJson(await r.text()) };
}

function ok(r: CliResponse): any {
  expect(r.status).toBe(200);
  return r.json;
}

async function runFinished(version: string, runId: unknown): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const run = ok(await cli('GET', `${version}/jobs/runs/get`, { run_id: String(runId) }));
    if (['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.state.life_cycle_state)) return run;
    await sleep(10);
  }
  throw new Error(`run ${String(runId)} did not finish`);
}

describe('databricks-cli 0.18 against the emulator', () => {
  test('groups: list, create, add-member, list-members, list-parents, remove-member, delete', async () => {
    expect(ok(await cli('GET', '2.0/groups/list')).group_names).toEqual(['admins', 'users']);
    expect(ok(await cli('POST', '2.0/groups/create', { group_name: 'cli' }))).toEqual({ group_name: 'cli' });
    expect(ok(await cli('POST', '2.0/groups/add-member', { parent_name: 'cli', user_name: 'ana@example.com' }))).toEqual({});
    expect(ok(await cli('POST', '2.0/groups/add-member', { parent_name: 'admins', group_name: 'cli' }))).toEqual({});
    expect(ok(await cli('GET', '2.0/groups/list-members', { group_name: 'cli' }))).toEqual({ members: [{ user_name: 'ana@example.com' }] });
    expect(ok(await cli('GET', '2.0/groups/list-parents', { user_name: 'ana@example.com' }))).toEqual({ group_names: ['cli'] });
    expect(ok(await cli('GET', '2.0/groups/list-parents', { group_name: 'cli' }))).toEqual({ group_names: ['admins'] });
    expect(ok(await cli('POST', '2.0/groups/remove-member', { parent_name: 'admins', group_name: 'cli' }))).toEqual({});
    // `delete` without --group-name sends {} (the option is not required).
    expect((await cli('POST', '2.0/groups/delete', {})).status).toBe(400);
    expect(ok(await cli('POST', '2.0/groups/delete', { group_name: 'cli' }))).toEqual({});
  });

  test('workspace: ls, mkdirs, import, export, export_dir, import_dir, rm', async () => {
    // ls reads path, object_type and object_id of every object (object_id is required).
    const ls = ok(await cli('GET', '2.0/workspace/list', { path: '/Shared/cli' }));
    for (const o of ls.objects)
      expect(o).toEqual(
        expect.objectContaining({ path: expect.any(String), object_type: expect.any(String), object_id: expect.anything() }),
      );
    expect(ok(await cli('POST', '2.0/workspace/mkdirs', { path: '/Shared/cli/sub' }))).toEqual({});
    const content = Buffer.from('# Databricks notebook source\nprint("x")\n').toString('base64');
    // import always sends format (SOURCE by default), language and overwrite.
    const imported = { path: '/Shared/cli/sub/nb', format: 'SOURCE', language: 'PYTHON', content, overwrite: false };
    expect((await cli('POST', '2.0/workspace/import', imported)).status).toBe(200);
    expect((await cli('POST', '2.0/workspace/import', imported)).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await cli('POST', '2.0/workspace/import', { ...imported, overwrite: true })).status).toBe(200);
    // export to a local directory: get-status (NOTEBOOK, language, path), then export SOURCE's content.
    const status = ok(await cli('GET', '2.0/workspace/get-status', { path: '/Shared/cli/sub/nb' }));
    expect(status).toMatchObject({ object_type: 'NOTEBOOK', language: 'PYTHON', path: '/Shared/cli/sub/nb' });
    const exported = ok(await cli('GET', '2.0/workspace/export', { path: '/Shared/cli/sub/nb', format: 'SOURCE' }));
    expect(Buffer.from(exported.content, 'base64').toString()).toBe('# Databricks notebook source\nprint("x")\n');
    // export_dir: get-status must say DIRECTORY, then a recursive list.
    expect(ok(await cli('GET', '2.0/workspace/get-status', { path: '/Shared/cli' })).object_type).toBe('DIRECTORY');
    // delete always sends recursive.
    expect((await cli('POST', '2.0/workspace/delete', { path: '/Shared/cli/sub', recursive: false })).json.error_code).toBe(
      'DIRECTORY_NOT_EMPTY',
    );
    expect(ok(await cli('POST', '2.0/workspace/delete', { path: '/Shared/cli/sub', recursive: true }))).toEqual({});
  });

  test('clusters: list, get (by id and by name), create, edit, resize, restart, delete, start, events, permanent-delete', async () => {
    const spec = { cluster_name: 'cli', spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 };
    const id = ok(await cli('POST', '2.0/clusters/create', spec)).cluster_id as string;
    // list's table reads cluster_id, cluster_name and state; --cluster-name resolves through list.
    const listed = ok(await cli('GET', '2.0/clusters/list')).clusters.find((c: { cluster_name: string }) => c.cluster_name === 'cli');
    expect(listed).toEqual(expect.objectContaining({ cluster_id: id, cluster_name: 'cli', state: expect.any(String) }));
    expect(ok(await cli('GET', '2.0/clusters/get', { cluster_id: id })).cluster_name).toBe('cli');
    await sleep(40);
    // resize sends num_workers as a number; the others just the id.
    expect(ok(await cli('POST', '2.0/clusters/resize', { cluster_id: id, num_workers: 2 }))).toEqual({});
    expect(ok(await cli('POST', '2.0/clusters/restart', { cluster_id: id }))).toEqual({});
    await sleep(40);
    expect(ok(await cli('POST', '2.0/clusters/edit', { ...spec, cluster_id: id, num_workers: 3 }))).toEqual({});
    expect(ok(await cli('POST', '2.0/clusters/delete', { cluster_id: id }))).toEqual({});
    await sleep(30);
    expect(ok(await cli('POST', '2.0/clusters/start', { cluster_id: id }))).toEqual({});
    for (const extra of ['list-node-types', 'spark-versions', 'list-zones'])
      expect((await cli('GET', `2.0/clusters/${extra}`)).status).toBe(200);
    // events always sends event_types; numbers given as options go out as strings. The table reads timestamp, type, details.
    const events = ok(
      await cli('POST', '2.0/clusters/events', { cluster_id: id, event_types: [], limit: '3', offset: '0', order: 'DESC' }),
    );
    expect(events.events).toHaveLength(3);
    for (const e of events.events)
      expect(e).toEqual(expect.objectContaining({ timestamp: expect.any(Number), type: expect.any(String), details: expect.any(Object) }));
    expect(events.total_count).toBeGreaterThan(3);
    expect(events.next_page).toMatchObject({ cluster_id: id, offset: 3, limit: 3 });
    const created = ok(await cli('POST', '2.0/clusters/events', { cluster_id: id, event_types: ['CREATING'] }));
    expect(created.events.map((e: { type: string }) => e.type)).toEqual(['CREATING']);
    expect(ok(await cli('POST', '2.0/clusters/permanent-delete', { cluster_id: id }))).toEqual({});
  });

  test('jobs and runs on API 2.0 (the CLI default) and 2.1: ids as strings, single-task bodies, list --all paging by offset', async () => {
    const single = {
      name: 'cli-job',
      new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 },
      notebook_task: { notebook_path: '/Shared/cli/hello' },
    };
    const jobId = ok(await cli('POST', '2.0/jobs/create', single)).job_id;
    // list: the table reads jobs[].job_id and jobs[].settings.name; always sends expand_tasks.
    const listed = ok(await cli('GET', '2.0/jobs/list', { expand_tasks: false }));
    expect(listed.jobs.map((j: { job_id: unknown; settings: { name: string } }) => [j.job_id, j.settings.name])).toContainEqual([
      jobId,
      'cli-job',
    ]);
    // list --all on 2.1: offset advances by len(jobs) while has_more.
    for (let i = 0; i < 3; i++)
      ok(
        await cli('POST', '2.1/jobs/create', {
          name: `cli-${i}`,
          tasks: [{ task_key: 't', notebook_task: { notebook_path: '/x' } }],
        }),
      );
    const page = ok(await cli('GET', '2.1/jobs/list', { expand_tasks: false, limit: 2, offset: 0 }));
    expect(page.jobs).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const rest = ok(await cli('GET', '2.1/jobs/list', { expand_tasks: false, limit: 20, offset: 2 }));
    expect(rest.has_more).toBe(false);
    ok(await cli('GET', '2.0/jobs/get', { job_id: String(jobId) }));
    expect(ok(await cli('POST', '2.0/jobs/reset', { job_id: String(jobId), new_settings: single }))).toEqual({});

    // run-now: job_id as a string, plus the *_params that were given.
    const started = ok(await cli('POST', '2.0/jobs/run-now', { job_id: String(jobId), notebook_params: { a: 'b' } }));
    expect(Object.keys(started).sort()).toEqual(['number_in_job', 'run_id']);
    // runs list: only the given flags; the table reads run_id, run_name, state.life_cycle_state, state.result_state, run_page_url.
    const runs = ok(await cli('GET', '2.0/jobs/runs/list', { job_id: String(jobId), active_only: true }));
    expect(runs.runs[0]).toEqual(
      expect.objectContaining({
        run_id: started.run_id,
        run_name: 'cli-job',
        state: expect.objectContaining({ life_cycle_state: expect.any(String) }),
        run_page_url: expect.any(String),
      }),
    );
    const done = await runFinished('2.0', started.run_id);
    expect(done.state.result_state).toBe('SUCCESS');
    // get-output of a single-task run answers for its task.
    expect(ok(await cli('GET', '2.0/jobs/runs/get-output', { run_id: String(started.run_id) })).notebook_output).toEqual({
      result: 'hi',
      truncated: false,
    });

    // runs submit --wait: run_id, then runs/get until TERMINATED, reading state.result_state, state_message and run_page_url.
    const submitted = ok(
      await cli('POST', '2.1/jobs/runs/submit', {
        run_name: 'cli-submit',
        tasks: [{ task_key: 't', new_cluster: single.new_cluster, notebook_task: single.notebook_task }],
      }),
    );
    const submittedRun = await runFinished('2.1', submitted.run_id);
    expect(submittedRun).toMatchObject({
      state: { result_state: 'SUCCESS', state_message: expect.any(String) },
      run_page_url: expect.any(String),
    });
    const legacySubmit = ok(
      await cli('POST', '2.0/jobs/runs/submit', {
        run_name: 'legacy',
        new_cluster: single.new_cluster,
        notebook_task: single.notebook_task,
      }),
    );
    expect((await runFinished('2.0', legacySubmit.run_id)).state.result_state).toBe('SUCCESS');
    // runs cancel sends the id as a string and prints the (JSON) answer.
    expect(ok(await cli('POST', '2.1/jobs/runs/cancel', { run_id: String(submitted.run_id) }))).toEqual({});
    expect(ok(await cli('POST', '2.0/jobs/delete', { job_id: String(jobId) }))).toEqual({});
  });

  test('fs: ls, mkdirs, cp up and down (multipart, get-status, read loop), mv, rm -r', async () => {
    // ls reads path, is_dir and file_size of every entry (all required), paths without dbfs:.
    const root = ok(await cli('GET', '2.0/dbfs/list', { path: 'dbfs:/' }));
    for (const f of root.files)
      expect(f).toEqual(
        expect.objectContaining({ path: expect.stringMatching(/^\//), is_dir: expect.any(Boolean), file_size: expect.any(Number) }),
      );
    expect(ok(await cli('POST', '2.0/dbfs/mkdirs', { path: 'dbfs:/cli/dir' }))).toEqual({});
    // cp local → dbfs: get-status of the target (a RESOURCE_DOES_NOT_EXIST 404 is expected), then a multipart put.
    const missing = await cli('GET', '2.0/dbfs/get-status', { path: 'dbfs:/cli/dir/big.bin' });
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    expect(ok(await cliUpload('dbfs:/cli/dir/big.bin', big, false))).toEqual({});
    expect((await cliUpload('dbfs:/cli/dir/big.bin', big, false)).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(ok(await cliUpload('dbfs:/cli/dir/big.bin', big.subarray(0, 10), true))).toEqual({});
    expect(ok(await cliUpload('dbfs:/cli/dir/big.bin', big, true))).toEqual({});
    // cp dbfs → local: get-status (is_dir, file_size), then read 1 MiB at a time, offset += bytes_read.
    const info = ok(await cli('GET', '2.0/dbfs/get-status', { path: 'dbfs:/cli/dir/big.bin' }));
    expect(info).toMatchObject({ is_dir: false, file_size: big.length });
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < info.file_size; ) {
      const chunk = ok(await cli('GET', '2.0/dbfs/read', { path: 'dbfs:/cli/dir/big.bin', offset, length: 1048576 }));
      expect(chunk.bytes_read).toBeGreaterThan(0);
      chunks.push(Buffer.from(chunk.data, 'base64'));
      offset += chunk.bytes_read;
    }
    expect(Buffer.concat(chunks).equals(big)).toBe(true);
    expect(
      ok(await cli('POST', '2.0/dbfs/move', { source_path: 'dbfs:/cli/dir/big.bin', destination_path: 'dbfs:/cli/moved.bin' })),
    ).toEqual({});
    // rm always sends recursive; a non-empty directory without it is IO_ERROR (the CLI retries only a 503 PARTIAL_DELETE).
    expect((await cli('POST', '2.0/dbfs/delete', { path: 'dbfs:/cli', recursive: false })).json.error_code).toBe('IO_ERROR');
    expect(ok(await cli('POST', '2.0/dbfs/delete', { path: 'dbfs:/cli', recursive: true }))).toEqual({});
  });

  test('secrets: scopes, secrets and ACLs, the fields the tables read', async () => {
    // create-scope always sends scope_backend_type.
    expect(
      ok(
        await cli('POST', '2.0/secrets/scopes/create', {
          scope: 'cli',
          scope_backend_type: 'DATABRICKS',
          initial_manage_principal: 'users',
        }),
      ),
    ).toEqual({});
    const scopes = ok(await cli('GET', '2.0/secrets/scopes/list'));
    expect(scopes.scopes).toContainEqual({ name: 'cli', backend_type: 'DATABRICKS' });
    expect(ok(await cli('POST', '2.0/secrets/put', { scope: 'cli', key: 'k', string_value: 'v' }))).toEqual({});
    expect(ok(await cli('POST', '2.0/secrets/put', { scope: 'cli', key: 'b', bytes_value: Buffer.from('x').toString('base64') }))).toEqual(
      {},
    );
    const secrets = ok(await cli('GET', '2.0/secrets/list', { scope: 'cli' }));
    expect(secrets.secrets.map((s: { key: string }) => s.key).sort()).toEqual(['b', 'k']);
    expect(secrets.secrets[0].last_updated_timestamp).toEqual(expect.any(Number));
    expect(ok(await cli('POST', '2.0/secrets/acls/put', { scope: 'cli', principal: 'ana@example.com', permission: 'READ' }))).toEqual({});
    expect(ok(await cli('GET', '2.0/secrets/acls/list', { scope: 'cli' })).items).toContainEqual({
      principal: 'ana@example.com',
      permission: 'READ',
    });
    expect(ok(await cli('GET', '2.0/secrets/acls/get', { scope: 'cli', principal: 'ana@example.com' }))).toEqual({
      principal: 'ana@example.com',
      permission: 'READ',
    });
    expect(ok(await cli('POST', '2.0/secrets/acls/delete', { scope: 'cli', principal: 'ana@example.com' }))).toEqual({});
    expect(ok(await cli('POST', '2.0/secrets/delete', { scope: 'cli', key: 'k' }))).toEqual({});
    expect(ok(await cli('POST', '2.0/secrets/scopes/delete', { scope: 'cli' }))).toEqual({});
  });

  test('libraries: statuses, install of each kind, uninstall and uninstall --all', async () => {
    const spec = { cluster_name: 'libs', spark_version: '15.4.x-scala2.12', node_type_id: 'Standard_DS3_v2', num_workers: 1 };
    const id = ok(await cli('POST', '2.0/clusters/create', spec)).cluster_id as string;
    const kinds = [
      { jar: 'dbfs:/FileStore/jars/a.jar' },
      { egg: 'dbfs:/FileStore/eggs/a.egg' },
      { whl: 'dbfs:/FileStore/wheels/a.whl' },
      { maven: { coordinates: 'com.a:b:1.0', repo: 'https://repo.example.com', exclusions: ['x:y'] } },
      { pypi: { package: 'requests==2.32.3', repo: 'https://pypi.example.com' } },
      { cran: { package: 'ggplot2' } },
    ];
    // One library per install call.
    for (const library of kinds)
      expect(ok(await cli('POST', '2.0/libraries/install', { cluster_id: id, libraries: [library] }))).toEqual({});
    const status = ok(await cli('GET', '2.0/libraries/cluster-status', { cluster_id: id }));
    expect(status.library_statuses.map((s: { library: unknown }) => s.library)).toEqual(kinds);
    expect(ok(await cli('GET', '2.0/libraries/all-cluster-statuses')).statuses.map((s: { cluster_id: string }) => s.cluster_id)).toContain(
      id,
    );
    expect(ok(await cli('POST', '2.0/libraries/uninstall', { cluster_id: id, libraries: [kinds[0]] }))).toEqual({});
    // uninstall --all: cluster-status, then every library_statuses[].library.
    const all = status.library_statuses.map((s: { library: unknown }) => s.library);
    expect(ok(await cli('POST', '2.0/libraries/uninstall', { cluster_id: id, libraries: all }))).toEqual({});
  });

  test('instance-pools: create, get, edit, delete; list reads the four stats counters', async () => {
    const body = {
      instance_pool_name: 'cli-pool',
      node_type_id: 'Standard_DS3_v2',
      min_idle_instances: 0,
      idle_instance_autotermination_minutes: 30,
    };
    const id = ok(await cli('POST', '2.0/instance-pools/create', body)).instance_pool_id as string;
    const listed = ok(await cli('GET', '2.0/instance-pools/list')).instance_pools.find(
      (p: { instance_pool_id: string }) => p.instance_pool_id === id,
    );
    expect(listed).toMatchObject({
      instance_pool_name: 'cli-pool',
      stats: { idle_count: 0, used_count: 0, pending_idle_count: 0, pending_used_count: 0 },
    });
    expect(ok(await cli('GET', '2.0/instance-pools/get', { instance_pool_id: id })).instance_pool_name).toBe('cli-pool');
    expect(ok(await cli('POST', '2.0/instance-pools/edit', { ...body, instance_pool_id: id, max_capacity: 5 }))).toEqual({});
    expect(ok(await cli('POST', '2.0/instance-pools/delete', { instance_pool_id: id }))).toEqual({});
  });

  test('cluster-policies: a dict definition goes out re-encoded as a JSON string; list reads policy_id, name, definition', async () => {
    const definition = JSON.stringify({ spark_version: { type: 'fixed', value: '15.4.x-scala2.12' } });
    const id = ok(await cli('POST', '2.0/policies/clusters/create', { name: 'cli-policy', definition })).policy_id as string;
    const listed = ok(await cli('GET', '2.0/policies/clusters/list')).policies.find((p: { policy_id: string }) => p.policy_id === id);
    expect(listed).toMatchObject({ policy_id: id, name: 'cli-policy', definition });
    expect(ok(await cli('GET', '2.0/policies/clusters/get', { policy_id: id })).definition).toBe(definition);
    expect(
      ok(await cli('POST', '2.0/policies/clusters/edit', { policy_id: id, name: 'cli-policy', definition, max_clusters_per_user: 2 })),
    ).toEqual({});
    expect(ok(await cli('POST', '2.0/policies/clusters/delete', { policy_id: id }))).toEqual({});
  });

  test('repos: create (provider from the host), get by path through get-status, update branch or tag, delete with a {} body', async () => {
    const repo = ok(await cli('POST', '2.0/repos', { url: 'https://github.com/contoso/cli.git', provider: 'gitHub' }));
    expect(repo).toMatchObject({ path: '/Repos/admin@example.com/cli', branch: 'main' });
    expect(
      ok(await cli('GET', '2.0/repos', { path_prefix: '/Repos/admin@example.com' })).repos.map((r: { id: unknown }) => r.id),
    ).toContain(repo.id);
    // get --path: get-status must say REPO; its object_id is the repo id.
    const status = ok(await cli('GET', '2.0/workspace/get-status', { path: '/Repos/admin@example.com/cli' }));
    expect(status).toMatchObject({ object_type: 'REPO', object_id: repo.id });
    expect(ok(await cli('GET', `2.0/repos/${String(repo.id)}`)).url).toBe('https://github.com/contoso/cli.git');
    expect(ok(await cli('PATCH', `2.0/repos/${String(repo.id)}`, { branch: 'develop' }))).toEqual({});
    expect(ok(await cli('PATCH', `2.0/repos/${String(repo.id)}`, { tag: 'v1.0' }))).toEqual({});
    expect(ok(await cli('DELETE', `2.0/repos/${String(repo.id)}`, {}))).toEqual({});
    expect((await cli('GET', '2.0/workspace/get-status', { path: '/Repos/admin@example.com/cli' })).status).toBe(404);
  });
});
