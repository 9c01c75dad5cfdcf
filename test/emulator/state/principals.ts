import type { AreaState } from '../area.js';
import { ScimError } from '../errors.js';
import type { Caller } from '../http.js';
import type { Workspace } from './workspace.js';

/** The principals' part of a workspace fixture. */
export interface PrincipalsSection {
  users?: FixtureUser[];
  servicePrincipals?: FixtureServicePrincipal[];
  /** Groups load after users and service principals; members may be nested groups. */
  groups?: FixtureGroup[];
}

export interface FixtureUser {
  id?: string;
  userName: string;
  displayName?: string;
  givenName?: string;
  familyName?: string;
  active?: boolean;
  externalId?: string;
  entitlements?: string[];
}

export interface FixtureServicePrincipal {
  id?: string;
  applicationId: string;
  displayName: string;
  active?: boolean;
  externalId?: string;
  entitlements?: string[];
}

/** A member is named by its natural key; nested groups are allowed. */
export type FixtureMember = { userName: string } | { group: string } | { applicationId: string };

export interface FixtureGroup {
  id?: string;
  displayName: string;
  externalId?: string;
  members?: FixtureMember[];
  entitlements?: string[];
}

export const ENTITLEMENTS = [
  'allow-cluster-create',
  'allow-instance-pool-create',
  'databricks-sql-access',
  'workspace-access',
  'workspace-consume',
] as const;

export type PrincipalKind = 'user' | 'group' | 'servicePrincipal';

export interface UserRecord {
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  givenName?: string;
  familyName?: string;
  externalId?: string;
  entitlements: string[];
  roles: string[];
}

export interface ServicePrincipalRecord {
  id: string;
  applicationId: string;
  displayName: string;
  active: boolean;
  externalId?: string;
  entitlements: string[];
  roles: string[];
}

export interface GroupRecord {
  id: string;
  displayName: string;
  externalId?: string;
  /** SCIM ids of direct members (users, service principals or groups). */
  members: string[];
  entitlements: string[];
  roles: string[];
  /** `admins` and `users` exist in every workspace and cannot be deleted. */
  builtIn: boolean;
}

export interface PrincipalRef {
  kind: PrincipalKind;
  id: string;
}

/**
 * SCIM principals of one workspace: users, groups (nested) and service principals.
 * Every workspace has the built-in groups `admins` and `users`; every user and
 * service principal is implicitly in `users`.
 */
export class Principals implements AreaState<PrincipalsSection> {
  readonly users = new Map<string, UserRecord>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  readonly groups = new Map<string, GroupRecord>();
  private adminId = '';

  constructor(private readonly ws: Workspace) {}

  load(fixture: PrincipalsSection): void {
    loadPrincipals(this, fixture);
  }

  dump(): PrincipalsSection {
    return dumpPrincipals(this);
  }

  /** Create the built-in groups and the admin user. */
  bootstrap(): void {
    const adminUserName = this.ws.adminUserName;
    const admins = this.addGroup({
      displayName: 'admins',
      builtIn: true,
      entitlements: ['allow-cluster-create', 'allow-instance-pool-create', 'databricks-sql-access', 'workspace-access'],
    });
    this.addGroup({ displayName: 'users', builtIn: true, entitlements: ['workspace-access', 'databricks-sql-access'] });
    const admin = this.addUser({ userName: adminUserName, displayName: displayNameFromEmail(adminUserName) });
    admins.members.push(admin.id);
    this.adminId = admin.id;
  }

  adminCaller(): Caller {
    const admin = this.users.get(this.adminId);
    if (!admin) throw new Error('emulator: the admin user was deleted');
    return { kind: 'user', id: admin.id, name: admin.userName, isAdmin: true };
  }

  adminUserName(): string {
    return this.users.get(this.adminId)?.userName ?? 'admin@example.com';
  }

  userCaller(userName: string): Caller | undefined {
    const user = this.userByName(userName);
    return user && { kind: 'user', id: user.id, name: user.userName, isAdmin: this.isAdmin(user.id) };
  }

  servicePrincipalCaller(applicationId: string): Caller | undefined {
    const sp = this.servicePrincipalByAppId(applicationId);
    return sp && { kind: 'servicePrincipal', id: sp.id, name: sp.applicationId, isAdmin: this.isAdmin(sp.id) };
  }

  /** What Azure does for an identity with Contributor on the workspace resource. */
  provisionServicePrincipal(applicationId: string, displayName: string): Caller {
    const sp = this.addServicePrincipal({ applicationId, displayName });
    this.builtInGroup('admins').members.push(sp.id);
    return { kind: 'servicePrincipal', id: sp.id, name: applicationId, isAdmin: true };
  }

