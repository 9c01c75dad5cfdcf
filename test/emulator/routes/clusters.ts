import { invalidParameter } from '../errors.js';
import { isObject, type Json, type Routes, versions } from '../http.js';
import { nodeTypeJson, nodeTypes, SPARK_VERSIONS } from '../state/catalog.js';
import type { ClusterRecord } from '../state/clusters.js';
import type { Workspace } from '../state/workspace.js';

const V = ['2.0', '2.1'];
const AZURE_DEFAULTS = { availability: 'ON_DEMAND_AZURE', first_on_demand: 1, spot_bid_max_price: -1 };
const MAX_PAGE = 100;

/** ClusterDetails as clusters/get returns it; list omits `spec`. */
export function clusterDetails(ws: Workspace, r: ClusterRecord, withSpec: boolean): Json {
  const spec = r.spec;
  const out: Json = { cluster_id: r.clusterId };
  if (ws.principals.userByName(r.creatorUserName) || ws.principals.servicePrincipalByAppId(r.creatorUserName)) {
    out['creator_user_name'] = r.creatorUserName;
  }
  const running = r.state === 'RUNNING' || r.state === 'RESIZING';
  Object.assign(out, structuredClone(spec));
  delete out['apply_policy_default_values'];
  delete out['idempotency_token'];
  // A run's cluster is named after the job and task run, e.g. `job-951738965563208-run-13053153698407`.
  if (out['cluster_name'] === undefined) out['cluster_name'] = r.job ? `job-${r.job.jobId}-run-${r.job.runId}` : '';
  if (out['num_workers'] === undefined && out['autoscale'] === undefined) out['num_workers'] = 0;
  // Pool-backed clusters read back the node types of their pools.
  const poolNodeType = (id: unknown): unknown => (typeof id === 'string' ? ws.pools.records.get(id)?.spec['node_type_id'] : undefined);
  if (out['node_type_id'] === undefined) {
    const poolType = poolNodeType(spec['instance_pool_id']);
    if (poolType !== undefined) out['node_type_id'] = poolType;
  }
  if (out['driver_node_type_id'] === undefined) {
    const driverType = poolNodeType(spec['driver_instance_pool_id']) ?? out['node_type_id'];
    if (driverType !== undefined) out['driver_node_type_id'] = driverType;
  }
  if (out['enable_elastic_disk'] === undefined) out['enable_elastic_disk'] = true;
  if (out['instance_pool_id'] === undefined) {
    out['azure_attributes'] = { ...AZURE_DEFAULTS, ...(isObject(spec['azure_attributes']) ? spec['azure_attributes'] : {}) };
  }
  out['disk_spec'] = {};
  out['init_scripts_safe_mode'] = false;
  out['enable_local_disk_encryption'] = spec['enable_local_disk_encryption'] ?? false;
  out['state'] = r.state;
  out['state_message'] = r.stateMessage;
  out['start_time'] = r.startTime;
  if (r.terminatedTime !== undefined && r.state === 'TERMINATED') out['terminated_time'] = r.terminatedTime;
  if (r.lastRestartedTime !== undefined) out['last_restarted_time'] = r.lastRestartedTime;
  if (r.terminationReason !== undefined && (r.state === 'TERMINATED' || r.state === 'TERMINATING')) {
    out['termination_reason'] = r.terminationReason;
  }
  const tags: Json = { Vendor: 'Databricks', Creator: r.creatorUserName, ClusterName: String(out['cluster_name']), ClusterId: r.clusterId };
  if (typeof spec['instance_pool_id'] === 'string') {
    tags['DatabricksInstancePoolId'] = spec['instance_pool_id'];
    tags['DatabricksInstancePoolCreatorId'] = ws.pools.records.get(spec['instance_pool_id'])?.creatorId ?? '';
  }
  if (r.job) {
    tags['JobId'] = String(r.job.jobId);
    tags['RunName'] = r.job.runName;
  }
  out['default_tags'] = tags;
  out['cluster_source'] = r.source;
  if (r.sparkContextId !== undefined) out['spark_context_id'] = r.sparkContextId;
  out['jdbc_port'] = 10000;
  const workers =
    typeof spec['num_workers'] === 'number'
      ? spec['num_workers']
      : isObject(spec['autoscale'])
        ? Number(spec['autoscale']['min_workers'] ?? 0)
        : 0;
  const node = nodeTypes().find((n) => n.node_type_id === (out['node_type_id'] ?? 'Standard_DS3_v2'));
  if (running && node) {
    out['cluster_memory_mb'] = node.memory_mb * (workers + 1);
    out['cluster_cores'] = node.num_cores * (workers + 1);
    const ip = (i: number): string => `10.139.${64 + (i % 64)}.${4 + i}`;
    const sparkNode = (i: number): Json => ({
      private_ip: ip(i),
      node_id: r.clusterId.replace(/-/g, '').padEnd(32, String(i)).slice(0, 32),
      instance_id: `${r.clusterId.replace(/-/g, '')}${i}`.padEnd(32, 'a').slice(0, 32),
      start_timestamp: r.stateSince,
      host_private_ip: `10.139.0.${4 + i}`,
    });
    out['driver'] = sparkNode(0);
    if (workers > 0) out['executors'] = Array.from({ length: workers }, (_, i) => sparkNode(i + 1));
  } else {
    out['cluster_memory_mb'] = 0;
    out['cluster_cores'] = 0;
  }
  if (r.pinnedBy !== undefined) out['pinned_by_user_name'] = r.pinnedBy;
  if (withSpec) {
    const userSpec = structuredClone(spec);
    delete userSpec['idempotency_token'];
    out['spec'] = userSpec;
  }
  return out;
}

