import { compact, scimList } from './discovery.js';
import { type ScimGroup, values } from './scim.js';
import type { KindHandler } from './types.js';

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
