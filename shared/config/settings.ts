import { z } from 'zod';

import { jsonSchema } from '../codec/schema.js';
import { redact } from '../errors/redact.js';
import { KIND_NAMES, type KindName } from '../snapshot/names.js';
import { parseMappings } from './mappings.js';

/**
 * Every environment variable / app setting the product reads, in one table. The
 * config loader can read only names listed here, the README's settings table is
 * checked against it, and so is the Bicep that deploys the function app. A setting
 * with a `value` declares how its text is read: a zod schema of the trimmed text
 * (blank counts as unset) whose errors are the problem texts, and the fix.
 */
export interface SettingSpec {
  name: string;
  description: string;
  /** The default, as text, or undefined when the setting is optional without one. */
  default?: string;
  /** Set by the platform (Functions host, Azure) rather than by the deployment. */
  platform?: boolean;
  /** A secret: never logged; in Azure, a Key Vault reference. */
  secret?: boolean;
  /**
   * Why the deployment (infra/) leaves this setting out, when it does: local runs only,
   * or a key the managed identity replaces. Every other setting is set in the Bicep.
   */
  notDeployed?: string;
  /** How the value is read and checked; without one, the trimmed text is the value. */
  value?: SettingValue;
}

/**
 * A setting's value: its schema (input: the trimmed text) and what to do when it is
 * refused. An issue may carry a fix of its own in params.fix (DR_RATE_LIMITS does).
 * Problem texts name the value, except for secrets, which are never echoed.
 */
export interface SettingValue {
  schema: z.ZodType<unknown, string>;
  fix: (name: string, fallback: string | undefined) => string;
}

/** The problem text of a refused value, from the value (the issue's input). */
function says(text: (value: string) => string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => text(String(issue.input)) };
}

function fixed(fix: string): SettingValue['fix'] {
  return () => fix;
}

function wholeNumber(min: number, max: number): { schema: z.ZodType<number, string>; fix: SettingValue['fix'] } {
  return {
    schema: z
      .string()
      .refine(
        (raw) => {
          const n = Number(raw);
          return Number.isInteger(n) && n >= min && n <= max;
        },
        says((v) => `"${v}" is not a whole number between ${min} and ${max}.`),
      )
      .transform(Number)
      .meta({ description: `A whole number from ${min} to ${max}.` }),
    fix: (name, fallback) => `Set ${name} to a number such as ${fallback}, or remove it to use the default.`,
  };
}

/** One of a few words, in any case (read in lower case). */
function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  what: string,
  fix: string,
): { schema: z.ZodType<T[number], string>; fix: SettingValue['fix'] } {
  return {
    schema: z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(
        z.enum(
          values,
          says((v) => `"${v}" is not ${what}.`),
        ),
      ),
    fix: fixed(fix),
  };
}

/** A comma-separated list; blank items are dropped. */
const list = (): z.ZodType<string[], string> =>
  z.string().transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const LIST = { schema: list().meta({ description: 'A comma-separated list.' }), fix: fixed('Separate the items with commas.') };

/** Each item of a list must pass `ok`; every item that does not is a problem of its own. */
function eachItem(ok: (item: string) => boolean, problem: (item: string) => string): (items: string[], ctx: z.RefinementCtx) => void {
  return (items, ctx) => {
    for (const item of items) if (!ok(item)) ctx.addIssue({ code: 'custom', message: problem(item), input: item });
  };
}

const KINDS = {
  schema: list()
    .superRefine((items, ctx) => {
      const bad = items.filter((k) => !(KIND_NAMES as readonly string[]).includes(k));
      if (bad.length > 0)
        ctx.addIssue({ code: 'custom', message: `unknown kind${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}.`, input: items });
    })
    .transform((items) => items.filter((k): k is KindName => (KIND_NAMES as readonly string[]).includes(k)))
    .meta({ description: `A comma-separated list of: ${KIND_NAMES.join(', ')}.` }),
  fix: fixed(`Use kinds from: ${KIND_NAMES.join(', ')}.`),
};

const WORKSPACE_PATHS = {
  schema: list().superRefine(
    eachItem(
      (p) => p.startsWith('/'),
      (p) => `"${p}" is not an absolute workspace path.`,
    ),
  ),
  fix: fixed('Start every path with "/", e.g. /Users/someone@contoso.com/scratch.'),
};

