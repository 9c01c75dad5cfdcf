import { badRequest, invalidParameter, notFound } from '../errors.js';
import type { Routes } from '../http.js';
import type { Workspace } from '../state/workspace.js';

/** Secrets 2.0: scopes, keys (values are stored but never listed) and ACLs. */
export function registerSecrets(routes: Routes, ws: Workspace): void {
  const principalExists = (name: string): boolean =>
    ws.principals.userByName(name) !== undefined ||
    ws.principals.groupByName(name) !== undefined ||
    ws.principals.servicePrincipalByAppId(name) !== undefined;

  routes.get('/api/2.0/secrets/scopes/list', 'secrets', () => {
    const scopes = [...ws.secrets.scopes.values()].map((s) =>
      s.backendType === 'AZURE_KEYVAULT'
        ? { name: s.name, backend_type: s.backendType, keyvault_metadata: s.keyvault, is_databricks_managed: false }
        : { name: s.name, backend_type: s.backendType },
    );
    return scopes.length === 0 ? {} : { scopes };
  });

  routes.post('/api/2.0/secrets/scopes/create', 'secrets', (ctx) => {
    const scope = ctx.body.required('scope');
    const backend = ctx.body.str('scope_backend_type') ?? 'DATABRICKS';
    if (backend !== 'DATABRICKS' && backend !== 'AZURE_KEYVAULT') throw invalidParameter(`Invalid scope_backend_type ${backend}.`);
    let keyvault: { resource_id: string; dns_name: string } | undefined;
    if (backend === 'AZURE_KEYVAULT') {
      const kv = ctx.body.obj('backend_azure_keyvault');
      if (!kv || typeof kv['resource_id'] !== 'string' || typeof kv['dns_name'] !== 'string') {
        throw invalidParameter(
          'backend_azure_keyvault.resource_id and backend_azure_keyvault.dns_name are required for an Azure Key Vault-backed scope.',
        );
      }
      // Key Vault-backed scopes need an Entra ID token; a personal access token is refused.
      if ((ctx.headers.authorization ?? '').replace(/^Bearer\s+/i, '').startsWith('dapi')) {
        throw badRequest('Scope with Azure KeyVault must have userAADToken defined!');
      }
      keyvault = { resource_id: kv['resource_id'], dns_name: kv['dns_name'] };
    }
    ws.secrets.createScope(scope, backend, ctx.caller.name, ctx.body.str('initial_manage_principal'), keyvault);
    return {};
  });

  routes.post('/api/2.0/secrets/scopes/delete', 'secrets', (ctx) => {
    ws.secrets.deleteScope(ctx.body.required('scope'));
    return {};
  });

  routes.get('/api/2.0/secrets/list', 'secrets', (ctx) => {
    const scope = ws.secrets.scope(ctx.query.required('scope'));
    const secrets = [...scope.secrets].map(([key, v]) => ({ key, last_updated_timestamp: v.lastUpdated }));
    return secrets.length === 0 ? {} : { secrets };
  });

  routes.post('/api/2.0/secrets/put', 'secrets', (ctx) => {
    const scope = ctx.body.required('scope');
    const key = ctx.body.required('key');
    const s = ctx.body.str('string_value');
    const b = ctx.body.str('bytes_value');
    if ((s === undefined) === (b === undefined)) throw invalidParameter('Exactly one of string_value or bytes_value must be specified.');
    ws.secrets.put(scope, key, s !== undefined ? Buffer.from(s, 'utf8') : Buffer.from(b as string, 'base64'), ws.now());
    return {};
  });

  routes.post('/api/2.0/secrets/delete', 'secrets', (ctx) => {
    ws.secrets.deleteSecret(ctx.body.required('scope'), ctx.body.required('key'));
    return {};
  });

  routes.get('/api/2.0/secrets/get', 'secrets', (ctx) => {
    // The service answers this only from notebooks (dbutils); REST callers are refused.
    ws.secrets.scope(ctx.query.required('scope'));
    throw badRequest('Cannot access secret values through the REST API. Use dbutils.secrets.get from a notebook instead.');
  });

  routes.get('/api/2.0/secrets/acls/list', 'secrets', (ctx) => {
    const scope = ws.secrets.scope(ctx.query.required('scope'));
    const items = [...scope.acls].map(([principal, permission]) => ({ principal, permission }));
    return items.length === 0 ? {} : { items };
  });

  routes.get('/api/2.0/secrets/acls/get', 'secrets', (ctx) => {
    const scope = ws.secrets.scope(ctx.query.required('scope'));
    const principal = ctx.query.required('principal');
    const permission = scope.acls.get(principal);
    if (permission === undefined) throw notFound(`ACL for principal ${principal} in scope ${scope.name} does not exist.`);
    return { principal, permission };
  });

  routes.post('/api/2.0/secrets/acls/put', 'secrets', (ctx) => {
    const principal = ctx.body.required('principal');
    if (!principalExists(principal)) throw invalidParameter(`Principal ${principal} does not exist.`);
    ws.secrets.putAcl(ctx.body.required('scope'), principal, ctx.body.required('permission'));
    return {};
  });

  routes.post('/api/2.0/secrets/acls/delete', 'secrets', (ctx) => {
    ws.secrets.deleteAcl(ctx.body.required('scope'), ctx.body.required('principal'));
    return {};
  });
}
