import { invalidParameter, LegacyError } from '../errors.js';
import { isObject, type Json } from '../http.js';
import type { Random } from '../rng.js';
import { renderSource } from '../notebook/source.js';
import type { ClusterRecord, Clusters } from './clusters.js';
import type { Dbfs } from './dbfs.js';
import { type ExecutionResult, runPython, type SecretLookup } from './dbutils.js';
import type { IdFactory } from './ids.js';
import { normalizeDbfsPath, normalizeWorkspacePath } from './paths.js';
import type { Workspace } from './workspace.js';

interface ContextRecord {
  id: string;
  clusterId: string;
  language: string;
}

interface CommandRecord {
  id: string;
  contextId: string;
  clusterId: string;
  finishAt: number;
  result: ExecutionResult;
  cancelled: boolean;
}

/** How long a command stays `Running` before it is `Finished`. */
const COMMAND_MS = 150;

function contextId(random: Random): string {
  return String(random.digits(19));
}

/** Command Execution API 1.2: execution contexts and commands on running clusters. */
export class CommandExecution {
  private readonly contexts = new Map<string, ContextRecord>();
  private readonly commands = new Map<string, CommandRecord>();
  private readonly now: () => number;
  private readonly secretExists: SecretLookup;

  constructor(private readonly ws: Workspace) {
    this.now = ws.now;
    this.secretExists = (scope, key) => ws.secrets.exists(scope, key);
  }

  private get random(): Random {
    return this.ws.random;
  }

  private get clusters(): Clusters {
    return this.ws.clusters;
  }

  private get dbfs(): Dbfs {
    return this.ws.dbfs;
  }

  createContext(clusterId: string | undefined, language: string | undefined): string {
    if (!clusterId) throw new LegacyError(400, 'requirement failed: missing clusterId');
    const cluster = this.runningCluster(clusterId);
    const id = contextId(this.random);
    this.contexts.set(id, { id, clusterId: cluster.clusterId, language: (language ?? 'python').toLowerCase() });
    return id;
  }

  contextStatus(clusterId: string | undefined, id: string | undefined): Json {
    const ctx = this.context(clusterId, id);
    return { id: ctx.id, status: 'Running' };
  }

  destroyContext(clusterId: string | undefined, id: string | undefined): void {
    const ctx = this.context(clusterId, id);
    this.contexts.delete(ctx.id);
  }

  execute(
    clusterId: string | undefined,
    contextIdValue: string | undefined,
    language: string | undefined,
    command: string | undefined,
  ): string {
    const ctx = this.context(clusterId, contextIdValue);
    this.runningCluster(ctx.clusterId);
    if (command === undefined) throw new LegacyError(400, 'requirement failed: missing command');
    const lang = (language ?? ctx.language).toLowerCase();
    const result: ExecutionResult =
      lang === 'python'
        ? runPython(command, this.dbfs, this.secretExists)
        : { resultType: 'error', summary: `The Databricks emulator executes only Python commands, not ${lang}.` };
    const id = contextId(this.random);
    this.commands.set(id, { id, contextId: ctx.id, clusterId: ctx.clusterId, finishAt: this.now() + COMMAND_MS, result, cancelled: false });
    return id;
  }

  status(clusterId: string | undefined, contextIdValue: string | undefined, commandId: string | undefined): Json {
    this.context(clusterId, contextIdValue);
    const cmd = commandId === undefined ? undefined : this.commands.get(commandId);
    if (!cmd) throw new LegacyError(400, `Command ${String(commandId)} does not exist.`);
    // A cancelled command ends as Finished with an error result, as on the service.
    if (cmd.cancelled) {
      return {
        id: cmd.id,
        status: 'Finished',
        results: { resultType: 'error', summary: 'Command cancelled', cause: 'CommandCancelledException: Command was cancelled.' },
      };
    }
    if (this.now() < cmd.finishAt) return { id: cmd.id, status: 'Running' };
    return { id: cmd.id, status: 'Finished', results: cmd.result };
  }

