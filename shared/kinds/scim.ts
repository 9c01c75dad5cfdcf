import { createOnce, decide, diffFields, differs, doc, plannedId, SCIM, scimPatch, scimValues } from './import/helpers.js';
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
  return {
    async inventory(ctx) {
      const list = await scimList<ScimUser | ScimServicePrincipal>(ctx, resource);
      return new Map<string, TargetObject>(list.map((p) => [keyOf(p).toLowerCase(), { id: p.id, data: p }]));
    },
    async import(ctx, _artifact, content) {
      const d = doc<PrincipalDoc>(content);
      const key = keyOf(d);
      const inventory = await ctx.inventory(resource === 'Users' ? 'users' : 'servicePrincipals');
      const existing = inventory.get(key.toLowerCase());
      const current = existing?.data as (ScimUser & ScimServicePrincipal) | undefined;
      const expected = { displayName: d.displayName ?? current?.displayName, active: d.active ?? true, entitlements: d.entitlements ?? [] };
      const actual = current && {
        displayName: current.displayName,
        active: current.active ?? true,
        entitlements: values(current.entitlements) ?? [],
      };
      const fields = actual ? diffFields(expected, actual) : [];
      const action = decide(ctx, existing !== undefined, fields.length === 0);
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId(what, key),
          ...(action === 'unchanged' ? {} : { note: differs(`The ${what}`, fields) }),
        };
      }
      if (existing) {
        await scimPatch(ctx, `${resource}/${existing.id}`, [
          { op: 'replace', path: 'active', value: expected.active },
          ...(d.displayName === undefined ? [] : [{ op: 'replace' as const, path: 'displayName', value: d.displayName }]),
          { op: 'replace', path: 'entitlements', value: scimValues(expected.entitlements) },
        ]);
        return { action, targetId: existing.id, note: differs(`The ${what}`, fields) };
      }
      const body = {
        schemas: [`urn:ietf:params:scim:schemas:core:2.0:${resource === 'Users' ? 'User' : 'ServicePrincipal'}`],
        ...(resource === 'Users' ? { userName: key } : { applicationId: key }),
        ...(d.displayName === undefined ? {} : { displayName: d.displayName }),
        ...(resource === 'Users' && d.name !== undefined ? { name: d.name } : {}),
        active: expected.active,
        entitlements: scimValues(expected.entitlements),
      };
      const filter = resource === 'Users' ? `userName eq "${key}"` : `applicationId eq "${key}"`;
      const created = await createOnce(
        ctx,
        () => ctx.client.post<ScimUser>(`${SCIM}/${resource}`, body, { signal: ctx.signal }),
        async () =>
          (await ctx.client.get<{ Resources?: ScimUser[] }>(`${SCIM}/${resource}`, { filter }, { signal: ctx.signal })).Resources?.[0],
      );
      inventory.set(key.toLowerCase(), { id: created.id, data: created });
      return { action, targetId: created.id };
    },
  };
}
