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
    const candidates = [rule.value, rule.defaultValue, ...(Array.isArray(rule.values) ? rule.values : [])].filter((v): v is string => typeof v === 'string');
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
  dependsOn: ['instancePools'],
  references: [],
  extraRefs: (content) => [
    ...policyDefinitionRefs(content['definition'], 'definition'),
    ...policyDefinitionRefs(content['policy_family_definition_overrides'], 'policy_family_definition_overrides'),
  ],
  async *list(ctx) {
    const r = await ctx.client.get<{ policies?: Policy[] }>('/api/2.0/policies/clusters/list', undefined, { signal: ctx.signal });
    for (const p of r.policies ?? []) {
      yield { key: p.name, sourceId: p.policy_id, meta: { name: p.name, policy_id: p.policy_id, is_default: p.is_default === true }, data: p };
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
};