  cancel(clusterId: string | undefined, contextIdValue: string | undefined, commandId: string | undefined): void {
    this.context(clusterId, contextIdValue);
    const cmd = commandId === undefined ? undefined : this.commands.get(commandId);
    if (!cmd) throw new LegacyError(400, `Command ${String(commandId)} does not exist.`);
    if (this.now() < cmd.finishAt) cmd.cancelled = true;
  }

  private context(clusterId: string | undefined, id: string | undefined): ContextRecord {
    if (!clusterId) throw new LegacyError(400, 'requirement failed: missing clusterId');
    if (!id) throw new LegacyError(400, 'requirement failed: missing contextId');
    const ctx = this.contexts.get(id);
    if (!ctx || ctx.clusterId !== clusterId) throw new LegacyError(400, `Context ${id} not found.`);
    return ctx;
  }

  private runningCluster(clusterId: string): ClusterRecord {
    let cluster: ClusterRecord;
    try {
      cluster = this.clusters.get(clusterId);
    } catch {
      throw new LegacyError(400, `Cluster ${clusterId} does not exist`);
    }
    if (cluster.state !== 'RUNNING') {
      throw new LegacyError(400, `Cluster ${clusterId} is not running; its state is ${cluster.state}. Start it before running commands.`);
    }
    return cluster;
  }
}

export interface TaskRun {
  taskKey: string;
  runId: bigint;
  clusterId: string;
  /** A cluster this run created (new_cluster), terminated when the run ends. */
  ownsCluster: boolean;
  spec: Json;
  result?: ExecutionResult;
}

export interface RunRecord {
  runId: bigint;
  jobId: bigint;
  runName: string;
  /** SUBMIT_RUN (runs/submit) or JOB_RUN (run-now). */
  runType: 'SUBMIT_RUN' | 'JOB_RUN';
  /** As the service numbers them: the run id. */
  numberInJob: bigint;
  /** run-now's *_params, echoed as `overriding_parameters`. */
  overridingParameters?: Json;
  jobParameters?: Json;
  createdAt: number;
  creatorUserName: string;
  idempotencyToken?: string;
  tasks: TaskRun[];
  /** When the run's clusters were all running (work starts then). */
  startedAt?: number;
  endedAt?: number;
  resultState?: 'SUCCESS' | 'FAILED';
  stateMessage: string;
}

/** What a run needs from the rest of the workspace. */
interface RunEnvironment {
  createJobCluster(spec: Json, creator: string): ClusterRecord;
  notebookSource(path: string): string | undefined;
  fileContent(path: string): string | undefined;
  secretExists: SecretLookup;
}

/**
 * One-time runs (runs/submit) and runs of saved jobs (run-now). A run waits for its clusters, "executes" for
 * `durationMs`, then runs its notebook or Python file tasks through the same
 * interpreter as command execution, and terminates the clusters it created.
 */
export class Runs {
  readonly records = new Map<bigint, RunRecord>();
  private readonly now: () => number;
  private readonly durationMs: number;
  private readonly env: RunEnvironment;

  constructor(private readonly ws: Workspace) {
    this.now = ws.now;
    this.durationMs = ws.options.runDurationMs ?? 1000;
    this.env = {
      createJobCluster: (spec, creator) => ws.clusters.create({ ...spec }, ws.creatorOf(creator), { source: 'JOB' }),
      notebookSource: (path) => {
        const node = ws.tree.find(normalizeWorkspacePath(path));
        return node?.notebook ? renderSource(node.notebook) : undefined;
      },
      secretExists: (scope, key) => ws.secrets.exists(scope, key),
      fileContent: (path) => {
        if (path.startsWith('dbfs:')) return ws.dbfs.find(normalizeDbfsPath(path))?.content.toString('utf8');
        const node = ws.tree.find(normalizeWorkspacePath(path.replace(/^file:/, '')));
        return node?.content?.toString('utf8');
      },
    };
  }

  private get ids(): IdFactory {
    return this.ws.ids;
  }

  private get clusters(): Clusters {
    return this.ws.clusters;
  }

  private get dbfs(): Dbfs {
    return this.ws.dbfs;
  }

