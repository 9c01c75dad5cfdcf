import type { AreaState } from '../area.js';
import { type ApiError, invalidParameter, invalidState } from '../errors.js';
import { isObject, type Json } from '../http.js';
import { nodeTypes, isWellFormedSparkVersion } from './catalog.js';
import type { IdFactory } from './ids.js';
import type { Workspace } from './workspace.js';

/** Clusters' part of a fixture. */
export interface ClustersSection {
  clusters?: FixtureCluster[];
}

export interface FixtureCluster {
  cluster_id?: string;
  /** The create request (user-specified spec). */
  spec: Record<string, unknown>;
  /** @default 'UI' */
  cluster_source?: 'UI' | 'API' | 'JOB' | 'PIPELINE' | 'PIPELINE_MAINTENANCE' | 'SQL' | 'MODELS';
  /** @default 'TERMINATED' */
  state?: 'RUNNING' | 'TERMINATED';
  pinned?: boolean;
  creator_user_name?: string;
  /** Epoch ms of the last termination; clusters terminated > 30 days ago and unpinned are not listed. */
  terminated_time?: number;
  /** Installed libraries (Library objects). */
  libraries?: Record<string, unknown>[];
}

export type ClusterState = 'PENDING' | 'RUNNING' | 'RESTARTING' | 'RESIZING' | 'TERMINATING' | 'TERMINATED' | 'ERROR';
export type ClusterSource = 'UI' | 'API' | 'JOB' | 'PIPELINE' | 'PIPELINE_MAINTENANCE' | 'SQL' | 'MODELS';

export interface LibraryEntry {
  library: Json;
  status: 'PENDING' | 'INSTALLING' | 'INSTALLED' | 'UNINSTALL_ON_RESTART' | 'FAILED';
}

export interface ClusterRecord {
  clusterId: string;
  /** The user-specified create/edit body (what `spec` echoes). */
  spec: Json;
  source: ClusterSource;
  creatorUserName: string;
  creatorId: string;
  state: ClusterState;
  stateSince: number;
  /** What to do when the current transition completes (a restart ends RUNNING, a stop ends TERMINATED). */
  startTime: number;
  terminatedTime?: number;
  lastRestartedTime?: number;
  sparkContextId?: bigint;
  terminationReason?: Json;
  stateMessage: string;
  pinnedBy?: string;
  permanentlyDeleted: boolean;
  libraries: LibraryEntry[];
  driverNode?: Json;
  /** The one-time run a JOB cluster was created for (its name and `JobId`/`RunName` tags). */
  job?: { jobId: bigint; runId: bigint; runName: string };
  /** What clusters/events reports, oldest first. */
  events: ClusterEvent[];
}

/** One cluster event (SDK ClusterEvent; types from its EventType enum). */
export interface ClusterEvent {
  timestamp: number;
  type: 'CREATING' | 'STARTING' | 'RUNNING' | 'RESTARTING' | 'RESIZING' | 'EDITED' | 'TERMINATING' | 'PINNED' | 'UNPINNED';
  details: Json;
}

/** Fields the service computes; they appear on get/list and are refused on create/edit. */
export const READ_ONLY_CLUSTER_FIELDS = [
  'cluster_id',
  'state',
  'state_message',
  'start_time',
  'terminated_time',
  'last_restarted_time',
  'last_state_loss_time',
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
] as const;

/** Clusters terminated longer ago than this, and not pinned, are gone (docs: 30 days). */
const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface ClusterTiming {
  startMs: number;
  stopMs: number;
}

export function clusterNotFound(id: string): ApiError {
  return invalidParameter(`Cluster ${id} does not exist`);
}

/**
 * Clusters API state. Clusters move PENDING → RUNNING after `startMs` and
 * TERMINATING → TERMINATED after `stopMs`; transitions are computed when a cluster
 * is read, so no timers run in the background.
 */
export class Clusters implements AreaState<ClustersSection> {
  readonly records = new Map<string, ClusterRecord>();
  private readonly ids: IdFactory;
  private readonly now: () => number;
  private readonly timing: ClusterTiming;
  private readonly strictReadOnly = true;

  constructor(private readonly ws: Workspace) {
    this.ids = ws.ids;
    this.now = ws.now;
    this.timing = { startMs: ws.options.clusterStartMs ?? 2000, stopMs: ws.options.clusterStopMs ?? 500 };
  }

  private poolExists(id: string): boolean {
    return this.ws.pools.has(id);
  }

  private policyExists(id: string): boolean {
    return this.ws.policies.has(id);
  }

