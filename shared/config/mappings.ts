import ipaddr from 'ipaddr.js';
import { z } from 'zod';

import { check, joinProblems, lookupTable } from '../codec/schema.js';
import { DrError } from '../errors/drError.js';

const NAME = z.string().min(1);
const VAULT_RESOURCE_ID_ERROR =
  'must be the resource id of the vault in the DR region, e.g. "/subscriptions/…/providers/Microsoft.KeyVault/vaults/kv-dr"';

/**
 * What differs between the primary's region and the DR region, declared by the
 * operator (DR_FAILOVER_MAPPINGS, JSON): node types that do not exist there, storage
 * accounts, Key Vaults behind secret scopes, and the mounts to re-create. Unknown
 * fields are refused, at every level, so a misspelt one is named instead of ignored.
 * The lookup tables refuse "__proto__", "constructor" and "prototype" as names, and
 * parseMappings returns them without a prototype.
 */
export const MappingsSchema = z
  .strictObject({
    nodeTypes: lookupTable(
      z.string({ error: 'must be a node type name, e.g. "Standard_D4ds_v5"' }).min(1),
      'a node type name',
      'must map node types to node types, e.g. {"Standard_DS3_v2": "Standard_D4ds_v5"}',
    )
      .default({})
      .meta({ description: 'Source node type → target node type (e.g. a VM size the DR region lacks).' }),
    storageAccounts: lookupTable(
      z.string({ error: 'must be a storage account name or host, e.g. "drlake"' }).min(1),
      'a storage account name',
      'must map storage accounts to storage accounts, e.g. {"prodlake": "drlake"}',
    )
      .default({})
      .meta({ description: 'Source storage account host or name → target one, rewritten in abfss/wasbs URIs and Spark conf keys.' }),
    keyVaults: lookupTable(
      z.strictObject({
        resource_id: z.string({ error: VAULT_RESOURCE_ID_ERROR }),
        dns_name: z.string({ error: 'must be the URL of the vault in the DR region, e.g. "https://kv-dr.vault.azure.net/"' }),
      }),
      'a secret scope name',
      'must map secret scope names to vaults, ' +
        'e.g. {"kv-prod": {"resource_id": "/subscriptions/…", "dns_name": "https://kv-dr.vault.azure.net/"}}',
    )
      .default({})
      .meta({ description: 'Key Vault-backed secret scope name → the vault in the DR region.' }),
    mounts: z
      .array(
        z.strictObject({
          mountPoint: z.string({ error: 'must look like /mnt/<name>' }).regex(/^\/mnt\/[^/]+$/),
          source: z.string({ error: 'must be the storage URI to mount, e.g. "abfss://raw@drlake.dfs.core.windows.net/"' }).min(1),
          extraConfigs: lookupTable(z.string(), 'a configuration key', 'must map configuration keys to values')
            .optional()
            .meta({ description: 'extra_configs of dbutils.fs.mount; values may use {{secrets/scope/key}}.' }),
        }),
        {
          error: 'must be a list of {"mountPoint": "/mnt/x", "source": "abfss://…", "extraConfigs": {…}}',
        },
      )
      .default([])
      .meta({ description: 'Mounts to create in the target workspace.' }),
    egressAddresses: z
      .array(
        z
          .string()
          .max(64)
          .refine((v) => ipaddr.isValid(v) || ipaddr.isValidCIDR(v), {
            error: 'must be an IP address or CIDR range, e.g. "20.50.1.7" or "20.50.1.0/28"',
          }),
      )
      .max(1000)
      .optional()
      .meta({
        description:
          "The DR tool's outbound IP addresses (or CIDR ranges), " +
          "checked against the DR workspace's IP access lists before they are written.",
      }),
    mountClusterNodeType: NAME.optional().meta({
      description: 'Node type of the one-time cluster that re-creates mounts. Default: Standard_DS3_v2.',
    }),
    mountClusterSparkVersion: NAME.optional().meta({ description: 'Runtime of that cluster. Default: 15.4.x-scala2.12.' }),
  })
  .meta({
    title: 'databricks-dr failover mappings (DR_FAILOVER_MAPPINGS)',
    description: 'What differs between the primary region and the DR region. Unknown fields are refused.',
  });

export type Mappings = z.output<typeof MappingsSchema>;

export const EMPTY_MAPPINGS: Mappings = { nodeTypes: table({}), storageAccounts: table({}), keyVaults: table({}), mounts: [] };

/** Parse DR_FAILOVER_MAPPINGS (JSON); every problem named with its path and fix. */
export function parseMappings(text: string | undefined): Mappings {
  if (text === undefined || text.trim() === '') return EMPTY_MAPPINGS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DrError(
      'CONFIG_INVALID',
      // The parser's message can quote the input, and mappings may hold credentials: it is not repeated.
      'The failover mappings are not valid JSON. Fix: see "Failover mappings" in docs/failover.md.',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DrError(
      'CONFIG_INVALID',
      'The failover mappings must be a JSON object with nodeTypes, storageAccounts, keyVaults and mounts.',
    );
  const parsed = check(MappingsSchema, raw);
  if (!parsed.ok) throw new DrError('CONFIG_INVALID', `The failover mappings are invalid: ${joinProblems(parsed.problems)}.`);
  const m = parsed.data;
  // Lookup tables without a prototype: a snapshot's "constructor" node type maps to nothing, not to Object.
  return {
    ...m,
    nodeTypes: table(m.nodeTypes),
    storageAccounts: table(m.storageAccounts),
    keyVaults: table(m.keyVaults),
    mounts: m.mounts.map((mount) => (mount.extraConfigs ? { ...mount, extraConfigs: table(mount.extraConfigs) } : mount)),
  };
}

function table<V>(entries: Record<string, V>): Record<string, V> {
  return Object.assign(Object.create(null) as Record<string, V>, entries);
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
