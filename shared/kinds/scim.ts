import { doc, SCIM, scimPatch, scimValues } from './import/helpers.js';
import { reconcile, type TargetScope } from './import/reconcile.js';
import type { KindImporter, TargetObject } from './import/types.js';
import { scimList } from './discovery.js';

/** SCIM shapes the principal kinds read (databricks-api.md §6.2). */
export interface ScimValue {
  value?: string;
  display?: string;
  $ref?: string;
  type?: string;
}

export interface ScimUser {
  id: string;
  userName: string;
  displayName?: string;
  active?: boolean;
  name?: { givenName?: string; familyName?: string };
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

export interface ScimServicePrincipal {
  id: string;
  applicationId: string;
  displayName?: string;
  active?: boolean;
  externalId?: string;
  entitlements?: ScimValue[];
  roles?: ScimValue[];
}

export interface ScimGroup {
  id: string;
  displayName: string;
  externalId?: string;
  members?: ScimValue[];
  entitlements?: ScimValue[];
  roles?: ScimValue[];
  meta?: { resourceType?: string };
}

/** Sorted `value`s of a SCIM multi-valued attribute, or undefined when empty. */
export const values = (list: ScimValue[] | undefined): string[] | undefined =>
  list && list.length > 0 ? list.map((e) => String(e.value)).sort() : undefined;

/** What a user or service principal artifact holds. */
export interface PrincipalDoc {
  userName?: string;
  applicationId?: string;
  displayName?: string;
  active?: boolean;
  name?: unknown;
  entitlements?: string[];
}

/**
 * The importer of users and service principals: found by natural key (userName,
 * application id), created with their entitlements, and brought in line with a
 * PATCH (a PUT would also replace group memberships, which groups own).
 */
export function principalImporter(
  resource: 'Users' | 'ServicePrincipals',
  what: string,
  keyOf: (p: ScimUser | ScimServicePrincipal | PrincipalDoc) => string,
): KindImporter {
  const kind = resource === 'Users' ? 'users' : 'servicePrincipals';
  const comparable = (p: ScimUser | ScimServicePrincipal) => ({
    displayName: p.displayName,
    active: p.active ?? true,
    entitlements: values(p.entitlements) ?? [],
  });
  const target = async (ctx: TargetScope): Promise<Map<string, TargetObject>> =>
    new Map((await scimList<ScimUser | ScimServicePrincipal>(ctx, resource)).map((p) => [keyOf(p).toLowerCase(), { id: p.id, data: p }]));
  return {
    inventory: target,
    async import(ctx, artifact, content) {
      const d = doc<PrincipalDoc>(content);
      const key = keyOf(d);
      const existing = (await ctx.inventory(kind)).get(key.toLowerCase())?.data as ScimUser | undefined;
      const wanted = { displayName: d.displayName ?? existing?.displayName, active: d.active ?? true, entitlements: d.entitlements ?? [] };
      const body = {
        schemas: [`urn:ietf:params:scim:schemas:core:2.0:${resource === 'Users' ? 'User' : 'ServicePrincipal'}`],
        ...(resource === 'Users' ? { userName: key } : { applicationId: key }),
        ...(d.displayName === undefined ? {} : { displayName: d.displayName }),
        ...(resource === 'Users' && d.name !== undefined ? { name: d.name } : {}),
        active: wanted.active,
        entitlements: scimValues(wanted.entitlements),
      };
      return reconcile(ctx, artifact, target, {
        kind,
        key: key.toLowerCase(),
        what: `The ${what}`,
        noun: what,
        wanted,
        current: (t) => comparable(t.data as ScimUser),
        async update(t) {
          await scimPatch(ctx, `${resource}/${t.id}`, [
            { op: 'replace', path: 'active', value: wanted.active },
            ...(d.displayName === undefined ? [] : [{ op: 'replace' as const, path: 'displayName', value: d.displayName }]),
            { op: 'replace', path: 'entitlements', value: scimValues(wanted.entitlements) },
          ]);
        },
        written: (id) => ({ ...body, id }),
        create: async () => (await ctx.client.post<ScimUser>(`${SCIM}/${resource}`, body, { signal: ctx.signal })).id,
      });
    },
  };
}
