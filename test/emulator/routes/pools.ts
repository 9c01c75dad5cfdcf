import type { Json, Routes } from '../http.js';
import type { PoolRecord } from '../state/pools.js';
import type { Workspace } from '../state/workspace.js';

function poolJson(p: PoolRecord): Json {
  const spec = structuredClone(p.spec);
  const out: Json = {
    instance_pool_id: p.id,
    ...spec,
    default_tags: {
      Vendor: 'Databricks',
      DatabricksInstancePoolCreatorId: p.creatorId,
      DatabricksInstancePoolId: p.id,
      DatabricksInstanceGroupId: `-${p.creatorId.slice(0, 15)}${p.id.length}`,
    },
    state: 'ACTIVE',
    stats: { used_count: 0, idle_count: Number(spec['min_idle_instances'] ?? 0), pending_used_count: 0, pending_idle_count: 0 },
    status: {},
  };
  if (out['min_idle_instances'] === undefined) out['min_idle_instances'] = 0;
  if (out['enable_elastic_disk'] === undefined) out['enable_elastic_disk'] = true;
  if (out['azure_attributes'] === undefined) out['azure_attributes'] = { availability: 'ON_DEMAND_AZURE' };
  return out;
}

/** Instance Pools 2.0 (databricks-api.md §8.1). */
export function registerPools(routes: Routes, ws: Workspace): void {
  routes.get('/api/2.0/instance-pools/list', 'instance-pools.list', () => {
    const pools = [...ws.pools.records.values()].map((p) => poolJson(p));
    return pools.length === 0 ? {} : { instance_pools: pools };
  });
  routes.get('/api/2.0/instance-pools/get', 'instance-pools.get', (ctx) => poolJson(ws.pools.get(ctx.query.required('instance_pool_id'))));
  routes.post('/api/2.0/instance-pools/create', 'instance-pools.create', (ctx) => {
    const pool = ws.pools.create(ctx.body.json, ctx.caller.id);
    ws.permissions.initialize('instance-pools', pool.id, [ws.creatorGrant(ctx.caller.name, 'CAN_MANAGE')]);
    return { instance_pool_id: pool.id };
  });
  routes.post('/api/2.0/instance-pools/edit', 'instance-pools.edit', (ctx) => {
    ws.pools.edit(ctx.body.required('instance_pool_id'), ctx.body.json);
    return {};
  });
  routes.post('/api/2.0/instance-pools/delete', 'instance-pools.delete', (ctx) => {
    const id = ctx.body.required('instance_pool_id');
    ws.pools.delete(id);
    ws.permissions.forget('instance-pools', id);
    return {};
  });
}