const DBFS_PATHS = {
  schema: list()
    .transform((items) => items.map((p) => (p.startsWith('dbfs:') ? p.slice(5) : p)))
    .superRefine(
      eachItem(
        (p) => p.startsWith('/'),
        (p) => `"${p}" is not an absolute DBFS path.`,
      ),
    ),
  fix: fixed('Use paths such as dbfs:/databricks/init-scripts.'),
};

const CONTAINER = {
  schema: z.string().regex(
    /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/,
    says((v) => `"${v}" is not a valid blob container name.`),
  ),
  fix: fixed('Use 3–63 lower-case letters, digits and single hyphens, starting with a letter or digit, e.g. databricks-dr.'),
};

const SCHEDULE = {
  schema: z.string().refine(
    (v) => v.split(/\s+/).length === 6 || /^\d{2}:\d{2}:\d{2}$/.test(v),
    says((v) => `"${v}" is not an NCRONTAB expression with six fields (seconds first).`),
  ),
  fix: fixed('Use six fields, e.g. "0 */15 * * * *" for every 15 minutes. Most cron examples omit the seconds field.'),
};

const QUEUE = {
  schema: z.string().regex(
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,259}$/,
    says((v) => `"${v}" is not a Service Bus queue name.`),
  ),
  fix: fixed('Use letters, digits, periods, hyphens, underscores and slashes, starting with a letter or digit.'),
};

const ACCOUNT_URL = {
  // Never echo the whole value: a connection string pasted here would carry its account key.
  schema: z
    .string()
    .refine(
      (v) => /^https?:\/\/[^/\s]+/.test(v),
      says((v) => `it is not a URL (it starts with "${redact(v).slice(0, 24)}…").`),
    )
    .transform((v) => v.replace(/\/+$/, '')),
  fix: fixed(
    'Use the blob endpoint, e.g. https://<account>.blob.core.windows.net; a connection string belongs in DR_STORAGE_CONNECTION_STRING.',
  ),
};

const STORAGE_CONNECTION_STRING = {
  schema: z.string().refine((v) => v === 'UseDevelopmentStorage=true' || /(^|;)(BlobEndpoint|AccountName)=/i.test(v), {
    error: 'it has neither AccountName nor BlobEndpoint, so it is not a storage connection string.',
  }),
  fix: fixed('Copy the connection string from the storage account\'s "Access keys" page, or use DR_STORAGE_ACCOUNT_URL with Entra ID.'),
};

const SERVICEBUS_CONNECTION_STRING = {
  schema: z.string().refine((v) => /(^|;)Endpoint=sb:\/\//i.test(v), {
    error: 'it is not a Service Bus connection string (it has no Endpoint=sb://…).',
  }),
  fix: fixed(
    'Copy it from the namespace\'s "Shared access policies" page, or use DR_SERVICEBUS__fullyQualifiedNamespace with a managed identity.',
  ),
};

const SERVICEBUS_NAMESPACE = {
  schema: z.string().regex(
    /^[A-Za-z0-9.-]+$/,
    says((v) => `"${v}" is not a host name.`),
  ),
  fix: fixed('Use <namespace>.servicebus.windows.net, without sb:// or a path.'),
};

const RATE_LIMITS_EXAMPLE = 'e.g. {"workspace.export": 40}';

/** Per-family overrides of the request rates: family (or defaultRead, defaultWrite, maxConcurrency, utilization) → rate. */
const RATE_LIMITS = {
  schema: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'it is not a JSON object.', input: text });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(z.string(), z.unknown(), { error: 'it is not a JSON object.' }).superRefine((limits, ctx) => {
        for (const [k, v] of Object.entries(limits)) {
          if (typeof v !== 'number' || !(v > 0))
            ctx.addIssue({
              code: 'custom',
              message: `"${k}" must be a positive number of requests per second.`,
              input: v,
              params: { fix: RATE_LIMITS_EXAMPLE },
            });
          else if (k === 'utilization' && v > 1)
            ctx.addIssue({
              code: 'custom',
              message: `utilization ${v} is above 1, which would run above the workspace's limits.`,
              input: v,
              params: { fix: 'Use a fraction such as 0.95.' },
            });
        }
      }),
    )
    .transform((limits) => limits as Record<string, number>)
    .meta({ description: 'A JSON object: request family → requests per second.' }),
  fix: fixed('e.g. {"workspace.export": 40, "permissions.read": 80}'),
};