  builtInGroup(name: 'admins' | 'users'): GroupRecord {
    for (const g of this.groups.values()) if (g.builtIn && g.displayName === name) return g;
    throw new Error(`emulator: built-in group ${name} missing`);
  }

  isAdmin(principalId: string): boolean {
    return this.transitiveGroupIds(principalId).has(this.builtInGroup('admins').id);
  }

  userByName(userName: string): UserRecord | undefined {
    const lower = userName.toLowerCase();
    for (const u of this.users.values()) if (u.userName.toLowerCase() === lower) return u;
    return undefined;
  }

  groupByName(displayName: string): GroupRecord | undefined {
    for (const g of this.groups.values()) if (g.displayName === displayName) return g;
    return undefined;
  }

  servicePrincipalByAppId(applicationId: string): ServicePrincipalRecord | undefined {
    const lower = applicationId.toLowerCase();
    for (const sp of this.servicePrincipals.values()) if (sp.applicationId.toLowerCase() === lower) return sp;
    return undefined;
  }

  kindOf(id: string): PrincipalKind | undefined {
    if (this.users.has(id)) return 'user';
    if (this.groups.has(id)) return 'group';
    if (this.servicePrincipals.has(id)) return 'servicePrincipal';
    return undefined;
  }

  addUser(
    input: Omit<UserRecord, 'id' | 'active' | 'entitlements' | 'roles'> &
      Partial<Pick<UserRecord, 'id' | 'active' | 'entitlements' | 'roles'>>,
  ): UserRecord {
    // Workspace SCIM answers duplicates with 409 and no scimType (compute-jobs-iam.md §4.4).
    if (this.userByName(input.userName)) {
      throw new ScimError(409, `User with username ${input.userName} already exists.`);
    }
    const user: UserRecord = {
      active: true,
      entitlements: [],
      roles: [],
      ...input,
      id: input.id ?? this.ws.ids.scimId(),
    };
    this.users.set(user.id, user);
    // Users get a home folder and a Repos folder they manage.
    this.ws.tree.createHomeFolders(user.userName);
    return user;
  }

  addServicePrincipal(
    input: Omit<ServicePrincipalRecord, 'id' | 'active' | 'entitlements' | 'roles'> &
      Partial<Pick<ServicePrincipalRecord, 'id' | 'active' | 'entitlements' | 'roles'>>,
  ): ServicePrincipalRecord {
    if (this.servicePrincipalByAppId(input.applicationId)) {
      throw new ScimError(409, `Service principal with application ID ${input.applicationId} already exists.`);
    }
    const sp: ServicePrincipalRecord = {
      active: true,
      entitlements: [],
      roles: [],
      ...input,
      id: input.id ?? this.ws.ids.scimId(),
    };
    this.servicePrincipals.set(sp.id, sp);
    return sp;
  }

  addGroup(
    input: Omit<GroupRecord, 'id' | 'members' | 'entitlements' | 'roles' | 'builtIn'> &
      Partial<Pick<GroupRecord, 'id' | 'members' | 'entitlements' | 'roles' | 'builtIn'>>,
  ): GroupRecord {
    if (this.groupByName(input.displayName)) {
      throw new ScimError(409, `Group with name ${input.displayName} already exists.`);
    }
    const group: GroupRecord = {
      members: [],
      entitlements: [],
      roles: [],
      builtIn: false,
      ...input,
      id: input.id ?? this.ws.ids.scimId(),
    };
    this.groups.set(group.id, group);
    return group;
  }

  /** Give a principal another SCIM id (fixture loading keeps built-in ids stable). */
  rekey(oldId: string, newId: string): void {
    if (oldId === newId) return;
    if (this.kindOf(newId) !== undefined) throw new Error(`SCIM id ${newId} is already used`);
    for (const map of [this.users, this.groups, this.servicePrincipals] as Array<Map<string, { id: string }>>) {
      const record = map.get(oldId);
      if (record) {
        map.delete(oldId);
        record.id = newId;
        map.set(newId, record);
      }
    }
    for (const g of this.groups.values()) g.members = g.members.map((m) => (m === oldId ? newId : m));
    if (this.adminId === oldId) this.adminId = newId;
  }

  /** Remove a principal and every membership of it. */
  remove(id: string): void {
    this.users.delete(id);
    this.servicePrincipals.delete(id);
    this.groups.delete(id);
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== id);
  }

  /** Groups that list this principal as a direct member (the implicit `users` group excluded). */
  directGroupIds(principalId: string): string[] {
    const out: string[] = [];
    for (const g of this.groups.values()) if (g.members.includes(principalId)) out.push(g.id);
    return out;
  }

  /** Every group the principal belongs to, directly or through nested groups. */
  transitiveGroupIds(principalId: string): Set<string> {
    const seen = new Set<string>();
    const queue = this.directGroupIds(principalId);
    while (queue.length > 0) {
      const id = queue.shift() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push(...this.directGroupIds(id));
    }
    return seen;
  }
}