  load(fixture: ClustersSection): void {
    const admin = this.ws.principals.adminUserName();
    for (const c of fixture.clusters ?? []) {
      const creatorName = c.creator_user_name ?? admin;
      const creator = this.ws.creatorOf(creatorName);
      const spec = this.validateSpec({ ...c.spec }, creatorName, false);
      const record = this.create(spec, creator, {
        source: c.cluster_source ?? 'UI',
        state: c.state ?? 'TERMINATED',
        ...(c.cluster_id === undefined ? {} : { clusterId: c.cluster_id }),
        ...(c.terminated_time === undefined ? {} : { terminatedTime: c.terminated_time }),
        ...(c.pinned ? { pinnedBy: creator.id } : {}),
      });
      record.libraries = (c.libraries ?? []).map((library) => ({
        library,
        status: record.state === 'RUNNING' ? 'INSTALLED' : 'PENDING',
      }));
      this.ws.permissions.initialize('clusters', record.clusterId, [this.ws.creatorGrant(creatorName, 'CAN_MANAGE')]);
    }
  }

  dump(): Required<ClustersSection> {
    return {
      clusters: [...this.records.values()]
        .filter((c) => !c.permanentlyDeleted)
        .map((c) => ({
          cluster_id: c.clusterId,
          spec: c.spec,
          cluster_source: c.source,
          state: c.state === 'RUNNING' || c.state === 'RESIZING' ? 'RUNNING' : 'TERMINATED',
          pinned: c.pinnedBy !== undefined,
          creator_user_name: c.creatorUserName,
          ...(c.terminatedTime === undefined ? {} : { terminated_time: c.terminatedTime }),
          libraries: c.libraries.filter((l) => l.status !== 'UNINSTALL_ON_RESTART').map((l) => l.library),
        })),
    };
  }

  /** Check a create/edit body; returns the normalized spec. */
  validateSpec(body: Json, callerUserName: string, forEdit: boolean): Json {
    const spec: Json = { ...body };
    delete spec['cluster_id'];
    if (this.strictReadOnly) {
      for (const field of READ_ONLY_CLUSTER_FIELDS) {
        if (field !== 'cluster_id' && body[field] !== undefined) {
          throw invalidParameter(
            `Field '${field}' is read-only and cannot be set in ${forEdit ? 'an edit' : 'a create'} request. Remove it from the request.`,
          );
        }
      }
    }
    const sparkVersion = spec['spark_version'];
    if (typeof sparkVersion !== 'string' || sparkVersion === '') {
      throw callerError("Missing required field 'spark_version'");
    }
    if (!isWellFormedSparkVersion(sparkVersion)) throw invalidParameter(`Invalid spark version ${sparkVersion}.`);
    const poolId = spec['instance_pool_id'];
    if (poolId !== undefined) {
      if (typeof poolId !== 'string' || !this.poolExists(poolId)) {
        throw invalidParameter(`Can't find an instance pool with id: ${String(poolId)}.`);
      }
    }
    const driverPoolId = spec['driver_instance_pool_id'];
    if (driverPoolId !== undefined && (typeof driverPoolId !== 'string' || !this.poolExists(driverPoolId))) {
      throw invalidParameter(`Can't find an instance pool with id: ${String(driverPoolId)}.`);
    }
    const policyId = spec['policy_id'];
    if (policyId !== undefined && (typeof policyId !== 'string' || !this.policyExists(policyId))) {
      throw invalidParameter(`Cluster policy ${String(policyId)} does not exist`);
    }
    const nodeType = spec['node_type_id'];
    if (nodeType === undefined && poolId === undefined) throw callerError("Missing required field 'node_type_id'");
    // The pool decides the node type; get reads it back, so a spec copied from get's top level trips this.
    if (nodeType !== undefined && poolId !== undefined) {
      throw invalidParameter("The field 'node_type_id' cannot be supplied when an instance pool ID is provided.");
    }
    for (const field of ['node_type_id', 'driver_node_type_id']) {
      const v = spec[field];
      if (v !== undefined && !nodeTypes().some((n) => n.node_type_id === v)) {
        throw invalidParameter(`Node type ${String(v)} is not supported. Use list-node-types to see the supported node types.`);
      }
    }
    if (spec['num_workers'] !== undefined && spec['autoscale'] !== undefined) {
      throw invalidParameter('Exactly one of num_workers or autoscale must be specified.');
    }
    const autoscale = spec['autoscale'];
    if (autoscale !== undefined) {
      if (!isObject(autoscale)) throw invalidParameter('autoscale must be an object.');
      const min = Number(autoscale['min_workers'] ?? 0);
      const max = Number(autoscale['max_workers'] ?? 0);
      if (!(max > min)) throw invalidParameter(`Invalid autoscale: max_workers (${max}) must be greater than min_workers (${min}).`);
    }
    const auto = spec['autotermination_minutes'];
    if (auto !== undefined) {
      const n = Number(auto);
      if (!Number.isInteger(n) || (n !== 0 && (n < 10 || n > 10000))) {
        throw invalidParameter('Autotermination minutes must be 0 or between 10 and 10000.');
      }
    }
    const tags = spec['custom_tags'];
    if (isObject(tags) && Object.keys(tags).length > 45) throw invalidParameter('A cluster can have at most 45 custom tags.');
    if (spec['data_security_mode'] === 'SINGLE_USER' || spec['data_security_mode'] === 'DATA_SECURITY_MODE_DEDICATED') {
      if (spec['single_user_name'] === undefined) spec['single_user_name'] = callerUserName;
    }
    return spec;
  }

