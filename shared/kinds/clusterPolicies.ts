import { doc, mapStorageDeep } from './import/helpers.js';
import { reconcile, type TargetScope } from './import/reconcile.js';
import type { ImportContext, TargetObject } from './import/types.js';
import type { Ref } from '../snapshot/types.js';
import { dbfsPath } from './refs.js';
import { compact } from './discovery.js';
import type { KindHandler } from './types.js';

interface Policy {
  policy_id: string;
  name: string;
  definition?: string;
  description?: string;
  policy_family_id?: string;
  policy_family_definition_overrides?: string;
  max_clusters_per_user?: number;
  libraries?: unknown[];
  is_default?: boolean;
}

/** Ids a policy definition (a JSON string) fixes: pools and DBFS init scripts. */
function policyDefinitionRefs(definition: unknown, field: string): Ref[] {
  if (typeof definition !== 'string' || definition === '') return [];
  let rules: Record<string, { value?: unknown; values?: unknown[]; defaultValue?: unknown }>;
  try {
    rules = JSON.parse(definition) as typeof rules;
  } catch {
    return [];
  }
  const refs: Ref[] = [];
  for (const [attribute, rule] of Object.entries(rules)) {
    const candidates = [rule.value, rule.defaultValue, ...(Array.isArray(rule.values) ? rule.values : [])].filter(
      (v): v is string => typeof v === 'string',
    );
    for (const v of candidates) {
      if (attribute === 'instance_pool_id' || attribute === 'driver_instance_pool_id') {
        refs.push({ kind: 'instancePools', value: v, by: 'id', field: `${field}:${attribute}` });
      } else if (/^init_scripts\.\d+\.dbfs\.destination$/.test(attribute) && dbfsPath(v)) {
        refs.push({ kind: 'dbfsFiles', value: dbfsPath(v) as string, by: 'key', field: `${field}:${attribute}` });
      }
    }
  }
  return refs;
}

/** Cluster policies, custom ones and the defaults every workspace has (with their overrides). */
export const clusterPolicies: KindHandler = {
  kind: 'clusterPolicies',
  description: 'Cluster policies, including overrides of the default policies.',
  naturalKey: 'policy name (case-insensitive)',
  permissions: { type: 'cluster-policies' },
  dependsOn: ['instancePools'],
  references: [],
  extraRefs: (content) => [
    ...policyDefinitionRefs(content['definition'], 'definition'),
    ...policyDefinitionRefs(content['policy_family_definition_overrides'], 'policy_family_definition_overrides'),
  ],
  async *list(ctx) {
    for (const p of await listPolicies(ctx)) {
      yield {
        key: p.name,
        sourceId: p.policy_id,
        meta: { name: p.name, policy_id: p.policy_id, is_default: p.is_default === true },
        data: p,
      };
    }
  },
  async export(_ctx, item) {
    const p = item.data as Policy;
    return {
      content: compact({
        name: p.name,
        // A family policy's definition is derived from its family; only the overrides are the user's.
        definition: p.policy_family_id === undefined ? p.definition : undefined,
        description: p.description,
        policy_family_id: p.policy_family_id,
        policy_family_definition_overrides: p.policy_family_definition_overrides,
        max_clusters_per_user: p.max_clusters_per_user,
        libraries: p.libraries,
        is_default: p.is_default === true ? true : undefined,
      }),
    };
  },
  /**
   * Found by name (unique per workspace, case-insensitively). Pool ids in a
   * definition are remapped and node types mapped; a default policy (Personal
   * Compute…) exists in every workspace, so only its overrides are edited.
   */
  importer: {
    inventory: target,
    async import(ctx, artifact, content) {
      const d = doc<Policy>(content);
      const body: Record<string, unknown> = {
        name: d.name,
        ...(d.definition === undefined ? {} : { definition: targetDefinition(ctx, d.definition, 'definition') }),
        ...(d.description === undefined ? {} : { description: d.description }),
        ...(d.policy_family_id === undefined ? {} : { policy_family_id: d.policy_family_id }),
        ...(d.policy_family_definition_overrides === undefined
          ? {}
          : {
              policy_family_definition_overrides: targetDefinition(
                ctx,
                d.policy_family_definition_overrides,
                'policy_family_definition_overrides',
              ),
            }),
        ...(d.max_clusters_per_user === undefined ? {} : { max_clusters_per_user: d.max_clusters_per_user }),
        ...(d.libraries === undefined ? {} : { libraries: d.libraries }),
      };
      const key = d.name.toLowerCase();
      if (d.is_default === true && !(await ctx.inventory('clusterPolicies')).has(key))
        throw new Error(`The default policy "${d.name}" is missing from the target workspace.`);
      return reconcile(ctx, artifact, target, {
        kind: 'clusterPolicies',
        key,
        what: 'The policy',
        noun: 'policy',
        wanted: comparable(body),
        current: (existing) => comparable(existing.data as Record<string, unknown>),
        async update(existing) {
          await ctx.client.post(
            '/api/2.0/policies/clusters/edit',
            { policy_id: existing.id, ...body },
            { signal: ctx.signal, idempotent: true },
          );
        },
        written: (id) => ({ ...body, policy_id: id }),
        create: async () =>
          (await ctx.client.post<{ policy_id: string }>('/api/2.0/policies/clusters/create', body, { signal: ctx.signal })).policy_id,
      });
    },
  },
};

