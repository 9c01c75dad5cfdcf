import { compact, scimList } from './discovery.js';
import { principalImporter, type ScimServicePrincipal, values } from './scim.js';
import type { KindHandler } from './types.js';

/** Service principals, keyed by application id (the same in every workspace of a tenant). */
export const servicePrincipals: KindHandler = {
  kind: 'servicePrincipals',
  description: 'Service principals (by application id) with their entitlements.',
  naturalKey: 'application id',
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
  /**
   * A service principal keeps its application id: Microsoft Entra service principals
   * exist tenant-wide, so the target workspace adds the same one.
   */
  importer: principalImporter('ServicePrincipals', 'service principal', (p) => (p as { applicationId: string }).applicationId),
};