  create(
    spec: Json,
    creator: { userName: string; id: string },
    options: {
      source?: ClusterSource;
      clusterId?: string;
      state?: 'RUNNING' | 'TERMINATED' | 'PENDING';
      terminatedTime?: number;
      pinnedBy?: string;
    } = {},
  ): ClusterRecord {
    const now = this.now();
    const state = options.state ?? 'PENDING';
    const record: ClusterRecord = {
      clusterId: options.clusterId ?? this.ids.clusterId(now),
      spec,
      source: options.source ?? 'API',
      creatorUserName: creator.userName,
      creatorId: creator.id,
      state,
      stateSince: now,
      startTime: now,
      stateMessage: state === 'PENDING' ? PENDING_MESSAGE : '',
      permanentlyDeleted: false,
      libraries: [],
      events: [],
      ...(options.pinnedBy === undefined ? {} : { pinnedBy: options.pinnedBy }),
    };
    if (state === 'RUNNING') record.sparkContextId = this.ids.sparkContextId();
    if (state === 'TERMINATED') {
      record.terminatedTime = options.terminatedTime ?? now;
      record.terminationReason = { code: 'INACTIVITY', type: 'SUCCESS', parameters: { inactivity_duration_min: '120' } };
      record.stateMessage = 'Inactive cluster terminated (inactive for 120 minutes).';
    }
    this.event(record, 'CREATING', { user: creator.userName }, now);
    if (state === 'RUNNING') this.event(record, 'RUNNING', this.workers(record), now);
    this.records.set(record.clusterId, record);
    return record;
  }

  /** A visible cluster, with its state brought up to date. */
  get(id: string): ClusterRecord {
    const record = this.records.get(id);
    if (!record || record.permanentlyDeleted) throw clusterNotFound(id);
    this.refresh(record);
    if (this.isPurged(record)) {
      throw invalidState(`Cannot access cluster ${id} that was terminated or unpinned more than 30 days ago.`);
    }
    return record;
  }

  visible(): ClusterRecord[] {
    const out: ClusterRecord[] = [];
    for (const r of this.records.values()) {
      if (r.permanentlyDeleted) continue;
      this.refresh(r);
      if (!this.isPurged(r)) out.push(r);
    }
    return out;
  }

  edit(id: string, spec: Json, by?: string): void {
    const r = this.get(id);
    if (r.source === 'JOB') throw invalidParameter(`Cannot edit cluster ${id} created by JobLauncher`);
    if (r.state !== 'RUNNING' && r.state !== 'TERMINATED') throw unexpectedState(r);
    this.event(r, 'EDITED', { ...(by === undefined ? {} : { user: by }), previous_attributes: r.spec, attributes: spec });
    r.spec = spec;
    if (r.state === 'RUNNING') this.transition(r, 'RESTARTING', 'Restarting Spark');
  }

  start(id: string, by?: string): void {
    const r = this.get(id);
    if (r.state !== 'TERMINATED') throw unexpectedState(r);
    this.event(r, 'STARTING', by === undefined ? {} : { user: by });
    r.startTime = this.now();
    delete r.terminationReason;
    delete r.terminatedTime;
    this.transition(r, 'PENDING', PENDING_MESSAGE);
  }

  restart(id: string, by?: string): void {
    const r = this.get(id);
    if (r.state !== 'RUNNING') throw unexpectedState(r);
    this.event(r, 'RESTARTING', by === undefined ? {} : { user: by });
    r.lastRestartedTime = this.now();
    this.transition(r, 'RESTARTING', 'Restarting Spark');
  }

