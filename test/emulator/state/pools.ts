import type { AreaState } from '../area.js';
import { invalidParameter, notFound } from '../errors.js';
import { isObject, type Json } from '../http.js';
import { nodeTypes } from './catalog.js';
import type { Workspace } from './workspace.js';

/** Instance pools' part of a fixture. */
export interface PoolsSection {
  instancePools?: FixtureInstancePool[];
}

/** An instance pool create request, plus an optional id. */
export interface FixtureInstancePool {
  instance_pool_id?: string;
  instance_pool_name: string;
  node_type_id: string;
  [field: string]: unknown;
}

export interface PoolRecord {
  id: string;
  spec: Json;
  creatorId: string;
}

/** Fields `instance-pools/edit` may change; the rest are fixed at creation. */
const EDITABLE = ['instance_pool_name', 'min_idle_instances', 'max_capacity', 'idle_instance_autotermination_minutes', 'custom_tags'];

export function poolNotFound(id: string) {
  return notFound(`Can't find an instance pool with id: ${id}.`);
}

/** Instance Pools API state. */
export class InstancePools implements AreaState<PoolsSection> {
  readonly records = new Map<string, PoolRecord>();

  constructor(private readonly ws: Workspace) {}

  load(fixture: PoolsSection): void {
    const admin = this.ws.principals.adminCaller();
    for (const pool of fixture.instancePools ?? []) {
      const body = { ...pool } as Record<string, unknown>;
      delete body['instance_pool_id'];
      const created = this.create(body, admin.id, pool.instance_pool_id);
      this.ws.permissions.initialize('instance-pools', created.id, [this.ws.creatorGrant(admin.name, 'CAN_MANAGE')]);
    }
  }

  dump(): Required<PoolsSection> {
    return {
      instancePools: [...this.records.values()].map((p) => ({
        ...(p.spec as { instance_pool_name: string; node_type_id: string }),
        instance_pool_id: p.id,
      })),
    };
  }

  get(id: string): PoolRecord {
    const r = this.records.get(id);
    if (!r) throw poolNotFound(id);
    return r;
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  create(body: Json, creatorId: string, id?: string): PoolRecord {
    const spec = validate(body);
    this.assertUniqueName(spec['instance_pool_name'] as string, undefined);
    const record: PoolRecord = { id: id ?? this.ws.ids.instancePoolId(this.ws.now()), spec, creatorId };
    this.records.set(record.id, record);
    return record;
  }

  edit(id: string, body: Json): void {
    const r = this.get(id);
    const spec = validate(body);
    if (spec['node_type_id'] !== r.spec['node_type_id']) {
      throw invalidParameter(`The node type of an instance pool cannot be changed (it is ${String(r.spec['node_type_id'])}).`);
    }
    this.assertUniqueName(spec['instance_pool_name'] as string, id);
    for (const k of EDITABLE) {
      if (spec[k] === undefined) delete r.spec[k];
      else r.spec[k] = spec[k];
    }
  }

  delete(id: string): void {
    this.get(id);
    this.records.delete(id);
  }

  private assertUniqueName(name: string, exceptId: string | undefined): void {
    for (const r of this.records.values()) {
      if (r.id !== exceptId && r.spec['instance_pool_name'] === name) {
        throw invalidParameter(`Instance pool with name ${name} already exists.`);
      }
    }
  }
}

function validate(body: Json): Json {
  const spec: Json = { ...body };
  delete spec['instance_pool_id'];
  const name = spec['instance_pool_name'];
  if (typeof name !== 'string' || name.length === 0) throw invalidParameter("Missing required field 'instance_pool_name'");
  if (name.length > 100) throw invalidParameter('Instance pool name must be at most 100 characters.');
  const nodeType = spec['node_type_id'];
  if (typeof nodeType !== 'string') throw invalidParameter("Missing required field 'node_type_id'");
  if (!nodeTypes().some((n) => n.node_type_id === nodeType)) {
    throw invalidParameter(`Node type ${nodeType} is not supported. Use list-node-types to see the supported node types.`);
  }
  const auto = spec['idle_instance_autotermination_minutes'];
  if (auto !== undefined && (Number(auto) < 0 || Number(auto) > 10000)) {
    throw invalidParameter('idle_instance_autotermination_minutes must be between 0 and 10000.');
  }
  const tags = spec['custom_tags'];
  if (isObject(tags) && Object.keys(tags).length > 45) throw invalidParameter('An instance pool can have at most 45 custom tags.');
  return spec;
}
