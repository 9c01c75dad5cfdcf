import { DrError } from '../errors/drError.js';

/**
 * What differs between the primary's region and the DR region, declared by the
 * operator: node types that do not exist there, storage accounts, Key Vaults behind
 * secret scopes, and the mounts to re-create.
 */
export interface Mappings {
  /** Source node type → target node type (e.g. a VM size the DR region lacks). */
  nodeTypes: Record<string, string>;
  /** Source storage account host or name → target one, rewritten in abfss/wasbs URIs. */
  storageAccounts: Record<string, string>;
  /** Key Vault-backed scope name → the vault in the DR region. */
  keyVaults: Record<string, { resource_id: string; dns_name: string }>;
  /** Mounts to create in the target; extra_configs may use {{secrets/scope/key}}. */
  mounts: Array<{ mountPoint: string; source: string; extraConfigs?: Record<string, string> }>;
  /** Node type of the one-time cluster that re-creates mounts. @default Standard_DS3_v2 */
  mountClusterNodeType?: string;
  /** Runtime of that cluster. @default 15.4.x-scala2.12 */
  mountClusterSparkVersion?: string;
}

export const EMPTY_MAPPINGS: Mappings = { nodeTypes: {}, storageAccounts: {}, keyVaults: {}, mounts: [] };

/** Parse DR_FAILOVER_MAPPINGS (JSON); every problem named with its fix. */
export function parseMappings(text: string | undefined): Mappings {
  if (text === undefined || text.trim() === '') return EMPTY_MAPPINGS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DrError(
      'CONFIG_INVALID',
      `The failover mappings are not valid JSON (${(error as Error).message}). Fix: see "Failover mappings" in the README.`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DrError(
      'CONFIG_INVALID',
      'The failover mappings must be a JSON object with nodeTypes, storageAccounts, keyVaults and mounts.',
    );
  const r = raw as Record<string, unknown>;
  const known = ['nodeTypes', 'storageAccounts', 'keyVaults', 'mounts', 'mountClusterNodeType', 'mountClusterSparkVersion'];
  const unknown = Object.keys(r).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new DrError('CONFIG_INVALID', `Unknown failover mapping field(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const record = (name: string): Record<string, string> => {
    const v = r[name] ?? {};
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      throw new DrError(
        'CONFIG_INVALID',
        `Failover mapping "${name}" must map names to names, e.g. {"Standard_DS3_v2": "Standard_D4ds_v5"}.`,
      );
    }
    return v as Record<string, string>;
  };
  const mounts = r['mounts'] ?? [];
  if (
    !Array.isArray(mounts) ||
    mounts.some(
      (m) =>
        typeof m !== 'object' ||
        m === null ||
        typeof (m as { mountPoint?: unknown }).mountPoint !== 'string' ||
        typeof (m as { source?: unknown }).source !== 'string',
    )
  ) {
    throw new DrError(
      'CONFIG_INVALID',
      'Failover mapping "mounts" must be a list of {"mountPoint": "/mnt/x", "source": "abfss://…", "extraConfigs": {…}}.',
    );
  }
  for (const m of mounts as Array<{ mountPoint: string }>) {
    if (!/^\/mnt\/[^/]+$/.test(m.mountPoint))
      throw new DrError('CONFIG_INVALID', `Mount point "${m.mountPoint}" must look like /mnt/<name>.`);
  }
  const keyVaults = (r['keyVaults'] ?? {}) as Record<string, { resource_id?: unknown; dns_name?: unknown }>;
  for (const [scope, kv] of Object.entries(keyVaults)) {
    if (typeof kv?.resource_id !== 'string' || typeof kv.dns_name !== 'string') {
      throw new DrError(
        'CONFIG_INVALID',
        `Failover mapping keyVaults.${scope} needs resource_id and dns_name of the vault in the DR region.`,
      );
    }
  }
  return {
    nodeTypes: record('nodeTypes'),
    storageAccounts: record('storageAccounts'),
    keyVaults: keyVaults as Mappings['keyVaults'],
    mounts: mounts as Mappings['mounts'],
    ...(typeof r['mountClusterNodeType'] === 'string' ? { mountClusterNodeType: r['mountClusterNodeType'] } : {}),
    ...(typeof r['mountClusterSparkVersion'] === 'string' ? { mountClusterSparkVersion: r['mountClusterSparkVersion'] } : {}),
  };
}

/**
 * Rewrite storage account names wherever they appear as an account host: in
 * abfss/wasbs URIs (`c@acct.dfs.core.windows.net/...`) and in Spark conf keys
 * (`fs.azure.account.key.acct.dfs.core.windows.net`).
 */
export function mapStorage(value: string, mappings: Mappings): string {
  let out = value;
  for (const [from, to] of Object.entries(mappings.storageAccounts)) {
    const name = from.replace(/\..*$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const toName = to.replace(/\..*$/, '');
    out = out.replace(new RegExp(`(^|[@/.])${name}(?=\\.(?:dfs|blob)\\.core\\.windows\\.net)`, 'g'), `$1${toName}`);
  }
  return out;
}
