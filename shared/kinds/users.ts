import { compact, scimList } from './discovery.js';
import { principalImporter, type ScimUser, values } from './scim.js';
import type { KindHandler } from './types.js';

/** Users, with their entitlements; group memberships are recorded on the groups. */
export const users: KindHandler = {
  kind: 'users',
  description: 'Users with their entitlements (memberships are on groups).',
  naturalKey: 'userName',
  rateLimits: [{ family: 'scim.read', method: 'GET', pattern: /^\/api\/2\.0\/preview\/scim\/v2\//, perSecond: 255 }],
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
  importer: principalImporter('Users', 'user', (p) => (p as { userName: string }).userName),
};