function encodeToken(offset: number): string {
  return Buffer.from(`clusters:${offset}`).toString('base64url');
}

function decodeToken(token: string): number {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const m = /^clusters:(\d+)$/.exec(text);
  if (!m) throw invalidParameter(`Invalid page token: ${token}`);
  return Number(m[1]);
}

const STATE_ORDER: Record<string, number> = { RUNNING: 0, RESIZING: 0, PENDING: 1, RESTARTING: 1, TERMINATING: 2, ERROR: 2, TERMINATED: 3 };

export function registerClusters(routes: Routes, ws: Workspace): void {
  routes.get(versions(V, '/clusters/list'), 'clusters.list', (ctx) => {
    let clusters = ws.clusters
      .visible()
      .sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || b.startTime - a.startTime);
    if (ctx.version === '2.0') {
      const all = clusters.map((c) => clusterDetails(ws, c, false));
      return all.length === 0 ? {} : { clusters: all };
    }
    const sources = ctx.query.all('filter_by.cluster_sources');
    if (sources.length > 0) clusters = clusters.filter((c) => sources.includes(c.source));
    const states = ctx.query.all('filter_by.cluster_states');
    if (states.length > 0) clusters = clusters.filter((c) => states.includes(c.state));
    if (ctx.query.has('filter_by.is_pinned')) {
      const pinned = ctx.query.bool('filter_by.is_pinned');
      clusters = clusters.filter((c) => (c.pinnedBy !== undefined) === pinned);
    }
    const policy = ctx.query.str('filter_by.policy_id');
    if (policy !== undefined) clusters = clusters.filter((c) => c.spec['policy_id'] === policy);
    const field = ctx.query.str('sort_by.field') ?? 'DEFAULT';
    const direction = ctx.query.str('sort_by.direction') ?? 'ASC';
    if (!['DEFAULT', 'CLUSTER_NAME'].includes(field)) throw invalidParameter(`Invalid sort_by.field ${field}.`);
    if (!['ASC', 'DESC'].includes(direction)) throw invalidParameter(`Invalid sort_by.direction ${direction}.`);
    if (field === 'CLUSTER_NAME') {
      clusters.sort((a, b) => String(a.spec['cluster_name'] ?? '').localeCompare(String(b.spec['cluster_name'] ?? '')));
    }
    if (direction === 'DESC') clusters.reverse();
    const pageSize = ctx.query.int('page_size') ?? MAX_PAGE;
    if (pageSize < 1 || pageSize > MAX_PAGE) throw invalidParameter(`page_size must be between 1 and ${MAX_PAGE}.`);
    const token = ctx.query.str('page_token');
    const offset = token ? decodeToken(token) : 0;
    const page = clusters.slice(offset, offset + pageSize).map((c) => clusterDetails(ws, c, false));
    const out: Json = {};
    if (page.length > 0) out['clusters'] = page;
    if (offset + pageSize < clusters.length) out['next_page_token'] = encodeToken(offset + pageSize);
    if (offset > 0) out['prev_page_token'] = encodeToken(Math.max(0, offset - pageSize));
    return out;
  });

  routes.get(versions(V, '/clusters/get'), 'clusters.get', (ctx) => {
    return clusterDetails(ws, ws.clusters.get(ctx.query.required('cluster_id')), true);
  });

  routes.post(versions(V, '/clusters/create'), 'clusters.create', (ctx) => {
    const spec = ws.clusters.validateSpec(ctx.body.json, ctx.caller.name, false);
    delete spec['idempotency_token'];
    const record = ws.clusters.create(spec, { userName: ctx.caller.name, id: ctx.caller.id }, { source: 'API' });
    ws.permissions.initialize('clusters', record.clusterId, [ws.creatorGrant(ctx.caller.name, 'CAN_MANAGE')]);
    return { cluster_id: record.clusterId };
  });

  routes.post(versions(V, '/clusters/edit'), 'clusters.edit', (ctx) => {
    const id = ctx.body.required('cluster_id');
    ws.clusters.get(id);
    ws.clusters.edit(id, ws.clusters.validateSpec(ctx.body.json, ctx.caller.name, true), ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/start'), 'clusters.start', (ctx) => {
    ws.clusters.start(ctx.body.required('cluster_id'), ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/restart'), 'clusters.restart', (ctx) => {
    ws.clusters.restart(ctx.body.required('cluster_id'), ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/resize'), 'clusters.resize', (ctx) => {
    ws.clusters.resize(ctx.body.required('cluster_id'), ctx.body.json, ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/delete'), 'clusters.delete', (ctx) => {
    ws.clusters.terminate(ctx.body.required('cluster_id'), ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/permanent-delete'), 'clusters.permanent-delete', (ctx) => {
    ws.clusters.permanentDelete(ctx.body.required('cluster_id'), ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/pin'), 'clusters.pin', (ctx) => {
    ws.clusters.pin(ctx.body.required('cluster_id'), ctx.caller.id, ctx.caller.name);
    return {};
  });

  routes.post(versions(V, '/clusters/unpin'), 'clusters.unpin', (ctx) => {
    ws.clusters.unpin(ctx.body.required('cluster_id'), ctx.caller.name);
    return {};
  });

  routes.get(versions(V, '/clusters/list-node-types'), 'clusters.list-node-types', () => ({
    node_types: nodeTypes().map((n, i) => nodeTypeJson(n, i)),
  }));

  routes.get(versions(V, '/clusters/spark-versions'), 'clusters.spark-versions', () => ({ versions: SPARK_VERSIONS }));

  // Availability zones are an AWS notion (SDK: "e.g. us-west-2a"); an Azure cluster spec has
  // no zone field, so the emulator lists none. What Azure answers is not documented.
  routes.get(versions(V, '/clusters/list-zones'), 'clusters.list-zones', () => ({}));

  // Events: newest first by default, `limit`/`offset` paging with `next_page` (the request
  // for the next page) and `total_count` (SDK GetEvents / GetEventsResponse; the legacy
  // CLI sends numbers as strings, which the service accepts).
  routes.post(versions(V, '/clusters/events'), 'clusters.events', (ctx) => {
    const r = ws.clusters.get(ctx.body.required('cluster_id'));
    const order = ctx.body.str('order') ?? 'DESC';
    if (order !== 'ASC' && order !== 'DESC') throw invalidParameter(`Invalid order ${order}. Expected ASC or DESC.`);
    const types = (ctx.body.arr('event_types') ?? []).map(String);
    const from = ctx.body.num('start_time');
    const to = ctx.body.num('end_time');
    const limit = ctx.body.num('limit') ?? 50;
    const offset = ctx.body.num('offset') ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalidParameter(`limit must be between 1 and 500, got ${limit}.`);
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameter(`offset must be a non-negative integer, got ${offset}.`);
    let events = r.events.filter(
      (e) =>
        (types.length === 0 || types.includes(e.type)) &&
        (from === undefined || e.timestamp >= from) &&
        (to === undefined || e.timestamp <= to),
    );
    if (order === 'DESC') events = [...events].reverse();
    const page = events
      .slice(offset, offset + limit)
      .map((e) => ({ cluster_id: r.clusterId, timestamp: e.timestamp, type: e.type, details: e.details }));
    const out: Json = {};
    if (page.length > 0) out['events'] = page;
    if (offset + limit < events.length) out['next_page'] = { ...ctx.body.json, cluster_id: r.clusterId, offset: offset + limit, limit };
    out['total_count'] = events.length;
    return out;
  });

  // Libraries 2.0
  const statuses = (r: ClusterRecord): Json[] =>
    [...r.libraries]
      .sort((a, b) => Number(a.status === 'UNINSTALL_ON_RESTART') - Number(b.status === 'UNINSTALL_ON_RESTART'))
      .map((l) => ({ library: l.library, status: l.status, is_library_for_all_clusters: false }));

  routes.get('/api/2.0/libraries/all-cluster-statuses', 'libraries.all-cluster-statuses', () => {
    const out = ws.clusters
      .visible()
      .filter((c) => c.libraries.length > 0)
      .map((c) => ({ cluster_id: c.clusterId, library_statuses: statuses(c) }));
    return out.length === 0 ? {} : { statuses: out };
  });

  routes.get('/api/2.0/libraries/cluster-status', 'libraries.cluster-status', (ctx) => {
    const r = ws.clusters.get(ctx.query.required('cluster_id'));
    const list = statuses(r);
    return list.length === 0 ? { cluster_id: r.clusterId } : { cluster_id: r.clusterId, library_statuses: list };
  });

  routes.post('/api/2.0/libraries/install', 'libraries.install', (ctx) => {
    const r = ws.clusters.get(ctx.body.required('cluster_id'));
    const libraries = validateLibraries(ctx.body.arr('libraries'));
    for (const library of libraries) {
      const existing = r.libraries.find((l) => sameLibrary(l.library, library));
      if (existing) {
        if (existing.status === 'UNINSTALL_ON_RESTART') existing.status = r.state === 'RUNNING' ? 'INSTALLED' : 'PENDING';
        continue;
      }
      r.libraries.push({ library, status: r.state === 'RUNNING' ? 'INSTALLED' : 'PENDING' });
    }
    return {};
  });

  routes.post('/api/2.0/libraries/uninstall', 'libraries.uninstall', (ctx) => {
    const r = ws.clusters.get(ctx.body.required('cluster_id'));
    for (const library of validateLibraries(ctx.body.arr('libraries'))) {
      const existing = r.libraries.find((l) => sameLibrary(l.library, library));
      if (existing) existing.status = 'UNINSTALL_ON_RESTART';
    }
    return {};
  });
}

const LIBRARY_KINDS = ['jar', 'egg', 'whl', 'requirements', 'pypi', 'maven', 'cran'];

function validateLibraries(list: unknown[] | undefined): Json[] {
  if (!list || list.length === 0) throw invalidParameter("Missing required field 'libraries'");
  return list.map((l) => {
    if (!isObject(l)) throw invalidParameter('Each library must be an object.');
    const kinds = Object.keys(l).filter((k) => LIBRARY_KINDS.includes(k));
    if (kinds.length !== 1) throw invalidParameter(`A library must have exactly one of ${LIBRARY_KINDS.join(', ')}.`);
    const kind = kinds[0] as string;
    const v = l[kind];
    if (['pypi', 'maven', 'cran'].includes(kind)) {
      const key = kind === 'maven' ? 'coordinates' : 'package';
      if (!isObject(v) || typeof v[key] !== 'string' || v[key] === '') throw invalidParameter(`${kind}.${key} is required.`);
    } else if (typeof v !== 'string' || v === '') {
      throw invalidParameter(`${kind} must be a path.`);
    }
    return l;
  });
}

function sameLibrary(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
