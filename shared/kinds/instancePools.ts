import { createOnce, decide, diffFields, differs, doc, isOurs, jsonHash, mapStorageDeep, plannedId } from './import/helpers.js';
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
  async *list(ctx) {
    const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, {
      signal: ctx.signal,
    });
    for (const p of r.instance_pools ?? []) {
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
    async inventory(ctx) {
      const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, {
        signal: ctx.signal,
      });
      return new Map<string, TargetObject>(
        (r.instance_pools ?? []).map((p) => [String(p['instance_pool_name']), { id: String(p['instance_pool_id']), data: p }]),
      );
    },
    async import(ctx, artifact, content) {
      const spec = mapStorageDeep(doc(content), ctx) as Record<string, unknown>;
      const name = String(spec['instance_pool_name']);
      const nodeType = spec['node_type_id'];
      if (typeof nodeType === 'string' && ctx.mappings.nodeTypes[nodeType] !== undefined)
        spec['node_type_id'] = ctx.mappings.nodeTypes[nodeType];
      const inventory = await ctx.inventory('instancePools');
      const existing = inventory.get(name);
      const current = existing === undefined ? undefined : comparablePool(existing.data as Record<string, unknown>, spec);
      const token = jsonHash(spec);
      const fields = current ? diffFields(spec, current) : [];
      const action = decide(ctx, existing !== undefined, fields.length === 0, isOurs(ctx, 'instancePools', artifact.key, current));
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('pool', name),
          token,
          ...(action === 'unchanged' ? {} : { note: differs('The pool', fields) }),
        };
      }
      if (existing) {
        const fixed = fields.filter((f) => !POOL_EDITABLE.includes(f) || f === 'node_type_id');
        if (fixed.length > 0)
          return {
            action: 'conflict',
            targetId: existing.id,
            note: `The pool differs in fields that cannot be edited (${fixed.join(', ')}); delete it in the target to have it re-created.`,
          };
        const edit = Object.fromEntries(Object.entries(spec).filter(([k]) => POOL_EDITABLE.includes(k)));
        await ctx.client.post(
          '/api/2.0/instance-pools/edit',
          { ...edit, instance_pool_id: existing.id },
          { signal: ctx.signal, idempotent: true },
        );
        existing.data = { ...(existing.data as Record<string, unknown>), ...spec };
        return { action, targetId: existing.id, token, note: differs('The pool', fields) };
      }
      const created = await createOnce(
        ctx,
        () => ctx.client.post<{ instance_pool_id: string }>('/api/2.0/instance-pools/create', spec, { signal: ctx.signal }),
        async () => {
          const r = await ctx.client.get<{ instance_pools?: Array<Record<string, unknown>> }>('/api/2.0/instance-pools/list', undefined, {
            signal: ctx.signal,
          });
          const p = r.instance_pools?.find((x) => x['instance_pool_name'] === name);
          return p && { instance_pool_id: String(p['instance_pool_id']) };
        },
      );
      inventory.set(name, { id: created.instance_pool_id, data: { ...spec, instance_pool_id: created.instance_pool_id } });
      return { action, targetId: created.instance_pool_id, token };
    },
  },
};

/** The target pool's fields that the spec sets (the service adds defaults for the rest). */
function comparablePool(pool: Record<string, unknown>, spec: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(spec).map((k) => [k, pool[k]]));
}
