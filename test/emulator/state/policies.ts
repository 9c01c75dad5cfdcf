import type { AreaState } from '../area.js';
import { ApiError, invalidParameter, notFound } from '../errors.js';
import type { Json } from '../http.js';
import type { IdFactory } from './ids.js';
import type { Workspace } from './workspace.js';

/** Cluster policies' part of a fixture. */
export interface PoliciesSection {
  /** Custom policies, and the default ones (matched by name) with their overrides. */
  policies?: FixturePolicy[];
}

/** Cluster policies as the API takes them; `definition` is a JSON string. */
export interface FixturePolicy {
  policy_id?: string;
  name: string;
  definition?: string;
  description?: string;
  policy_family_id?: string;
  policy_family_definition_overrides?: string;
  max_clusters_per_user?: number;
  libraries?: unknown[];
  creator_user_name?: string;
}

export interface PolicyRecord {
  policyId: string;
  name: string;
  definition: string;
  description?: string;
  policyFamilyId?: string;
  policyFamilyDefinitionOverrides?: string;
  maxClustersPerUser?: number;
  libraries?: unknown[];
  creatorUserName?: string;
  createdAt: number;
  isDefault: boolean;
}

/** Policy families and the default policies every workspace has (databricks-api.md §8.2). */
export const POLICY_FAMILIES: Array<{ id: string; name: string; description: string; definition: Json }> = [
  {
    id: 'personal-vm',
    name: 'Personal Compute',
    description: 'Use with small-to-medium data or libraries like pandas and scikit-learn. Spark runs in local mode.',
    definition: {
      'spark_conf.spark.databricks.cluster.profile': { type: 'fixed', value: 'singleNode', hidden: true },
      num_workers: { type: 'fixed', value: 0, hidden: true },
      autotermination_minutes: { type: 'fixed', value: 4320, hidden: true },
    },
  },
  {
    id: 'shared-compute',
    name: 'Shared Compute',
    description: 'Use for multi-user clusters with shared access mode.',
    definition: { data_security_mode: { type: 'fixed', value: 'USER_ISOLATION', hidden: true } },
  },
  {
    id: 'power-user',
    name: 'Power User Compute',
    description: 'Use for larger multi-node clusters.',
    definition: { data_security_mode: { type: 'fixed', value: 'SINGLE_USER', hidden: true } },
  },
  {
    id: 'job-cluster',
    name: 'Job Compute',
    description: 'Use to run jobs.',
    definition: { cluster_type: { type: 'fixed', value: 'job' } },
  },
  {
    id: 'shared-data-science',
    name: 'Legacy Shared Compute',
    description: 'Use for shared clusters without Unity Catalog.',
    definition: { data_security_mode: { type: 'fixed', value: 'NONE', hidden: true } },
  },
];

