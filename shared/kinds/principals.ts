import { compact, scimList } from './discovery.js';
import type { KindHandler } from './types.js';

interface ScimValue {
  value?: string;
  display?: string;
  $ref?: string;
  type?: string;
}

interface ScimUser {
  id: string;
  userName: string;
  displayName?: string;
  active?: boolean;
  name?: { givenName?: string; familyName?: string };
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

interface ScimServicePrincipal {
  id: string;
  applicationId: string;
  displayName?: string;
  active?: boolean;
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members?: ScimValue[];
  entitlements?: ScimValue[];
  roles?: ScimValue[];
  meta?: { resourceType?: string };
}

const values = (list: ScimValue[] | undefined): string[] | undefined =>
  list && list.length > 0 ? list.map((e) => String(e.value)).sort() : undefined;

/** Users, with their entitlements; group memberships are recorded on the groups. */
export const users: KindHandler = {
  kind: 'users',
  description: 'Users with their entitlements (memberships are on groups).',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    for (const u of await ctx.memo('scim-users', () => scimList<ScimUser>(ctx, 'Users'))) {
      yield { key: u.userName, sourceId: u.id, meta: { userName: u.userName, displayName: u.displayName }, data: u };
    }
  },
  async export(_ctx, item) {
    const u = item.data as ScimUser;
    return {
      content: compact({
        userName: u.userName,
        displayName: u.displayName,
        active: u.active,
        name: u.name,
        externalId: u.externalId,
        entitlements: values(u.entitlements),
        roles: values(u.roles),
      }),
    };
  },
};

/** Service principals, keyed by application id (the same in every workspace of a tenant). */
export const servicePrincipals: KindHandler = {
  kind: 'servicePrincipals',
  description: 'Service principals (by application id) with their entitlements.',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    for (const sp of await ctx.memo('scim-sps', () => scimList<ScimServicePrincipal>(ctx, 'ServicePrincipals'))) {
      yield { key: sp.applicationId, sourceId: sp.id, meta: { applicationId: sp.applicationId, displayName: sp.displayName }, data: sp };
    }
  },
  async export(_ctx, item) {
    const sp = item.data as ScimServicePrincipal;
    return {
      content: compact({
        applicationId: sp.applicationId,
        displayName: sp.displayName,
        active: sp.active,
        externalId: sp.externalId,
        entitlements: values(sp.entitlements),
        roles: values(sp.roles),
      }),
    };
  },
};

/**
 * Groups with members (users, service principals and nested groups, by natural key)
 * and entitlements. The built-in `admins` and `users` groups are kept with a flag:
 * failover merges their members instead of creating them.
 */
export const groups: KindHandler = {
  kind: 'groups',
  description: 'Groups with their members (nested groups too) and entitlements.',
  dependsOn: ['users', 'servicePrincipals'],
  discoveryAfter: ['users', 'servicePrincipals'],
  references: [
    { path: 'members[].user', kind: 'users', by: 'key' },
    { path: 'members[].servicePrincipal', kind: 'servicePrincipals', by: 'key' },
    { path: 'members[].group', kind: 'groups', by: 'key' },
  ],
  async *list(ctx) {
    for (const g of await ctx.memo('scim-groups', () => scimList<ScimGroup>(ctx, 'Groups'))) {
      const builtIn = g.displayName === 'admins' || g.displayName === 'users';
      const accountLevel = g.meta?.resourceType === 'Group';
      yield { key: g.displayName, sourceId: g.id, meta: { displayName: g.displayName, builtIn, accountLevel }, data: g };
    }
  },
  async export(ctx, item) {
    const g = item.data as ScimGroup;
    const userById = new Map(ctx.captured('users').map((e) => [e.sourceId, e.key]));
    const spById = new Map(ctx.captured('servicePrincipals').map((e) => [e.sourceId, e.key]));
    const groupById = new Map((await ctx.memo('scim-groups', () => scimList<ScimGroup>(ctx, 'Groups'))).map((x) => [x.id, x.displayName]));
    const members = (g.members ?? [])
      .map((m) => {
        const id = String(m.value);
        const ref = m.$ref ?? '';
        if (ref.startsWith('Users/') || userById.has(id)) return { user: userById.get(id) ?? m.display ?? id };
        if (ref.startsWith('ServicePrincipals/') || spById.has(id)) return { servicePrincipal: spById.get(id) ?? id };
        return { group: groupById.get(id) ?? m.display ?? id };
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return {
      content: compact({
        displayName: g.displayName,
        externalId: g.externalId,
        members: members.length > 0 ? members : undefined,
        entitlements: values(g.entitlements),
        roles: values(g.roles),
        builtIn: item.meta['builtIn'] === true ? true : undefined,
        accountLevel: item.meta['accountLevel'] === true ? true : undefined,
      }),
    };
  },
};
