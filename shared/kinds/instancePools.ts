import type { KindHandler } from './types.js';

const POOL_READ_ONLY = ['instance_pool_id', 'default_tags', 'state', 'stats', 'status'];

/** Instance pools (their writable spec). */
export const instancePools: KindHandler = {
  kind: 'instancePools',
  description: 'Instance pools (the writable spec; node types can be mapped for the DR region).',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, { signal: ctx.signal });
    for (const p of r.instance_pools ?? []) {
      yield { key: String(p['instance_pool_name']), sourceId: String(p['instance_pool_id']), meta: { name: p['instance_pool_name'], node_type_id: p['node_type_id'] }, data: p };
    }
  },
  async export(_ctx, item) {
    const spec = { ...(item.data as Record<string, unknown>) };
    for (const k of POOL_READ_ONLY) delete spec[k];
    return { content: spec };
  },
};
