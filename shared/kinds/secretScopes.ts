import { isApiError } from '../databricks/errors.js';
import { createOnce, decide, doc, plannedId } from './import/helpers.js';
import { ImportFailure } from './import/types.js';
import type { ImportContext, TargetObject } from './import/types.js';
import { compact } from './discovery.js';
import type { KindHandler } from './types.js';

interface Scope {
  name: string;
  backend_type?: string;
  keyvault_metadata?: { resource_id?: string; dns_name?: string };
}

/**
 * Secret scopes with their keys and ACLs. Values never leave the workspace (the API
 * does not return them); the snapshot lists the keys whose values must be entered
 * again after a failover, and Key Vault-backed scopes point at their vault.
 */
export const secretScopes: KindHandler = {
  kind: 'secretScopes',
  description: 'Secret scopes with their key names and ACLs; **never values** (the report lists the keys that need one).',
  naturalKey: 'scope name',
  rateLimits: [{ family: 'secrets', pattern: /^\/api\/2\.0\/secrets\//, perSecond: 1100 }],
  dependsOn: ['users', 'groups', 'servicePrincipals'],
  references: [],
  async *list(ctx) {
    const r = await ctx.client.get<{ scopes?: Scope[] }>('/api/2.0/secrets/scopes/list', undefined, { signal: ctx.signal });
    for (const s of r.scopes ?? [])
      yield { key: s.name, sourceId: s.name, meta: { backend_type: s.backend_type ?? 'DATABRICKS' }, data: s };
  },
  async export(ctx, item) {
    const scope = item.data as Scope;
    const keys =
      (
        await ctx.client.get<{ secrets?: Array<{ key: string; last_updated_timestamp?: number }> }>(
          '/api/2.0/secrets/list',
          { scope: scope.name },
          { signal: ctx.signal },
        )
      ).secrets ?? [];
    const acls =
      (
        await ctx.client.get<{ items?: Array<{ principal: string; permission: string }> }>(
          '/api/2.0/secrets/acls/list',
          { scope: scope.name },
          { signal: ctx.signal },
        )
      ).items ?? [];
    const akv = scope.backend_type === 'AZURE_KEYVAULT';
    const sortedKeys = keys
      .map((k) => ({ key: k.key, last_updated_timestamp: k.last_updated_timestamp }))
      .sort((a, b) => a.key.localeCompare(b.key));
    const result = {
      content: compact({
        name: scope.name,
        backend_type: scope.backend_type ?? 'DATABRICKS',
        keyvault_metadata: scope.keyvault_metadata,
        keys: sortedKeys.length > 0 ? sortedKeys : undefined,
        acls: acls.length > 0 ? [...acls].sort((a, b) => a.principal.localeCompare(b.principal)) : undefined,
      }),
      meta: { keys: sortedKeys.length },
    };
    if (!akv && sortedKeys.length > 0) {
      return {
        ...result,
        uncaptured: {
          reason:
            `Secret values cannot be read through the API; ${sortedKeys.length} key${sortedKeys.length === 1 ? '' : 's'} ` +
            `need a value: ${sortedKeys.map((k) => k.key).join(', ')}.`,
          action:
            `After a failover, put the values of scope "${scope.name}" from your source of truth (e.g. Key Vault), ` +
            'or re-point the scope to a Key Vault in the DR region.',
        },
      };
    }
    return result;
  },
  /**
   * Scopes are found by name and created with their backend; a Key Vault-backed scope
   * points at the vault the mapping names for the DR region (or its original vault).
   * ACLs are made equal to the snapshot's, except that the identity running the
   * failover keeps the MANAGE it got by creating the scope. Values are never read or
   * written: the result lists the keys that still need one in the target.
   */
  importer: {
    async inventory(ctx) {
      const r = await ctx.client.get<{ scopes?: Scope[] }>('/api/2.0/secrets/scopes/list', undefined, { signal: ctx.signal });
      return new Map<string, TargetObject>((r.scopes ?? []).map((x) => [x.name.toLowerCase(), { id: x.name, data: x }]));
    },
    async import(ctx, _artifact, content) {
      const d = doc<ScopeDoc>(content);
      const inventory = await ctx.inventory('secretScopes');
      const existing = inventory.get(d.name.toLowerCase());
      const akv = d.backend_type === 'AZURE_KEYVAULT';
      const vault = akv ? (ctx.mappings.keyVaults[d.name] ?? d.keyvault_metadata) : undefined;
      if (akv && (!vault?.resource_id || !vault.dns_name))
        return { action: 'failed', note: `The Key Vault of scope "${d.name}" is unknown; add it to the keyVaults failover mapping.` };
      if (existing) {
        const current = existing.data as Scope;
        if (
          (current.backend_type ?? 'DATABRICKS') !== d.backend_type ||
          (akv && current.keyvault_metadata?.resource_id !== vault?.resource_id)
        ) {
          return {
            action: 'conflict',
            targetId: existing.id,
            note:
              'The scope exists in the target with another backend or vault ' +
              `(${current.backend_type ?? 'DATABRICKS'} ${current.keyvault_metadata?.dns_name ?? ''}). ` +
              'Delete it in the target to have it re-created.',
          };
        }
      }
      const me = await caller(ctx);
      const wantedAcls = new Map((d.acls ?? []).map((a) => [a.principal, a.permission]));
      const currentAcls = new Map<string, string>();
      const targetKeys = new Set<string>();
      if (existing) {
        const acls =
          (
            await ctx.client.get<{ items?: Array<{ principal: string; permission: string }> }>(
              '/api/2.0/secrets/acls/list',
              { scope: d.name },
              { signal: ctx.signal },
            )
          ).items ?? [];
        for (const a of acls) currentAcls.set(a.principal, a.permission);
        if (!akv) {
          const keys =
            (await ctx.client.get<{ secrets?: Array<{ key: string }> }>('/api/2.0/secrets/list', { scope: d.name }, { signal: ctx.signal }))
              .secrets ?? [];
          for (const k of keys) targetKeys.add(k.key);
        }
      } else if (me !== undefined) {
        currentAcls.set(me, 'MANAGE');
      }
      const put = [...wantedAcls].filter(([p, level]) => currentAcls.get(p) !== level);
      const remove = [...currentAcls.keys()].filter((p) => !wantedAcls.has(p) && p !== me);
      const missingKeys = akv ? [] : (d.keys ?? []).map((k) => k.key).filter((k) => !targetKeys.has(k));
      const needsHuman =
        missingKeys.length > 0
          ? {
              needsHuman: {
                reason:
                  `${missingKeys.length} secret${missingKeys.length === 1 ? '' : 's'} of scope "${d.name}" ` +
                  `need a value: ${missingKeys.join(', ')}.`,
                action:
                  `Put the values (databricks secrets put-secret ${d.name} <key>) from your source of truth, ` +
                  'or re-point the scope to a Key Vault.',
              },
            }
          : {};
      const aclNote = put.length + remove.length > 0 ? `ACLs: ${put.length} to set, ${remove.length} to remove.` : undefined;
      const action = decide(ctx, existing !== undefined, put.length + remove.length === 0);
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('secret scope', d.name),
          ...(action === 'unchanged' || !aclNote ? {} : { note: aclNote }),
          ...needsHuman,
        };
      }
      if (!existing) {
        const entra =
          `Scope "${d.name}" is backed by Azure Key Vault, and only a Microsoft Entra ID token can create such a scope ` +
          '(a personal access token cannot).';
        await createOnce(
          ctx,
          () =>
            ctx.client.post(
              '/api/2.0/secrets/scopes/create',
              akv
                ? {
                    scope: d.name,
                    scope_backend_type: 'AZURE_KEYVAULT',
                    backend_azure_keyvault: { resource_id: vault?.resource_id, dns_name: vault?.dns_name },
                  }
                : { scope: d.name },
              { signal: ctx.signal },
            ),
          async () => {
            const r = await ctx.client.get<{ scopes?: Scope[] }>('/api/2.0/secrets/scopes/list', undefined, { signal: ctx.signal });
            return r.scopes?.find((x) => x.name.toLowerCase() === d.name.toLowerCase());
          },
        ).catch((error: unknown) => {
          if (akv && isApiError(error) && /AAD|Entra|token/i.test(error.apiMessage)) {
            throw new ImportFailure(entra, {
              reason: entra,
              action:
                'Run the failover with Entra ID auth for the target (DR_WORKSPACE_<NAME>_AUTH=azure-*), ' +
                'or create the scope by hand, then run it again.',
            });
          }
          throw error;
        });
        inventory.set(d.name.toLowerCase(), {
          id: d.name,
          data: { name: d.name, backend_type: d.backend_type, ...(vault ? { keyvault_metadata: vault } : {}) },
        });
      }
      for (const [principal, permission] of put) {
        await ctx.client.post(
          '/api/2.0/secrets/acls/put',
          { scope: d.name, principal, permission },
          { signal: ctx.signal, idempotent: true },
        );
      }
      for (const principal of remove) {
        await ctx.client.post('/api/2.0/secrets/acls/delete', { scope: d.name, principal }, { signal: ctx.signal, idempotent: true });
      }
      return { action, targetId: d.name, ...(aclNote && existing ? { note: aclNote } : {}), ...needsHuman };
    },
  },
};

interface ScopeDoc {
  name: string;
  backend_type: string;
  keyvault_metadata?: { resource_id?: string; dns_name?: string };
  keys?: Array<{ key: string }>;
  acls?: Array<{ principal: string; permission: string }>;
}

/** The user name (or application id) the target client acts as. */
export function caller(ctx: ImportContext): Promise<string | undefined> {
  return ctx.memo('me', async () => {
    try {
      return (await ctx.client.get<{ userName?: string }>('/api/2.0/preview/scim/v2/Me', undefined, { signal: ctx.signal })).userName;
    } catch {
      return undefined;
    }
  });
}
