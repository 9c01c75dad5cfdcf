import type { AreaState } from '../area.js';
import type { ApiError } from '../errors.js';
import { badRequest, invalidParameter, notFound } from '../errors.js';
import { isObject, type Json } from '../http.js';
import { normalizeWorkspacePath } from './paths.js';
import type { Principals } from './principals.js';
import type { Workspace } from './workspace.js';

/** Permissions' part of a fixture: direct grants, loaded after every object exists. */
export interface PermissionsSection {
  permissions?: FixturePermissions[];
}

/**
 * Direct grants on one object. `object` is the id for clusters, policies, pools and
 * jobs, and the workspace path for notebooks, directories, files and repos.
 */
export interface FixturePermissions {
  objectType: PermissionType;
  object: string;
  accessControlList: Array<{
    user_name?: string;
    group_name?: string;
    service_principal_name?: string;
    permission_level: string;
  }>;
}

/** Workspace object types in the Permissions API, keyed by the tree's object type. */
export const WORKSPACE_PERMISSION_TYPE = {
  NOTEBOOK: 'notebooks',
  DIRECTORY: 'directories',
  FILE: 'files',
  REPO: 'repos',
} as const;

const WORKSPACE_TYPES: ReadonlySet<string> = new Set(Object.values(WORKSPACE_PERMISSION_TYPE));

/** Permission types whose objects live in the workspace tree (their fixture `object` is a path). */
export function isWorkspaceType(type: PermissionType): type is (typeof WORKSPACE_PERMISSION_TYPE)[keyof typeof WORKSPACE_PERMISSION_TYPE] {
  return WORKSPACE_TYPES.has(type);
}