function parseDefinition(text: string, field: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter(`${field} is not a valid JSON object: ${text.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter(`${field} must be a JSON object.`);
  }
  return parsed as Json;
}

/** Cluster Policies API state. */
export class Policies implements AreaState<PoliciesSection> {
  readonly records = new Map<string, PolicyRecord>();
  private readonly ids: IdFactory;
  private readonly now: () => number;

  constructor(private readonly ws: Workspace) {
    this.ids = ws.ids;
    this.now = ws.now;
  }

  /** The default policies every workspace has; every user may use Personal Compute. */
  bootstrap(): void {
    for (const family of POLICY_FAMILIES) {
      const p = this.create({ name: family.name, policy_family_id: family.id, description: family.description }, undefined, {
        isDefault: true,
      });
      if (family.id === 'personal-vm') {
        this.ws.permissions.initialize('cluster-policies', p.policyId, [{ kind: 'group_name', name: 'users', level: 'CAN_USE' }]);
      }
    }
  }

  load(fixture: PoliciesSection): void {
    const admin = this.ws.principals.adminUserName();
    for (const p of fixture.policies ?? []) {
      const existing = [...this.records.values()].find((x) => x.name === p.name);
      const body = { ...p } as Record<string, unknown>;
      delete body['policy_id'];
      delete body['creator_user_name'];
      if (existing) {
        if (p.policy_id !== undefined && p.policy_id !== existing.policyId) {
          // A default policy: adopt the fixture's id, grants included.
          const grants = this.ws.permissions.directGrants('cluster-policies', existing.policyId);
          this.ws.permissions.forget('cluster-policies', existing.policyId);
          this.rekey(existing.policyId, p.policy_id);
          this.ws.permissions.initialize('cluster-policies', p.policy_id, grants);
        }
        this.edit(existing.policyId, body);
        continue;
      }
      this.create(body, p.creator_user_name ?? admin, p.policy_id === undefined ? {} : { policyId: p.policy_id });
    }
  }

  dump(): Required<PoliciesSection> {
    return {
      policies: [...this.records.values()].map((p) => ({
        policy_id: p.policyId,
        name: p.name,
        ...(p.policyFamilyId === undefined ? { definition: p.definition } : { policy_family_id: p.policyFamilyId }),
        ...(p.policyFamilyDefinitionOverrides === undefined
          ? {}
          : { policy_family_definition_overrides: p.policyFamilyDefinitionOverrides }),
        ...(p.description === undefined ? {} : { description: p.description }),
        ...(p.maxClustersPerUser === undefined ? {} : { max_clusters_per_user: p.maxClustersPerUser }),
        ...(p.libraries === undefined ? {} : { libraries: p.libraries }),
        ...(p.creatorUserName === undefined ? {} : { creator_user_name: p.creatorUserName }),
      })),
    };
  }

  get(id: string): PolicyRecord {
    const r = this.records.get(id);
    if (!r) throw notFound(`Can't find a cluster policy with id: ${id}.`);
    return r;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  create(
    body: Json,
    creatorUserName: string | undefined,
    options: { policyId?: string; isDefault?: boolean; createdAt?: number } = {},
  ): PolicyRecord {
    const fields = this.validate(body, undefined);
    const record: PolicyRecord = {
      ...fields,
      policyId: options.policyId ?? this.ids.hex16(),
      createdAt: options.createdAt ?? this.now(),
      isDefault: options.isDefault ?? false,
      ...(creatorUserName === undefined ? {} : { creatorUserName }),
    };
    this.records.set(record.policyId, record);
    return record;
  }

  edit(id: string, body: Json): void {
    const r = this.get(id);
    const fields = this.validate(body, id);
    if (r.isDefault && fields.policyFamilyId !== r.policyFamilyId) {
      throw invalidParameter(`The policy family of default policy ${r.name} cannot be changed.`);
    }
    delete r.description;
    delete r.policyFamilyDefinitionOverrides;
    delete r.maxClustersPerUser;
    delete r.libraries;
    Object.assign(r, fields);
  }

  /** Give a policy another id (fixture loading keeps the default policies' ids stable). */
  rekey(oldId: string, newId: string): void {
    const r = this.get(oldId);
    if (oldId === newId) return;
    if (this.records.has(newId)) throw new Error(`policy id ${newId} is already used`);
    this.records.delete(oldId);
    r.policyId = newId;
    this.records.set(newId, r);
  }

  delete(id: string): void {
    const r = this.get(id);
    if (r.isDefault) throw invalidParameter(`Default policy ${r.name} cannot be deleted.`);
    this.records.delete(id);
  }

  private validate(
    body: Json,
    exceptId: string | undefined,
  ): Omit<PolicyRecord, 'policyId' | 'createdAt' | 'isDefault' | 'creatorUserName'> {
    const name = body['name'];
    if (typeof name !== 'string' || name.length === 0) throw invalidParameter("Missing required field 'name'");
    if (name.length > 100) throw invalidParameter('Policy name must be at most 100 characters.');
    for (const r of this.records.values()) {
      if (r.policyId !== exceptId && r.name.toLowerCase() === name.toLowerCase()) {
        throw invalidParameter(`Cluster Policy with name \`${name}\` already exists`);
      }
    }
    const familyId = body['policy_family_id'];
    const definition = body['definition'];
    const overrides = body['policy_family_definition_overrides'];
    let effective: Json;
    if (familyId !== undefined && familyId !== '') {
      if (definition !== undefined && definition !== '') {
        throw invalidParameter('Cannot specify both definition and policy_family_id. Use policy_family_definition_overrides instead.');
      }
      const family = POLICY_FAMILIES.find((f) => f.id === familyId);
      if (!family) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Policy family ${String(familyId)} does not exist`);
      effective = { ...family.definition };
      if (typeof overrides === 'string' && overrides !== '') {
        Object.assign(effective, parseDefinition(overrides, 'policy_family_definition_overrides'));
      }
    } else {
      effective = typeof definition === 'string' && definition !== '' ? parseDefinition(definition, 'definition') : {};
    }
    const out: Omit<PolicyRecord, 'policyId' | 'createdAt' | 'isDefault' | 'creatorUserName'> = {
      name,
      // A custom definition is kept as sent; a family policy reads back the merged definition.
      definition:
        typeof familyId === 'string' && familyId !== ''
          ? JSON.stringify(effective)
          : typeof definition === 'string' && definition !== ''
            ? definition
            : '{}',
    };
    if (typeof body['description'] === 'string') out.description = body['description'];
    if (typeof familyId === 'string' && familyId !== '') out.policyFamilyId = familyId;
    if (typeof overrides === 'string' && overrides !== '') out.policyFamilyDefinitionOverrides = overrides;
    if (body['max_clusters_per_user'] !== undefined) out.maxClustersPerUser = Number(body['max_clusters_per_user']);
    if (Array.isArray(body['libraries'])) out.libraries = body['libraries'];
    return out;
  }
}
