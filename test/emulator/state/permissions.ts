import type { ApiError } from '../errors.js';
import { badRequest, invalidParameter, notFound } from '../errors.js';
import { isObject, type Json } from '../http.js';
import type { Principals } from './principals.js';

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
} as const;

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
export class Permissions {
  private readonly direct = new Map<string, Grant[]>();

  constructor(private readonly principals: Principals) {}

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
          `Permission level ${level || '(none)'} is not valid for ${PERMISSION_TYPES[type].objectType}. Valid levels: ${levels.join(', ')}.`,
        );
      }
      this.assertPrincipal(kind, name);
      if (kind === 'group_name' && name === 'admins' && level !== PERMISSION_TYPES[type].adminLevel) {
        throw invalidParameter(`Cannot change permissions for group 'admins' to ${level}.`);
      }
      if (kind === 'group_name' && level === 'IS_OWNER') throw invalidParameter('A group cannot be the owner of a job.');
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
      current = current.filter((c) => !(c.kind === g.kind && c.name.toLowerCase() === g.name.toLowerCase()));
      current.push(g);
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
      object_id: `/${type}/${objectIdText}`,
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

function assertOneOwner(grants: Grant[]): void {
  if (grants.filter((g) => g.level === 'IS_OWNER').length !== 1) {
    throw invalidParameter('The job must have exactly one owner.');
  }
}

export function objectNotFound(type: PermissionType, id: string): ApiError {
  return notFound(`${PERMISSION_TYPES[type].objectType} ${id} does not exist.`);
}