  /** runs/submit: a one-time run of the tasks in the body. */
  submit(body: Json, creator: string): RunRecord {
    const tasks = body['tasks'];
    if (!Array.isArray(tasks) || tasks.length === 0) throw invalidParameter('A run must have at least one task.');
    return this.start(
      {
        runName: typeof body['run_name'] === 'string' ? body['run_name'] : 'Untitled',
        runType: 'SUBMIT_RUN',
        tasks,
        jobClusters: [],
        token: body['idempotency_token'],
      },
      creator,
    );
  }

  /**
   * jobs/run-now: a run of a saved job's tasks. Job clusters (`job_cluster_key`) are
   * made for the run like `new_cluster`; tasks without classic compute (run_job_task,
   * serverless) complete without a cluster.
   */
  runNow(job: { jobId: bigint; settings: Json }, body: Json, creator: string): RunRecord {
    const tasks = job.settings['tasks'];
    if (!Array.isArray(tasks) || tasks.length === 0) throw invalidParameter(`Job ${job.jobId} has no tasks to run.`);
    const overriding: Json = {};
    for (const k of ['jar_params', 'notebook_params', 'python_params', 'spark_submit_params', 'python_named_params', 'sql_params']) {
      if (body[k] !== undefined) overriding[k] = body[k];
    }
    return this.start(
      {
        runName: typeof job.settings['name'] === 'string' ? job.settings['name'] : 'Untitled',
        runType: 'JOB_RUN',
        tasks,
        jobClusters: Array.isArray(job.settings['job_clusters']) ? (job.settings['job_clusters'] as Json[]) : [],
        token: body['idempotency_token'],
        jobId: job.jobId,
        ...(Object.keys(overriding).length > 0 ? { overriding } : {}),
        ...(isObject(body['job_parameters']) ? { jobParameters: body['job_parameters'] } : {}),
      },
      creator,
    );
  }

  /** Every run, newest first (runs/list order). */
  sorted(): RunRecord[] {
    return [...this.records.values()].sort((a, b) => b.createdAt - a.createdAt || (b.runId > a.runId ? 1 : -1));
  }

  private start(
    input: {
      runName: string;
      runType: RunRecord['runType'];
      tasks: unknown[];
      jobClusters: Json[];
      token: unknown;
      jobId?: bigint;
      overriding?: Json;
      jobParameters?: Json;
    },
    creator: string,
  ): RunRecord {
    // An idempotency token returns the run it started before (runs/submit and run-now).
    const token = typeof input.token === 'string' && input.token !== '' ? input.token : undefined;
    if (token !== undefined) {
      for (const r of this.records.values()) if (r.idempotencyToken === token) return r;
    }
    const runTasks: TaskRun[] = [];
    for (const raw of input.tasks) {
      if (!isObject(raw) || typeof raw['task_key'] !== 'string') throw invalidParameter('Task key is required.');
      let cluster: ClusterRecord | undefined;
      let owns = false;
      const jobCluster = input.jobClusters.find((jc) => jc['job_cluster_key'] === raw['job_cluster_key']);
      if (typeof raw['existing_cluster_id'] === 'string') {
        cluster = this.clusters.get(raw['existing_cluster_id']);
        if (cluster.state === 'TERMINATED') this.clusters.start(cluster.clusterId);
      } else if (isObject(raw['new_cluster'])) {
        cluster = this.env.createJobCluster(raw['new_cluster'], creator);
        owns = true;
      } else if (jobCluster && isObject(jobCluster['new_cluster'])) {
        cluster = this.env.createJobCluster(jobCluster['new_cluster'], creator);
        owns = true;
      } else if (input.runType === 'SUBMIT_RUN') {
        throw invalidParameter(`Task ${raw['task_key']} needs existing_cluster_id or new_cluster.`);
      }
      runTasks.push({
        taskKey: raw['task_key'],
        runId: this.ids.int64(),
        clusterId: cluster?.clusterId ?? '',
        ownsCluster: owns,
        spec: raw,
      });
    }
    const jobId = input.jobId ?? this.ids.int64();
    const record: RunRecord = {
      runId: this.ids.int64(),
      jobId,
      runName: input.runName,
      runType: input.runType,
      numberInJob: 0n,
      createdAt: this.now(),
      creatorUserName: creator,
      tasks: runTasks,
      stateMessage: '',
      ...(token === undefined ? {} : { idempotencyToken: token }),
      ...(input.overriding ? { overridingParameters: input.overriding } : {}),
      ...(input.jobParameters ? { jobParameters: input.jobParameters } : {}),
    };
    record.numberInJob = record.runId;
    for (const task of runTasks) {
      const cluster = task.ownsCluster ? this.clusters.records.get(task.clusterId) : undefined;
      if (cluster) cluster.job = { jobId: record.jobId, runId: task.runId, runName: record.runName };
    }
    this.records.set(record.runId, record);
    return record;
  }

