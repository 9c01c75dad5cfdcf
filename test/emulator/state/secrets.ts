import type { AreaState } from '../area.js';
import { alreadyExists, ApiError, badRequest, invalidParameter, notFound } from '../errors.js';
import type { Workspace } from './workspace.js';

/** Secrets' part of a fixture. */
export interface SecretsSection {
  secretScopes?: FixtureSecretScope[];
}

export interface FixtureSecretScope {
  name: string;
  backendType?: 'DATABRICKS' | 'AZURE_KEYVAULT';
  keyvault?: { resource_id: string; dns_name: string };
  /** key → value (UTF-8). */
  secrets?: Record<string, string>;
  /** principal → READ | WRITE | MANAGE */
  acls?: Record<string, 'READ' | 'WRITE' | 'MANAGE'>;
}

export interface SecretScopeRecord {
  name: string;
  backendType: 'DATABRICKS' | 'AZURE_KEYVAULT';
  keyvault?: { resource_id: string; dns_name: string };
  /** Values are stored so that a test can prove they are never returned. */
  secrets: Map<string, { value: Buffer; lastUpdated: number }>;
  acls: Map<string, 'READ' | 'WRITE' | 'MANAGE'>;
}

const NAME_RE = /^[A-Za-z0-9\-_.@]{1,128}$/;
const PERMISSIONS = ['READ', 'WRITE', 'MANAGE'] as const;

/** Secret scopes, keys and ACLs (Secrets API 2.0). Names are case-insensitive. */
export class Secrets implements AreaState<SecretsSection> {
  readonly scopes = new Map<string, SecretScopeRecord>();

  constructor(private readonly ws: Workspace) {}

  load(fixture: SecretsSection): void {
    const admin = this.ws.principals.adminUserName();
    for (const s of fixture.secretScopes ?? []) {
      const scope = this.createScope(s.name, s.backendType ?? 'DATABRICKS', admin, undefined, s.keyvault);
      for (const [k, v] of Object.entries(s.secrets ?? {})) this.put(s.name, k, Buffer.from(v, 'utf8'), this.ws.now());
      if (s.acls) {
        scope.acls.clear();
        for (const [principal, permission] of Object.entries(s.acls)) scope.acls.set(principal, permission);
      }
    }
  }

  dump(): Required<SecretsSection> {
    return {
      secretScopes: [...this.scopes.values()].map((s) => ({
        name: s.name,
        backendType: s.backendType,
        ...(s.keyvault ? { keyvault: s.keyvault } : {}),
        secrets: Object.fromEntries([...s.secrets].map(([k, v]) => [k, v.value.toString('utf8')])),
        acls: Object.fromEntries(s.acls),
      })),
    };
  }

  /** Whether a secret reference resolves; Key Vault-backed scopes hold their keys in the vault, which the emulator cannot see. */
  exists(scopeName: string, key: string): boolean {
    const s = this.scopes.get(scopeName.toLowerCase());
    return s !== undefined && (s.backendType === 'AZURE_KEYVAULT' || s.secrets.has(key));
  }

  scope(name: string): SecretScopeRecord {
    const scope = this.scopes.get(name.toLowerCase());
    if (!scope) throw notFound(`Scope ${name} does not exist!`);
    return scope;
  }

  createScope(
    name: string,
    backendType: SecretScopeRecord['backendType'],
    creator: string,
    initialManagePrincipal: string | undefined,
    keyvault?: SecretScopeRecord['keyvault'],
  ): SecretScopeRecord {
    if (!NAME_RE.test(name)) {
      throw invalidParameter(
        `Scope name requested does not match the required pattern. Scope names must consist of alphanumeric ` +
          `characters, dashes, underscores, periods, and at signs, and may not exceed 128 characters.`,
      );
    }
    if (this.scopes.has(name.toLowerCase())) throw alreadyExists(`Scope ${name} already exists!`);
    if (initialManagePrincipal !== undefined && initialManagePrincipal !== 'users') {
      throw invalidParameter(`initial_manage_principal must be 'users' or omitted.`);
    }
    if (this.scopes.size >= 1000) {
      throw new ApiError(400, 'RESOURCE_LIMIT_EXCEEDED', 'Maximum number of secret scopes (1000) reached.');
    }
    const scope: SecretScopeRecord = {
      name,
      backendType,
      ...(keyvault ? { keyvault } : {}),
      secrets: new Map(),
      acls: new Map([[initialManagePrincipal ?? creator, 'MANAGE']]),
    };
    this.scopes.set(name.toLowerCase(), scope);
    return scope;
  }

  deleteScope(name: string): void {
    this.scope(name);
    this.scopes.delete(name.toLowerCase());
  }

  put(scopeName: string, key: string, value: Buffer, now: number): void {
    const scope = this.scope(scopeName);
    if (scope.backendType === 'AZURE_KEYVAULT') {
      throw badRequest(`Cannot write secrets to Azure KeyVault-backed scope ${scopeName}`);
    }
    if (!NAME_RE.test(key)) {
      throw invalidParameter(
        `Invalid secret key. Keys must consist of alphanumeric characters, dashes, underscores, and periods, and may ` +
          `not exceed 128 characters.`,
      );
    }
    if (value.length > 128 * 1024) {
      throw invalidParameter(`Secret value exceeds the maximum size of 128 KB.`);
    }
    if (!scope.secrets.has(key) && scope.secrets.size >= 1000) {
      throw new ApiError(400, 'RESOURCE_LIMIT_EXCEEDED', `Maximum number of secrets (1000) in scope ${scopeName} reached.`);
    }
    scope.secrets.set(key, { value, lastUpdated: now });
  }

  deleteSecret(scopeName: string, key: string): void {
    const scope = this.scope(scopeName);
    if (scope.backendType === 'AZURE_KEYVAULT') {
      throw badRequest(`Cannot delete secrets from Azure KeyVault-backed scope ${scopeName}`);
    }
    if (!scope.secrets.delete(key)) throw notFound(`Secret ${key} does not exist in scope ${scopeName}!`);
  }

  putAcl(scopeName: string, principal: string, permission: string): void {
    const scope = this.scope(scopeName);
    if (!(PERMISSIONS as readonly string[]).includes(permission)) {
      throw invalidParameter(`Invalid permission ${permission}. Must be one of READ, WRITE, MANAGE.`);
    }
    scope.acls.set(principal, permission as 'READ' | 'WRITE' | 'MANAGE');
  }

  deleteAcl(scopeName: string, principal: string): void {
    const scope = this.scope(scopeName);
    if (!scope.acls.delete(principal)) {
      throw notFound(`Failed to delete ACL for principal ${principal} in scope ${scopeName}: ACL does not exist.`);
    }
  }
}
