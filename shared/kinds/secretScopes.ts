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
  description: 'Secret scopes with their keys and ACLs; never values.',
  dependsOn: ['users', 'groups', 'servicePrincipals'],
  references: [],
  async *list(ctx) {
    const r = await ctx.client.get<{ scopes?: Scope[] }>('/api/2.0/secrets/scopes/list', undefined, { signal: ctx.signal });
    for (const s of r.scopes ?? []) yield { key: s.name, sourceId: s.name, meta: { backend_type: s.backend_type ?? 'DATABRICKS' }, data: s };
  },
  async export(ctx, item) {
    const scope = item.data as Scope;
    const keys = (await ctx.client.get<{ secrets?: Array<{ key: string; last_updated_timestamp?: number }> }>('/api/2.0/secrets/list', { scope: scope.name }, { signal: ctx.signal })).secrets ?? [];
    const acls = (await ctx.client.get<{ items?: Array<{ principal: string; permission: string }> }>('/api/2.0/secrets/acls/list', { scope: scope.name }, { signal: ctx.signal })).items ?? [];
    const akv = scope.backend_type === 'AZURE_KEYVAULT';
    const sortedKeys = keys.map((k) => ({ key: k.key, last_updated_timestamp: k.last_updated_timestamp })).sort((a, b) => a.key.localeCompare(b.key));
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
          reason: `Secret values cannot be read through the API; ${sortedKeys.length} key${sortedKeys.length === 1 ? '' : 's'} need a value: ${sortedKeys.map((k) => k.key).join(', ')}.`,
          action: `After a failover, put the values of scope "${scope.name}" from your source of truth (e.g. Key Vault), or re-point the scope to a Key Vault in the DR region.`,
        },
      };
    }
    return result;
  },
};