const MAPPINGS = {
  schema: z.string().transform((text, ctx) => {
    try {
      return parseMappings(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, input: text });
      return z.NEVER;
    }
  }),
  fix: fixed('See "Failover mappings" in docs/failover.md for the format.'),
};

export const SETTINGS = [
  {
    name: 'DATABRICKS_CONFIG_FILE',
    description: 'Path of the Databricks config file with workspace profiles.',
    default: '~/.databrickscfg',
    notDeployed: 'Local runs and the CLI; the function app defines its workspaces with DR_WORKSPACE_<NAME>_* settings.',
  },
  {
    name: 'DATABRICKS_HOST',
    description: 'Workspace URL of the profile named "DEFAULT" when the config file has none.',
    notDeployed: 'Local runs and the CLI; the function app defines its workspaces with DR_WORKSPACE_<NAME>_* settings.',
  },
  {
    name: 'DATABRICKS_TOKEN',
    description: 'Personal access token for DATABRICKS_HOST.',
    secret: true,
    notDeployed: 'Local runs and the CLI; the function app defines its workspaces with DR_WORKSPACE_<NAME>_* settings.',
  },
  { name: 'DR_WORKSPACE_<NAME>_HOST', description: 'Workspace URL of profile <name> (e.g. DR_WORKSPACE_PRIMARY_HOST defines "primary").' },
  {
    name: 'DR_WORKSPACE_<NAME>_AUTH',
    description: 'How profile <name> authenticates: pat, managed-identity, default, client-secret or azure-cli.',
    default: 'managed-identity when no token is set',
  },
  {
    name: 'DR_WORKSPACE_<NAME>_TOKEN',
    description: 'Personal access token of profile <name> (a Key Vault reference in Azure).',
    secret: true,
    notDeployed: 'A key; the deployment authenticates with its managed identity instead.',
  },
  {
    name: 'DR_WORKSPACE_<NAME>_AZURE_RESOURCE_ID',
    description: 'Azure resource id of the workspace; sends the service-principal management headers.',
  },
  {
    name: 'DR_WORKSPACE_<NAME>_AZURE_CLIENT_ID',
    description: 'Client id of the user-assigned managed identity or service principal for profile <name>.',
  },
  {
    name: 'DR_WORKSPACE_<NAME>_AZURE_TENANT_ID',
    description: 'Tenant of the service principal for profile <name> (client-secret auth).',
    notDeployed: 'Client-secret auth only; the deployment uses its managed identity.',
  },
  {
    name: 'DR_WORKSPACE_<NAME>_AZURE_CLIENT_SECRET',
    description: 'Secret of the service principal for profile <name> (client-secret auth; a Key Vault reference).',
    secret: true,
    notDeployed: 'A key; the deployment uses its managed identity instead.',
  },
  {
    name: 'DR_STORAGE_CONNECTION_STRING',
    value: STORAGE_CONNECTION_STRING,
    description: 'Connection string of the snapshot storage account.',
    default: 'UseDevelopmentStorage=true (Azurite)',
    secret: true,
    notDeployed: 'A key; the deployment reaches storage with DR_STORAGE_ACCOUNT_URL and its managed identity.',
  },
  {
    name: 'DR_STORAGE_ACCOUNT_URL',
    value: ACCOUNT_URL,
    description: 'Blob endpoint of the snapshot storage account, used with Microsoft Entra ID (managed identity in Azure).',
  },
  { name: 'DR_STORAGE_CLIENT_ID', description: 'Client id of the user-assigned managed identity for DR_STORAGE_ACCOUNT_URL.' },
  { name: 'DR_CONTAINER', value: CONTAINER, description: 'Blob container for snapshots.', default: 'databricks-dr' },
  { name: 'DR_BACKUP_SOURCE', description: 'Profile the scheduled backup exports.', default: 'primary' },
  {
    name: 'DR_BACKUP_SCHEDULE',
    value: SCHEDULE,
    description: 'NCRONTAB schedule of the backup timer (six fields, UTC).',
    default: '0 */15 * * * *',
  },
  {
    name: 'DR_BACKUP_TIME_BUDGET_SECONDS',
    value: wholeNumber(30, 86_400),
    description: 'How long one backup invocation may run before it checkpoints and stops.',
    default: '1500',
  },
  { name: 'DR_RETENTION_COUNT', value: wholeNumber(1, 100_000), description: 'Snapshots always kept, newest first.', default: '96' },
  {
    name: 'DR_RETENTION_DAYS',
    value: wholeNumber(0, 3650),
    description: 'Snapshots younger than this many days are kept too.',
    default: '7',
  },
  { name: 'DR_INCLUDE_KINDS', value: KINDS, description: 'Comma-separated artifact kinds to back up (default: all).' },
  { name: 'DR_EXCLUDE_KINDS', value: KINDS, description: 'Comma-separated artifact kinds to skip.' },
  {
    name: 'DR_EXCLUDE_PATHS',
    value: WORKSPACE_PATHS,
    description: 'Comma-separated workspace path prefixes to skip (e.g. /Users/a@b.com/scratch).',
  },
  {
    name: 'DR_DBFS_PREFIXES',
    value: DBFS_PATHS,
    description: 'Comma-separated DBFS prefixes to back up, besides every DBFS path clusters, jobs and policies reference.',
    default: 'dbfs:/databricks/init-scripts',
  },
  {
    name: 'DR_DBFS_MAX_FILE_MB',
    value: wholeNumber(1, 100_000),
    description: 'Largest DBFS file backed up; larger ones are recorded as not captured.',
    default: '512',
  },
  {
    name: 'DR_PERMISSIONS_REFRESH_RUNS',
    value: wholeNumber(1, 1000),
    description: 'Permissions of unchanged notebooks and files are re-read on a rolling basis: each at least every this many runs.',
    default: '8',
  },
  {
    name: 'DR_MOUNT_DISCOVERY_CLUSTER_ID',
    description: 'A running cluster used to read mount sources with dbutils.fs.mounts(); without it only mount points are recorded.',
  },
  {
    name: 'DR_RATE_LIMITS',
    value: RATE_LIMITS,
    description: 'JSON overrides of the per-family request rates, e.g. {"workspace.export": 40}.',
  },
  { name: 'DR_FAILOVER_SOURCE', description: 'Profile whose snapshots a failover replays.', default: 'primary' },
  { name: 'DR_FAILOVER_TARGET', description: 'Profile a failover restores into (the DR workspace).', default: 'secondary' },
  {
    name: 'DR_FAILOVER_MAPPINGS',
    value: MAPPINGS,
    description: 'JSON: node types, storage accounts, Key Vaults and mounts for the DR region (see "Failover mappings").',
  },
  {
    name: 'DR_FAILOVER_CONFLICT_POLICY',
    value: oneOf(
      ['update', 'report'],
      'a conflict policy',
      'Use update (make the target match the snapshot) or report (leave differing objects and list them).',
    ),
    description: 'What a failover does with a target object that differs from the snapshot: update or report.',
    default: 'update',
  },
  {
    name: 'DR_FAILOVER_TIME_BUDGET_SECONDS',
    value: wholeNumber(5, 86_400),
    description: 'How long one failover invocation may run before it saves its progress and continues in a follow-up message.',
    default: '1500',
  },
  {
    name: 'DR_FAILOVER_QUEUE',
    value: QUEUE,
    description: 'Service Bus queue the failover function consumes.',
    default: 'databricks-dr-failover',
  },
  {
    name: 'DR_BACKUP_QUEUE',
    value: QUEUE,
    description: 'Service Bus queue of on-demand backups (POST /api/backup), consumed by the backup queue function.',
    default: 'databricks-dr-backup',
  },
  {
    name: 'DR_ALERT_RULES',
    value: LIST,
    description:
      'Comma-separated Azure Monitor alert rule names whose Fired alerts (POST /api/alerts) queue a failover; * for any rule. ' +
      'Empty: alerts are acknowledged, nothing is queued.',
  },
  {
    name: 'DR_ALERT_ACTION',
    value: oneOf(
      ['failover', 'dry-run'],
      'an alert action',
      'Use failover (replay into the DR workspace; schedules stay paused until cutover) or dry-run (queue a plan only).',
    ),
    description:
      'What a Fired alert of a configured rule queues: ' +
      'failover (replay into the DR workspace, schedules stay paused) or dry-run (a plan only).',
    default: 'failover',
  },
  {
    name: 'DR_ALERT_MAX_AGE_MINUTES',
    value: wholeNumber(1, 10_080),
    description: 'A Fired alert older than this (a late retry or a replay) is acknowledged without queueing anything.',
    default: '60',
  },
  {
    name: 'DR_RPO_MINUTES',
    value: wholeNumber(1, 10_080),
    description: 'Recovery point objective: the status API and page flag the last good snapshot when it is older than this.',
    default: '30',
  },
  {
    name: 'DR_SERVICEBUS',
    value: SERVICEBUS_CONNECTION_STRING,
    description: 'Connection string of the Service Bus namespace (local runs and tests; in Azure use the identity-based settings below).',
    secret: true,
    notDeployed: 'A key; the deployment uses DR_SERVICEBUS__fullyQualifiedNamespace and its managed identity.',
  },
  {
    name: 'DR_SERVICEBUS__fullyQualifiedNamespace',
    value: SERVICEBUS_NAMESPACE,
    description: 'Service Bus namespace host (<name>.servicebus.windows.net), reached with the managed identity.',
  },
  { name: 'DR_SERVICEBUS__clientId', description: 'Client id of the user-assigned managed identity used for Service Bus.' },
  {
    name: 'DR_LOG_LEVEL',
    value: oneOf(['debug', 'info', 'warn', 'error'], 'a log level', 'Use debug, info, warn or error.'),
    description: 'debug, info, warn or error.',
    default: 'info',
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];

type SpecOf<N extends SettingName> = Extract<(typeof SETTINGS)[number], { name: N }>;

/** The value a setting is read as: its schema's output, or the trimmed text. */
export type SettingValueOf<N extends SettingName> = SpecOf<N> extends { value: { schema: z.ZodType<infer T, string> } } ? T : string;

/**
 * The JSON Schema of the app settings (the "Values" of local.settings.json, or the
 * function app's application settings), for docs/schemas/settings.schema.json: every
 * setting is text; the description, default and, where there is one, the pattern.
 * DR_WORKSPACE_<NAME>_* settings are a pattern; other settings (the host's) are allowed.
 */
export function settingsJsonSchema(): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const spec of SETTINGS as readonly SettingSpec[]) {
    if (spec.name.includes('<')) continue;
    // zod leaves metadata out of a transformed schema's input side, so the value's own
    // JSON Schema gives only its constraints (a pattern) and its description.
    const value = spec.value ? jsonSchema(spec.value.schema) : {};
    properties[spec.name] = {
      type: 'string',
      description: [spec.description, value['description'], spec.secret ? 'A secret: in Azure, a Key Vault reference.' : undefined]
        .filter((part) => typeof part === 'string')
        .join(' '),
      ...(spec.default === undefined ? {} : { default: spec.default }),
      ...(typeof value['pattern'] === 'string' ? { pattern: value['pattern'] } : {}),
    };
  }
  const workspace = SETTINGS.filter((s) => s.name.includes('<')).map((s) => ({
    field: s.name.replace('DR_WORKSPACE_<NAME>_', ''),
    description: s.description,
  }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'databricks-dr app settings',
    description:
      'The environment variables / app settings databricks-dr reads ' +
      '(the "Values" of local.settings.json, or the function app\'s application settings); ' +
      "blank counts as unset, other settings (the host's) are allowed.",
    type: 'object',
    properties,
    patternProperties: {
      [`^DR_WORKSPACE_[A-Z0-9_]+_(${workspace.map((w) => w.field).join('|')})$`]: {
        type: 'string',
        description: `A setting of workspace profile <name>. ${workspace.map((w) => `${w.field}: ${w.description}`).join(' ')}`,
      },
    },
    additionalProperties: { type: 'string' },
  };
}