  /** Advance every unfinished run; called on each request. */
  tick(): void {
    for (const run of this.records.values()) if (run.endedAt === undefined) this.advance(run);
  }

  find(runId: bigint): { run: RunRecord; task?: TaskRun } | undefined {
    const run = this.records.get(runId);
    if (run) {
      this.advance(run);
      return { run };
    }
    for (const r of this.records.values()) {
      const task = r.tasks.find((t) => t.runId === runId);
      if (task) {
        this.advance(r);
        return { run: r, task };
      }
    }
    return undefined;
  }

  cancel(runId: bigint, by: string): void {
    const found = this.find(runId);
    if (!found) throw invalidParameter(`Run ${String(runId)} does not exist.`);
    const run = found.run;
    if (run.endedAt !== undefined) return;
    run.endedAt = this.now();
    run.resultState = 'FAILED';
    run.stateMessage = `Run cancelled by ${by}.`;
    this.releaseClusters(run, by);
  }

  private advance(run: RunRecord): void {
    if (run.endedAt !== undefined) return;
    const now = this.now();
    if (run.startedAt === undefined) {
      // Tasks without classic compute have no cluster to wait for.
      const states = run.tasks
        .filter((t) => t.clusterId !== '')
        .map((t) => {
          const c = this.clusters.records.get(t.clusterId);
          if (c) this.clusters.refresh(c);
          return c;
        });
      if (states.some((c) => !c || c.permanentlyDeleted || c.state === 'TERMINATED' || c.state === 'TERMINATING')) {
        run.endedAt = now;
        run.resultState = 'FAILED';
        run.stateMessage = 'Cluster was terminated before the run started.';
        return;
      }
      if (!states.every((c) => c?.state === 'RUNNING')) return;
      run.startedAt = now;
    }
    if (now - run.startedAt < this.durationMs) return;
    // Execute the tasks once, in order.
    let failed: TaskRun | undefined;
    for (const task of run.tasks) {
      task.result = this.executeTask(task);
      if (task.result.resultType === 'error' && !failed) failed = task;
    }
    run.endedAt = run.startedAt + this.durationMs;
    run.resultState = failed ? 'FAILED' : 'SUCCESS';
    run.stateMessage = failed ? `Task ${failed.taskKey} failed with message: Workload failed, see run output for details.` : '';
    this.releaseClusters(run, run.creatorUserName, { code: 'JOB_FINISHED', type: 'SUCCESS' });
  }

  /** Terminate the clusters the run created: JOB_FINISHED when it ends, the user's request when cancelled. */
  private releaseClusters(run: RunRecord, by: string, reason?: Json): void {
    for (const task of run.tasks) {
      if (task.ownsCluster) {
        try {
          this.clusters.terminate(task.clusterId, by, reason);
        } catch {
          // already gone
        }
      }
    }
  }

  private executeTask(task: TaskRun): ExecutionResult {
    const notebook = task.spec['notebook_task'];
    if (isObject(notebook)) {
      const source = this.env.notebookSource(String(notebook['notebook_path']));
      if (source === undefined) {
        return { resultType: 'error', summary: `Notebook not found: ${String(notebook['notebook_path'])}` };
      }
      return runPython(source, this.dbfs, this.env.secretExists);
    }
    const python = task.spec['spark_python_task'];
    if (isObject(python)) {
      const content = this.env.fileContent(String(python['python_file']));
      if (content === undefined) return { resultType: 'error', summary: `File not found: ${String(python['python_file'])}` };
      return runPython(content, this.dbfs, this.env.secretExists);
    }
    return { resultType: 'text', data: '' };
  }
}