/** The target's policies by name (unique case-insensitively). */
async function target(ctx: TargetScope): Promise<Map<string, TargetObject>> {
  return new Map((await listPolicies(ctx)).map((p) => [p.name.toLowerCase(), { id: p.policy_id, data: p }]));
}

async function listPolicies(ctx: TargetScope): Promise<Policy[]> {
  return (
    (await ctx.client.get<{ policies?: Policy[] }>('/api/2.0/policies/clusters/list', undefined, { signal: ctx.signal })).policies ?? []
  );
}

/** The fields a policy is compared on, definitions parsed (their JSON text is not stable). */
function comparable(p: Record<string, unknown>): Record<string, unknown> {
  const parse = (v: unknown): unknown => {
    if (typeof v !== 'string' || v === '') return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  };
  return {
    name: p['name'],
    // A family policy reads back its merged definition: compare its overrides instead.
    definition: p['policy_family_id'] === undefined ? (parse(p['definition']) ?? {}) : undefined,
    description: p['description'] ?? undefined,
    policy_family_id: p['policy_family_id'],
    policy_family_definition_overrides: parse(p['policy_family_definition_overrides']),
    max_clusters_per_user: p['max_clusters_per_user'] === undefined ? undefined : Number(p['max_clusters_per_user']),
    libraries: p['libraries'],
  };
}

/** A policy definition with pool ids remapped, node types and storage accounts mapped. */
function targetDefinition(ctx: ImportContext, definition: string, field: string): string {
  let rules: Record<string, Record<string, unknown>>;
  try {
    rules = JSON.parse(definition) as typeof rules;
  } catch {
    return definition;
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [attribute, rule] of Object.entries(rules)) {
    const map = (v: unknown): unknown => {
      if (typeof v !== 'string') return v;
      if (attribute === 'instance_pool_id' || attribute === 'driver_instance_pool_id')
        return ctx.resolve('instancePools', v, `${field}:${attribute}`);
      if (attribute === 'node_type_id' || attribute === 'driver_node_type_id') return ctx.mappings.nodeTypes[v] ?? v;
      return v;
    };
    const r: Record<string, unknown> = { ...rule };
    for (const k of ['value', 'defaultValue']) if (r[k] !== undefined) r[k] = map(r[k]);
    if (Array.isArray(r['values'])) r['values'] = r['values'].map(map);
    out[attribute] = r;
  }
  return JSON.stringify(mapStorageDeep(out, ctx));
}
