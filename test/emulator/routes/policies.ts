import { invalidParameter, notFound } from '../errors.js';
import type { Json, Routes } from '../http.js';
import type { PolicyRecord } from '../state/policies.js';
import { POLICY_FAMILIES } from '../state/policies.js';
import type { Workspace } from '../state/workspace.js';

function policyJson(p: PolicyRecord): Json {
  const out: Json = {
    policy_id: p.policyId,
    name: p.name,
    definition: p.definition,
    created_at_timestamp: p.createdAt,
  };
  if (p.description !== undefined) out['description'] = p.description;
  if (p.creatorUserName !== undefined) out['creator_user_name'] = p.creatorUserName;
  if (p.policyFamilyId !== undefined) out['policy_family_id'] = p.policyFamilyId;
  if (p.policyFamilyDefinitionOverrides !== undefined) out['policy_family_definition_overrides'] = p.policyFamilyDefinitionOverrides;
  if (p.maxClustersPerUser !== undefined) out['max_clusters_per_user'] = p.maxClustersPerUser;
  if (p.libraries !== undefined) out['libraries'] = p.libraries;
  if (p.isDefault) out['is_default'] = true;
  return out;
}

const MAX_FAMILIES_PAGE = 100;

function familyJson(f: (typeof POLICY_FAMILIES)[number]): Json {
  return { policy_family_id: f.id, name: f.name, description: f.description, definition: JSON.stringify(f.definition) };
}

function familiesOffset(token: string): number {
  const m = /^families:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw invalidParameter(`Invalid page token: ${token}`);
  return Number(m[1]);
}

/** Cluster Policies 2.0 and policy families (databricks-api.md §8.2). */
export function registerPolicies(routes: Routes, ws: Workspace): void {
  routes.get('/api/2.0/policies/clusters/list', 'policies.list', (ctx) => {
    const column = ctx.query.str('sort_column') ?? 'POLICY_CREATION_TIME';
    const order = ctx.query.str('sort_order') ?? 'DESC';
    if (!['POLICY_CREATION_TIME', 'POLICY_NAME'].includes(column)) throw invalidParameter(`Invalid sort_column ${column}.`);
    if (!['ASC', 'DESC'].includes(order)) throw invalidParameter(`Invalid sort_order ${order}.`);
    const policies = [...ws.policies.records.values()].sort((a, b) =>
      column === 'POLICY_NAME' ? a.name.localeCompare(b.name) : a.createdAt - b.createdAt || a.policyId.localeCompare(b.policyId),
    );
    if (order === 'DESC') policies.reverse();
    return policies.length === 0 ? {} : { policies: policies.map(policyJson) };
  });
  routes.get('/api/2.0/policies/clusters/get', 'policies.get', (ctx) => policyJson(ws.policies.get(ctx.query.required('policy_id'))));
  routes.post('/api/2.0/policies/clusters/create', 'policies.create', (ctx) => {
    const policy = ws.policies.create(ctx.body.json, ctx.caller.name);
    return { policy_id: policy.policyId };
  });
  routes.post('/api/2.0/policies/clusters/edit', 'policies.edit', (ctx) => {
    ws.policies.edit(ctx.body.required('policy_id'), ctx.body.json);
    return {};
  });
  routes.post('/api/2.0/policies/clusters/delete', 'policies.delete', (ctx) => {
    const id = ctx.body.required('policy_id');
    ws.policies.delete(id);
    ws.permissions.forget('cluster-policies', id);
    return {};
  });

  routes.get('/api/2.0/policy-families', 'policy-families.list', (ctx) => {
    const max = ctx.query.int('max_results') ?? MAX_FAMILIES_PAGE;
    if (max < 1 || max > MAX_FAMILIES_PAGE) throw invalidParameter(`max_results must be between 1 and ${MAX_FAMILIES_PAGE}.`);
    const token = ctx.query.str('page_token');
    const offset = token ? familiesOffset(token) : 0;
    const out: Json = { policy_families: POLICY_FAMILIES.slice(offset, offset + max).map(familyJson) };
    if (offset + max < POLICY_FAMILIES.length) out['next_page_token'] = Buffer.from(`families:${offset + max}`).toString('base64url');
    return out;
  });
  routes.get('/api/2.0/policy-families/:id', 'policy-families.get', (ctx) => {
    const f = POLICY_FAMILIES.find((x) => x.id === ctx.params['id']);
    // The same status and code as creating a policy from an unknown family.
    if (!f) throw notFound(`Policy family ${String(ctx.params['id'])} does not exist`);
    return familyJson(f);
  });
}