/** Users, then service principals, then groups, then memberships. */
function loadPrincipals(p: Principals, fixture: PrincipalsSection): void {
  for (const u of fixture.users ?? []) {
    const existing = p.userByName(u.userName);
    if (existing) {
      // The admin user exists already: adopt the fixture's id.
      if (u.id !== undefined) p.rekey(existing.id, u.id);
      continue;
    }
    p.addUser({
      userName: u.userName,
      displayName: u.displayName ?? displayNameFromEmail(u.userName),
      ...(u.id === undefined ? {} : { id: u.id }),
      ...(u.givenName === undefined ? {} : { givenName: u.givenName }),
      ...(u.familyName === undefined ? {} : { familyName: u.familyName }),
      ...(u.externalId === undefined ? {} : { externalId: u.externalId }),
      active: u.active ?? true,
      entitlements: u.entitlements ?? [],
    });
  }
  for (const sp of fixture.servicePrincipals ?? []) {
    p.addServicePrincipal({
      applicationId: sp.applicationId,
      displayName: sp.displayName,
      ...(sp.id === undefined ? {} : { id: sp.id }),
      ...(sp.externalId === undefined ? {} : { externalId: sp.externalId }),
      active: sp.active ?? true,
      entitlements: sp.entitlements ?? [],
    });
  }
  for (const g of fixture.groups ?? []) {
    const existing = p.groupByName(g.displayName);
    if (existing) {
      // `admins` and `users`: keep them built in, adopt id and entitlements.
      if (g.id !== undefined) p.rekey(existing.id, g.id);
      if (g.entitlements) existing.entitlements = g.entitlements;
      continue;
    }
    p.addGroup({
      displayName: g.displayName,
      ...(g.id === undefined ? {} : { id: g.id }),
      ...(g.externalId === undefined ? {} : { externalId: g.externalId }),
      entitlements: g.entitlements ?? [],
    });
  }
  // Members last, once every group exists (nested groups may come in any order).
  for (const g of fixture.groups ?? []) {
    const group = p.groupByName(g.displayName);
    if (!group) continue;
    for (const m of g.members ?? []) {
      const id = memberId(p, m);
      if (!group.members.includes(id)) group.members.push(id);
    }
  }
}

function memberId(p: Principals, m: FixtureMember): string {
  if ('userName' in m) {
    const u = p.userByName(m.userName);
    if (!u) throw new Error(`Fixture group member user ${m.userName} does not exist`);
    return u.id;
  }
  if ('group' in m) {
    const g = p.groupByName(m.group);
    if (!g) throw new Error(`Fixture group member group ${m.group} does not exist`);
    return g.id;
  }
  const sp = p.servicePrincipalByAppId(m.applicationId);
  if (!sp) throw new Error(`Fixture group member service principal ${m.applicationId} does not exist`);
  return sp.id;
}

function dumpPrincipals(p: Principals): Required<PrincipalsSection> {
  const memberRef = (id: string): FixtureMember => {
    const kind = p.kindOf(id);
    if (kind === 'user') return { userName: p.users.get(id)?.userName ?? '' };
    if (kind === 'group') return { group: p.groups.get(id)?.displayName ?? '' };
    return { applicationId: p.servicePrincipals.get(id)?.applicationId ?? '' };
  };
  return {
    users: [...p.users.values()].map((u) => ({
      id: u.id,
      userName: u.userName,
      displayName: u.displayName,
      active: u.active,
      entitlements: u.entitlements,
      ...(u.givenName === undefined ? {} : { givenName: u.givenName }),
      ...(u.familyName === undefined ? {} : { familyName: u.familyName }),
      ...(u.externalId === undefined ? {} : { externalId: u.externalId }),
    })),
    servicePrincipals: [...p.servicePrincipals.values()].map((sp) => ({
      id: sp.id,
      applicationId: sp.applicationId,
      displayName: sp.displayName,
      active: sp.active,
      entitlements: sp.entitlements,
    })),
    groups: [...p.groups.values()].map((g) => ({
      id: g.id,
      displayName: g.displayName,
      members: g.members.map(memberRef),
      entitlements: g.entitlements,
    })),
  };
}

export function displayNameFromEmail(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local
    .split(/[._-]+/)
    .filter((p) => p !== '')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join(' ');
}
