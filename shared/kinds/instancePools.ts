import { doc, mapStorageDeep } from './import/helpers.js';
import { reconcile, type TargetScope } from './import/reconcile.js';
import type { TargetObject } from './import/types.js';
import type { KindHandler } from './types.js';

/** Fields instance-pools/edit may change; the rest are fixed when the pool is created. */
const POOL_EDITABLE = [
  'instance_pool_name',
  'min_idle_instances',
  'max_capacity',
  'idle_instance_autotermination_minutes',
  'custom_tags',
  'node_type_id',
];

const POOL_READ_ONLY = ['instance_pool_id', 'default_tags', 'state', 'stats', 'status'];

/** Instance pools (their writable spec). */
export const instancePools: KindHandler = {
  kind: 'instancePools',
  description: 'Instance pools (the writable spec; node types can be mapped for the DR region).',
  dependsOn: [],
  references: [],
  naturalKey: 'pool name',
  permissions: { type: 'instance-pools' },
  async *list(ctx) {
    for (const p of await listPools(ctx)) {
      yield {
        key: String(p['instance_pool_name']),
        sourceId: String(p['instance_pool_id']),
        meta: { name: p['instance_pool_name'], node_type_id: p['node_type_id'] },
        data: p,
      };
    }
  },
  async export(_ctx, item) {
    const spec = { ...(item.data as Record<string, unknown>) };
    for (const k of POOL_READ_ONLY) delete spec[k];
    return { content: spec };
  },
  /**
   * Found by name. The node type goes through the DR region's mapping. A pool whose
   * fixed fields (node type, preloaded versions…) differ cannot be edited into
   * shape: that is reported, never replaced behind the user's back.
   */
  importer: {
    inventory: target,
    async import(ctx, artifact, content) {
      const spec = mapStorageDeep(doc(content), ctx) as Record<string, unknown>;
      const nodeType = spec['node_type_id'];
      if (typeof nodeType === 'string' && ctx.mappings.nodeTypes[nodeType] !== undefined)
        spec['node_type_id'] = ctx.mappings.nodeTypes[nodeType];
      return reconcile(ctx, artifact, target, {
        kind: 'instancePools',
        key: String(spec['instance_pool_name']),
        what: 'The pool',
        noun: 'pool',
        wanted: spec,
        async update(existing, fields) {
          const fixed = fields.filter((f) => !POOL_EDITABLE.includes(f) || f === 'node_type_id');
          if (fixed.length > 0)
            return {
              action: 'conflict',
              targetId: existing.id,
              note:
                `The pool differs in fields that cannot be edited (${fixed.join(', ')}); ` +
                'delete it in the target to have it re-created.',
            };
          const edit = Object.fromEntries(Object.entries(spec).filter(([k]) => POOL_EDITABLE.includes(k)));
          await ctx.client.post(
            '/api/2.0/instance-pools/edit',
            { ...edit, instance_pool_id: existing.id },
            { signal: ctx.signal, idempotent: true },
          );
        },
        written: (id) => ({ ...spec, instance_pool_id: id }),
        create: async () =>
          (await ctx.client.post<{ instance_pool_id: string }>('/api/2.0/instance-pools/create', spec, { signal: ctx.signal }))
            .instance_pool_id,
      });
    },
  },
};

async function listPools(ctx: TargetScope): Promise<Array<Record<string, unknown>>> {
  const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, {
    signal: ctx.signal,
  });
  return r.instance_pools ?? [];
}

/** The target's pools by name. */
async function target(ctx: TargetScope): Promise<Map<string, TargetObject>> {
  return new Map((await listPools(ctx)).map((p) => [String(p['instance_pool_name']), { id: String(p['instance_pool_id']), data: p }]));
}