  resize(id: string, change: Json, by?: string): void {
    const r = this.get(id);
    if (r.state !== 'RUNNING') throw invalidState(`Cluster ${id} is not running.`);
    const target = change['num_workers'] ?? (isObject(change['autoscale']) ? change['autoscale']['min_workers'] : undefined);
    this.event(r, 'RESIZING', {
      current_num_workers: this.workers(r).current_num_workers,
      ...(target === undefined ? {} : { target_num_workers: Number(target) }),
      ...(by === undefined ? {} : { user: by }),
    });
    if (change['num_workers'] !== undefined) {
      r.spec['num_workers'] = change['num_workers'];
      delete r.spec['autoscale'];
    } else if (change['autoscale'] !== undefined) {
      r.spec['autoscale'] = change['autoscale'];
      delete r.spec['num_workers'];
    }
  }

  /** Terminate at a user's request, or with `reason` (e.g. JOB_FINISHED when a run releases its cluster). */
  terminate(id: string, byUserName: string, reason?: Json): void {
    const r = this.get(id);
    if (r.state === 'TERMINATED' || r.state === 'TERMINATING') return;
    r.terminationReason = reason ?? { code: 'USER_REQUEST', type: 'SUCCESS', parameters: { username: byUserName } };
    this.event(r, 'TERMINATING', { reason: r.terminationReason as Json });
    this.transition(r, 'TERMINATING', reason === undefined ? `Termination requested by ${byUserName}` : '');
  }

  permanentDelete(id: string, byUserName: string): void {
    const r = this.get(id);
    if (r.pinnedBy !== undefined) {
      throw invalidParameter(`Cluster ${id} is pinned. Please unpin the cluster first before deleting it permanently.`);
    }
    if (r.state !== 'TERMINATED') this.terminate(id, byUserName);
    r.permanentlyDeleted = true;
  }

  pin(id: string, byUserId: string, by?: string): void {
    const r = this.get(id);
    r.pinnedBy = byUserId;
    this.event(r, 'PINNED', by === undefined ? {} : { user: by });
  }

  unpin(id: string, by?: string): void {
    const r = this.get(id);
    delete r.pinnedBy;
    this.event(r, 'UNPINNED', by === undefined ? {} : { user: by });
  }

  /** Bring a cluster's state up to date with the clock. */
  refresh(r: ClusterRecord): void {
    const now = this.now();
    for (;;) {
      const elapsed = now - r.stateSince;
      if ((r.state === 'PENDING' || r.state === 'RESTARTING') && elapsed >= this.timing.startMs) {
        r.stateSince += this.timing.startMs;
        r.state = 'RUNNING';
        this.event(r, 'RUNNING', this.workers(r), r.stateSince);
        r.stateMessage = '';
        r.sparkContextId = this.ids.sparkContextId();
        for (const lib of r.libraries) if (lib.status === 'PENDING' || lib.status === 'INSTALLING') lib.status = 'INSTALLED';
        r.libraries = r.libraries.filter((l) => l.status !== 'UNINSTALL_ON_RESTART');
        continue;
      }
      if (r.state === 'TERMINATING' && elapsed >= this.timing.stopMs) {
        r.stateSince += this.timing.stopMs;
        r.state = 'TERMINATED';
        r.terminatedTime = r.stateSince;
        r.libraries = r.libraries.filter((l) => l.status !== 'UNINSTALL_ON_RESTART');
        continue;
      }
      return;
    }
  }

  private event(r: ClusterRecord, type: ClusterEvent['type'], details: Json, at: number = this.now()): void {
    r.events.push({ timestamp: at, type, details });
  }

  private workers(r: ClusterRecord): { current_num_workers: number; target_num_workers: number } {
    const n = isObject(r.spec['autoscale']) ? Number(r.spec['autoscale']['min_workers'] ?? 0) : Number(r.spec['num_workers'] ?? 0);
    return { current_num_workers: n, target_num_workers: n };
  }

  private transition(r: ClusterRecord, state: ClusterState, message: string): void {
    r.state = state;
    r.stateSince = this.now();
    r.stateMessage = message;
    if (state === 'PENDING' || state === 'RESTARTING') {
      r.libraries = r.libraries.map((l) => (l.status === 'INSTALLED' ? { ...l, status: 'PENDING' } : l));
    }
  }

  private isPurged(r: ClusterRecord): boolean {
    return (
      r.state === 'TERMINATED' && r.pinnedBy === undefined && r.terminatedTime !== undefined && this.now() - r.terminatedTime > RETENTION_MS
    );
  }
}

const PENDING_MESSAGE = 'Finding instances for new nodes, acquiring more instances if necessary';

function unexpectedState(r: ClusterRecord): ApiError {
  const pretty = r.state.charAt(0) + r.state.slice(1).toLowerCase();
  return invalidState(`Cluster ${r.clusterId} is in unexpected state ${pretty}.`);
}

function callerError(message: string): ApiError {
  const error = invalidParameter(message);
  return error;
}