/** Permission object types this emulator serves, with their levels (databricks-api.md §7.2). */
export const PERMISSION_TYPES = {
  clusters: { objectType: 'cluster', levels: ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  'cluster-policies': { objectType: 'cluster-policy', levels: ['CAN_USE'], adminLevel: 'CAN_USE' },
  'instance-pools': { objectType: 'instance-pool', levels: ['CAN_ATTACH_TO', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  jobs: { objectType: 'job', levels: ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'], adminLevel: 'CAN_MANAGE' },
  notebooks: { objectType: 'notebook', levels: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  directories: { objectType: 'directory', levels: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  files: { objectType: 'file', levels: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  repos: { objectType: 'repo', levels: ['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
  // Token usage (`authorization/tokens`, the only object of this type on Azure).
  authorization: { objectType: 'tokens', levels: ['CAN_USE', 'CAN_MANAGE'], adminLevel: 'CAN_MANAGE' },
} as const;

/**
 * Objects whose `admins` grant is a direct one that a PUT must repeat ("Cannot change
 * permissions for group 'admins' to None." otherwise): the workspace root and token
 * usage (Azure docs "Manage personal access token permissions": granting admins
 * CAN_MANAGE "is an API requirement"; Terraform's AddAdmin customizer).
 */
export function hasDirectAdminGrant(type: PermissionType, id: string): boolean {
  return (type === 'directories' && id === '0') || (type === 'authorization' && id === 'tokens');
}

export type PermissionType = keyof typeof PERMISSION_TYPES;

export const LEVEL_DESCRIPTIONS: Record<string, string> = {
  CAN_ATTACH_TO: 'Can attach to',
  CAN_RESTART: 'Can restart',
  CAN_MANAGE: 'Can manage',
  CAN_USE: 'Can use',
  CAN_VIEW: 'Can view',
  CAN_MANAGE_RUN: 'Can manage run',
  IS_OWNER: 'Is owner',
  CAN_READ: 'Can read',
  CAN_RUN: 'Can run',
  CAN_EDIT: 'Can edit',
};

export function isPermissionType(value: string): value is PermissionType {
  return Object.hasOwn(PERMISSION_TYPES, value);
}

/** A grant, keyed by the principal's natural key as the Permissions API names it. */
export interface Grant {
  kind: 'user_name' | 'group_name' | 'service_principal_name';
  name: string;
  level: string;
}

/** Where an object's inherited grants come from. */
export interface InheritanceSource {
  /** e.g. `/directories/1234` or `/directories/` for the root. */
  objectRef: string;
  grants: Grant[];
}

/**
 * Direct grants per object (`<type>/<id>`). Inherited grants are computed when an
 * object is read: the type's root object always grants `admins`, and workspace
 * objects inherit every ancestor directory's grants.
 */
export class Permissions implements AreaState<PermissionsSection> {
  private readonly direct = new Map<string, Grant[]>();

  constructor(private readonly ws: Workspace) {}

  private get principals(): Principals {
    return this.ws.principals;
  }

  /**
   * Token usage: admins manage it and nobody else may use tokens until granted (the
   * default of workspaces created after platform release 3.28, September 2020).
   */
  bootstrap(): void {
    this.initialize('authorization', 'tokens', [ADMINS_MANAGE]);
  }

  load(fixture: PermissionsSection): void {
    for (const p of fixture.permissions ?? []) {
      const id = this.fixtureObjectId(p.objectType, p.object);
      const grants = this.parseAcl(p.objectType, { access_control_list: p.accessControlList });
      if (p.objectType === 'jobs' && !grants.some((g) => g.level === 'IS_OWNER')) {
        grants.push(...this.directGrants('jobs', id).filter((g) => g.level === 'IS_OWNER'));
      }
      if (hasDirectAdminGrant(p.objectType, id)) grants.unshift(ADMINS_MANAGE);
      this.replace(p.objectType, id, grants);
    }
  }

  dump(): Required<PermissionsSection> {
    const out: FixturePermissions[] = [];
    for (const type of Object.keys(PERMISSION_TYPES) as PermissionType[]) {
      for (const id of this.objectIds(type)) {
        if (type === 'directories' && id === '0') continue;
        // The admins grant every such object has is implied; only the others are dumped.
        const grants = this.directGrants(type, id).filter((g) => !(hasDirectAdminGrant(type, id) && isAdminsGrant(g)));
        if (grants.length === 0) continue;
        const object = isWorkspaceType(type) ? (this.ws.tree.byObjectId(BigInt(id))?.path ?? id) : id;
        out.push({ objectType: type, object, accessControlList: grants.map((g) => ({ [g.kind]: g.name, permission_level: g.level })) });
      }
    }
    return { permissions: out };
  }

  /** The ids of every object of a type, as the Permissions API names them. */
  private objectIds(type: PermissionType): string[] {
    switch (type) {
      case 'clusters':
        return [...this.ws.clusters.records.keys()];
      case 'jobs':
        return [...this.ws.jobs.records.keys()].map(String);
      case 'instance-pools':
        return [...this.ws.pools.records.keys()];
      case 'cluster-policies':
        return [...this.ws.policies.records.keys()];
      case 'authorization':
        return ['tokens'];
      default:
        return [...this.ws.tree.walk()]
          .filter((n) => WORKSPACE_PERMISSION_TYPE[n.objectType as keyof typeof WORKSPACE_PERMISSION_TYPE] === type)
          .map((n) => String(n.objectId));
    }
  }

  private fixtureObjectId(type: PermissionType, object: string): string {
    if (!isWorkspaceType(type)) return object;
    const node = this.ws.tree.find(normalizeWorkspacePath(object));
    if (!node) throw new Error(`Fixture permissions: ${type} ${object} does not exist`);
    return String(node.objectId);
  }

  /** Check that the object exists (the error the service gives when it does not). */
  assertObject(type: PermissionType, id: string): void {
    switch (type) {
      case 'clusters':
        this.ws.clusters.get(id);
        return;
      case 'cluster-policies':
        this.ws.policies.get(id);
        return;
      case 'instance-pools':
        this.ws.pools.get(id);
        return;
      case 'jobs':
        if (!/^\d+$/.test(id)) throw invalidParameter(`Invalid job id ${id}.`);
        this.ws.jobs.get(BigInt(id));
        return;
      case 'authorization':
        // `passwords` exists on AWS only.
        if (id !== 'tokens') throw objectNotFound(type, id);
        return;
      default: {
        const node = /^\d+$/.test(id) ? this.ws.tree.byObjectId(BigInt(id)) : undefined;
        if (!node || WORKSPACE_PERMISSION_TYPE[node.objectType as keyof typeof WORKSPACE_PERMISSION_TYPE] !== type) {
          throw objectNotFound(type, id);
        }
      }
    }
  }

  /** Inherited grant sources for an object, nearest first. */
  inheritance(type: PermissionType, id: string): InheritanceSource[] {
    if (type === 'authorization') return [];
    if (isWorkspaceType(type)) {
      if (type === 'directories' && id === '0') return [];
      const node = this.ws.tree.byObjectId(BigInt(id));
      if (!node) return [];
      // A Git folder (REPO) among the ancestors passes on the repo's own grants.
      return this.ws.tree.ancestors(node).map((a) =>
        a.objectType === 'REPO'
          ? { objectRef: `/repos/${a.objectId}`, grants: this.directGrants('repos', String(a.objectId)) }
          : {
              objectRef: a.objectId === 0n ? '/directories/' : `/directories/${a.objectId}`,
              grants: this.directGrants('directories', String(a.objectId)),
            },
      );
    }
    const admin: Grant = { kind: 'group_name', name: 'admins', level: PERMISSION_TYPES[type].adminLevel };
    return [{ objectRef: `/${type}/`, grants: [admin] }];
  }

  key(type: PermissionType, id: string): string {
    return `${type}/${id}`;
  }

  directGrants(type: PermissionType, id: string): Grant[] {
    return this.direct.get(this.key(type, id)) ?? [];
  }

  /** Set the initial grants of a new object (creator as owner or manager). */
  initialize(type: PermissionType, id: string, grants: Grant[]): void {
    this.direct.set(this.key(type, id), grants);
  }

  forget(type: PermissionType, id: string): void {
    this.direct.delete(this.key(type, id));
  }

  /** Parse and validate an access_control_list from a PUT/PATCH body; duplicates: the last one wins. */
  parseAcl(type: PermissionType, body: unknown): Grant[] {
    const list = isObject(body) ? body['access_control_list'] : undefined;
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw invalidParameter('access_control_list must be a list.');
    const byPrincipal = new Map<string, Grant>();
    for (const raw of list) {
      if (!isObject(raw)) throw invalidParameter('Each access control entry must be an object.');
      const kinds = (['user_name', 'group_name', 'service_principal_name'] as const).filter((k) => raw[k] !== undefined);
      if (kinds.length !== 1) {
        throw invalidParameter('Each access control entry must set exactly one of user_name, group_name or service_principal_name.');
      }
      const kind = kinds[0] as Grant['kind'];
      const name = String(raw[kind]);
      const level = String(raw['permission_level'] ?? '');
      const levels = PERMISSION_TYPES[type].levels as readonly string[];
      if (!levels.includes(level)) {
        throw invalidParameter(
          `Permission level ${level || '(none)'} is not valid for ${PERMISSION_TYPES[type].objectType}. Valid levels: ` +
            `${levels.join(', ')}.`,
        );
      }
      this.assertPrincipal(kind, name);
      if (kind === 'group_name' && name === 'admins' && level !== PERMISSION_TYPES[type].adminLevel) {
        throw invalidParameter(`Cannot change permissions for group 'admins' to ${level}.`);
      }
      if (kind === 'group_name' && level === 'IS_OWNER') throw invalidParameter('A group cannot be the owner of a job.');
      // "No other users, service principals, or groups can be granted" CAN_MANAGE on tokens (Azure docs).
      if (type === 'authorization' && level === 'CAN_MANAGE' && !(kind === 'group_name' && name === 'admins')) {
        throw invalidParameter('CAN_MANAGE on tokens belongs to the admins group only; grant CAN_USE instead.');
      }
      byPrincipal.set(`${kind}:${name.toLowerCase()}`, { kind, name, level });
    }
    // `admins` always keeps its grant through the root object; a direct copy adds nothing.
    return [...byPrincipal.values()].filter((g) => !(g.kind === 'group_name' && g.name === 'admins'));
  }

  /** PUT: replace all direct grants. */
  replace(type: PermissionType, id: string, grants: Grant[]): void {
    if (type === 'jobs') assertOneOwner(grants);
    this.direct.set(this.key(type, id), grants);
  }

  /** PATCH: upsert the listed principals' grants. A new IS_OWNER on a job replaces the old one. */
  merge(type: PermissionType, id: string, grants: Grant[]): void {
    let current = [...this.directGrants(type, id)];
    for (const g of grants) {
      if (type === 'jobs' && g.level === 'IS_OWNER') current = current.filter((c) => c.level !== 'IS_OWNER');
      // A principal's grant changes in place; new principals come last.
      const at = current.findIndex((c) => c.kind === g.kind && c.name.toLowerCase() === g.name.toLowerCase());
      if (at >= 0) current[at] = g;
      else current.push(g);
    }
    if (type === 'jobs') assertOneOwner(current);
    this.direct.set(this.key(type, id), current);
  }

  /** The ObjectPermissions response. `inherited` lists sources nearest first. */
  render(type: PermissionType, id: string, inherited: InheritanceSource[], objectIdText: string = id): Json {
    const entries = new Map<string, { grant: Grant; all: Json[] }>();
    const add = (grant: Grant, permission: Json): void => {
      const k = `${grant.kind}:${grant.name.toLowerCase()}`;
      let e = entries.get(k);
      if (!e) {
        e = { grant, all: [] };
        entries.set(k, e);
      }
      e.all.push(permission);
    };
    for (const g of this.directGrants(type, id)) add(g, { permission_level: g.level, inherited: false });
    for (const source of inherited) {
      for (const g of source.grants) {
        add(g, { permission_level: g.level, inherited: true, inherited_from_object: [source.objectRef] });
      }
    }
    const acl = [...entries.values()].map(({ grant, all }) => {
      const entry: Json = { [grant.kind]: grant.name };
      const display = this.displayName(grant);
      if (display !== undefined) entry['display_name'] = display;
      entry['all_permissions'] = all;
      return entry;
    });
    return {
      // Token usage reads back without the leading slash (Azure docs' sample response).
      object_id: type === 'authorization' ? `authorization/${objectIdText}` : `/${type}/${objectIdText}`,
      object_type: PERMISSION_TYPES[type].objectType,
      access_control_list: acl,
    };
  }

  private displayName(grant: Grant): string | undefined {
    if (grant.kind === 'user_name') return this.principals.userByName(grant.name)?.displayName;
    if (grant.kind === 'service_principal_name') return this.principals.servicePrincipalByAppId(grant.name)?.displayName;
    return undefined; // groups carry no display_name
  }

  private assertPrincipal(kind: Grant['kind'], name: string): void {
    const exists =
      kind === 'user_name'
        ? this.principals.userByName(name) !== undefined
        : kind === 'group_name'
          ? this.principals.groupByName(name) !== undefined
          : this.principals.servicePrincipalByAppId(name) !== undefined;
    if (!exists) {
      const label = kind === 'user_name' ? 'UserName' : kind === 'group_name' ? 'GroupName' : 'ServicePrincipalName';
      throw badRequest(`Principal: ${label}(${name}) does not exist`);
    }
  }
}

const ADMINS_MANAGE: Grant = { kind: 'group_name', name: 'admins', level: 'CAN_MANAGE' };

function isAdminsGrant(g: Grant): boolean {
  return g.kind === 'group_name' && g.name === 'admins';
}

function assertOneOwner(grants: Grant[]): void {
  if (grants.filter((g) => g.level === 'IS_OWNER').length !== 1) {
    throw invalidParameter('The job must have exactly one owner.');
  }
}

export function objectNotFound(type: PermissionType, id: string): ApiError {
  return notFound(`${PERMISSION_TYPES[type].objectType} ${id} does not exist.`);
}
