import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { parse as parseIni } from 'ini';

import { DEFAULT_RATE_LIMITS, type RateLimits } from '../databricks/families.js';
import { type ConfigProblem, ConfigError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import type { StorageConfig } from '../snapshot/store.js';
import { EMPTY_MAPPINGS, type Mappings, parseMappings } from './mappings.js';
import { KIND_NAMES, type KindName } from '../snapshot/names.js';
import type { LogLevel } from '../log/logger.js';
import { SETTINGS, type SettingName } from './settings.js';

export type AzureAuthMethod = 'managed-identity' | 'default' | 'client-secret' | 'azure-cli';

export type ProfileAuth =
  | { type: 'pat'; token: string }
  | { type: 'azure'; method: AzureAuthMethod; clientId?: string; tenantId?: string; clientSecret?: string };

/** One Databricks workspace and how to authenticate to it. */
export interface WorkspaceProfile {
  name: string;
  host: string;
  auth: ProfileAuth;
  /** The workspace's Azure resource id; with Entra auth it enables the SP management headers. */
  azureResourceId?: string;
  /** Where the profile was defined, for error messages (never its secrets). */
  origin: string;
}

/** What failover does when a target object differs from the snapshot: overwrite it, or only report it. */
export type ConflictPolicy = 'update' | 'report';

export interface BackupSettings {
  source: string;
  schedule: string;
  timeBudgetMs: number;
  retention: { count: number; days: number };
  /** Kinds to back up, after include/exclude. */
  kinds: KindName[];
  excludePaths: string[];
  dbfsPrefixes: string[];
  dbfsMaxFileBytes: number;
  permissionsRefreshRuns: number;
  mountDiscoveryClusterId?: string;
  /** Service Bus queue of on-demand backups. */
  queue: string;
}

export interface FailoverSettings {
  source: string;
  target: string;
  mappings: Mappings;
  conflictPolicy: ConflictPolicy;
  timeBudgetMs: number;
  queue: string;
}

/** What POST /api/alerts does with an Azure Monitor alert. */
export interface AlertSettings {
  /** Alert rule names whose Fired alerts queue a failover; "*" matches any rule. Empty: none. */
  rules: string[];
  action: 'failover' | 'dry-run';
  maxAgeMs: number;
}

/** How the app reaches Service Bus: a connection string, or a namespace and a managed identity. */
export type ServiceBusConfig = { connectionString: string } | { namespace: string; clientId?: string };

export interface Config {
  profiles: ReadonlyMap<string, WorkspaceProfile>;
  /** Absent when neither DR_SERVICEBUS nor DR_SERVICEBUS__fullyQualifiedNamespace is set. */
  serviceBus?: ServiceBusConfig;
  storage: StorageConfig;
  backup: BackupSettings;
  failover: FailoverSettings;
  alerts: AlertSettings;
  /** Recovery point objective: the status flags a last good snapshot older than this. */
  rpoMs: number;
  rateLimits: RateLimits;
  logLevel: LogLevel;
  /** Problems with profiles, reported only when that profile is used. */
  profileProblems: ReadonlyMap<string, ConfigProblem[]>;
}

export const AZURITE_CONNECTION_STRING = 'UseDevelopmentStorage=true';

export interface LoadOptions {
  /** Overrides of settings, e.g. from CLI flags; same names as the environment. */
  overrides?: Partial<Record<string, string>>;
  /** Reads the Databricks config file; injectable for tests. */
  readFile?: (path: string) => string | undefined;
}

/**
 * Read and validate the whole configuration in one pass. This is the only place
 * that reads process.env (passed in as `env`) and the Databricks config file. Every
 * problem is collected, so the user fixes them all at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const values: Record<string, string | undefined> = { ...env, ...options.overrides };
  const known = new Set<string>(SETTINGS.map((s) => s.name));
  const read = (name: SettingName): string | undefined => {
    if (!known.has(name)) throw new Error(`internal: setting ${name} is not declared in settings.ts`);
    const v = values[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const readInt = (name: SettingName, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push({
        setting: name,
        problem: `"${raw}" is not a whole number between ${min} and ${max}.`,
        fix: `Set ${name} to a number such as ${fallback}, or remove it to use the default.`,
      });
      return fallback;
    }
    return n;
  };
  const readList = (name: SettingName): string[] | undefined =>
    read(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

  const readQueue = (name: SettingName, fallback: string): string => {
    const queue = read(name) ?? fallback;
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,259}$/.test(queue)) {
      problems.push({
        setting: name,
        problem: `"${queue}" is not a Service Bus queue name.`,
        fix: 'Use letters, digits, periods, hyphens, underscores and slashes, starting with a letter or digit.',
      });
    }
    return queue;
  };

  // ---- Storage
  const connectionString = read('DR_STORAGE_CONNECTION_STRING');
  const accountUrl = read('DR_STORAGE_ACCOUNT_URL');
  const storage: StorageConfig = { container: read('DR_CONTAINER') ?? 'databricks-dr' };
  if (connectionString !== undefined && accountUrl !== undefined) {
    problems.push({
      setting: 'DR_STORAGE_CONNECTION_STRING / DR_STORAGE_ACCOUNT_URL',
      problem: 'both are set, so it is unclear which storage account to use.',
      fix: 'Keep DR_STORAGE_ACCOUNT_URL (Microsoft Entra ID, recommended in Azure) or DR_STORAGE_CONNECTION_STRING, not both.',
    });
  }
  if (accountUrl !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(accountUrl)) {
      // Never echo the value: a connection string pasted here would carry its account key.
      problems.push({
        setting: 'DR_STORAGE_ACCOUNT_URL',
        problem: `it is not a URL (it starts with "${redact(accountUrl).slice(0, 24)}…").`,
        fix: 'Use the blob endpoint, e.g. https://<account>.blob.core.windows.net; a connection string belongs in DR_STORAGE_CONNECTION_STRING.',
      });
    }
    storage.accountUrl = accountUrl.replace(/\/+$/, '');
    const clientId = read('DR_STORAGE_CLIENT_ID');
    if (clientId !== undefined) storage.clientId = clientId;
  } else {
    storage.connectionString = connectionString ?? AZURITE_CONNECTION_STRING;
    if (
      connectionString !== undefined &&
      connectionString !== AZURITE_CONNECTION_STRING &&
      !/(^|;)(BlobEndpoint|AccountName)=/i.test(connectionString)
    ) {
      problems.push({
        setting: 'DR_STORAGE_CONNECTION_STRING',
        problem: 'it has neither AccountName nor BlobEndpoint, so it is not a storage connection string.',
        fix: 'Copy the connection string from the storage account\'s "Access keys" page, or use DR_STORAGE_ACCOUNT_URL with Entra ID.',
      });
    }
  }
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(storage.container)) {
    problems.push({
      setting: 'DR_CONTAINER',
      problem: `"${storage.container}" is not a valid blob container name.`,
      fix: 'Use 3–63 lower-case letters, digits and single hyphens, starting with a letter or digit, e.g. databricks-dr.',
    });
  }

  // ---- Backup
  const schedule = read('DR_BACKUP_SCHEDULE') ?? '0 */15 * * * *';
  if (schedule.split(/\s+/).length !== 6 && !/^\d{2}:\d{2}:\d{2}$/.test(schedule)) {
    problems.push({
      setting: 'DR_BACKUP_SCHEDULE',
      problem: `"${schedule}" is not an NCRONTAB expression with six fields (seconds first).`,
      fix: 'Use six fields, e.g. "0 */15 * * * *" for every 15 minutes. Most cron examples omit the seconds field.',
    });
  }
  const parseKinds = (name: SettingName): KindName[] | undefined => {
    const list = readList(name);
    if (list === undefined) return undefined;
    const bad = list.filter((k) => !(KIND_NAMES as readonly string[]).includes(k));
    if (bad.length > 0) {
      problems.push({
        setting: name,
        problem: `unknown kind${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}.`,
        fix: `Use kinds from: ${KIND_NAMES.join(', ')}.`,
      });
    }
    return list.filter((k): k is KindName => (KIND_NAMES as readonly string[]).includes(k));
  };
  const include = parseKinds('DR_INCLUDE_KINDS');
  const exclude = parseKinds('DR_EXCLUDE_KINDS') ?? [];
  const excludePaths = readList('DR_EXCLUDE_PATHS') ?? [];
  for (const p of excludePaths) {
    if (!p.startsWith('/'))
      problems.push({
        setting: 'DR_EXCLUDE_PATHS',
        problem: `"${p}" is not an absolute workspace path.`,
        fix: 'Start every path with "/", e.g. /Users/someone@contoso.com/scratch.',
      });
  }
  const dbfsPrefixes = (readList('DR_DBFS_PREFIXES') ?? ['dbfs:/databricks/init-scripts']).map((p) =>
    p.startsWith('dbfs:') ? p.slice(5) : p,
  );
  for (const p of dbfsPrefixes) {
    if (!p.startsWith('/'))
      problems.push({
        setting: 'DR_DBFS_PREFIXES',
        problem: `"${p}" is not an absolute DBFS path.`,
        fix: 'Use paths such as dbfs:/databricks/init-scripts.',
      });
  }
  const mountCluster = read('DR_MOUNT_DISCOVERY_CLUSTER_ID');
  const backup: BackupSettings = {
    source: read('DR_BACKUP_SOURCE') ?? 'primary',
    schedule,
    timeBudgetMs: readInt('DR_BACKUP_TIME_BUDGET_SECONDS', 1500, 30, 86_400) * 1000,
    retention: { count: readInt('DR_RETENTION_COUNT', 96, 1, 100_000), days: readInt('DR_RETENTION_DAYS', 7, 0, 3650) },
    kinds: KIND_NAMES.filter((k) => (include === undefined || include.includes(k)) && !exclude.includes(k)),
    excludePaths,
    dbfsPrefixes,
    dbfsMaxFileBytes: readInt('DR_DBFS_MAX_FILE_MB', 512, 1, 100_000) * 1024 * 1024,
    permissionsRefreshRuns: readInt('DR_PERMISSIONS_REFRESH_RUNS', 8, 1, 1000),
    ...(mountCluster === undefined ? {} : { mountDiscoveryClusterId: mountCluster }),
    queue: readQueue('DR_BACKUP_QUEUE', 'databricks-dr-backup'),
  };

  // ---- Failover
  let mappings = EMPTY_MAPPINGS;
  try {
    mappings = parseMappings(read('DR_FAILOVER_MAPPINGS'));
  } catch (error) {
    problems.push({
      setting: 'DR_FAILOVER_MAPPINGS',
      problem: (error as Error).message,
      fix: 'See "Failover mappings" in the README for the format.',
    });
  }
  const conflictPolicy = (read('DR_FAILOVER_CONFLICT_POLICY') ?? 'update').toLowerCase();
  if (conflictPolicy !== 'update' && conflictPolicy !== 'report') {
    problems.push({
      setting: 'DR_FAILOVER_CONFLICT_POLICY',
      problem: `"${conflictPolicy}" is not a conflict policy.`,
      fix: 'Use update (make the target match the snapshot) or report (leave differing objects and list them).',
    });
  }
  const queue = readQueue('DR_FAILOVER_QUEUE', 'databricks-dr-failover');
  const failover: FailoverSettings = {
    source: read('DR_FAILOVER_SOURCE') ?? 'primary',
    target: read('DR_FAILOVER_TARGET') ?? 'secondary',
    mappings,
    conflictPolicy: conflictPolicy === 'report' ? 'report' : 'update',
    timeBudgetMs: readInt('DR_FAILOVER_TIME_BUDGET_SECONDS', 1500, 5, 86_400) * 1000,
    queue,
  };

  // ---- Alerts (POST /api/alerts) and the recovery point objective
  const alertAction = (read('DR_ALERT_ACTION') ?? 'failover').toLowerCase();
  if (alertAction !== 'failover' && alertAction !== 'dry-run') {
    problems.push({
      setting: 'DR_ALERT_ACTION',
      problem: `"${alertAction}" is not an alert action.`,
      fix: 'Use failover (replay into the DR workspace; schedules stay paused until cutover) or dry-run (queue a plan only).',
    });
  }
  const alertRules = readList('DR_ALERT_RULES') ?? [];
  const alerts: AlertSettings = {
    rules: alertRules,
    action: alertAction === 'dry-run' ? 'dry-run' : 'failover',
    maxAgeMs: readInt('DR_ALERT_MAX_AGE_MINUTES', 60, 1, 10_080) * 60_000,
  };
  const rpoMs = readInt('DR_RPO_MINUTES', 30, 1, 10_080) * 60_000;

  // ---- Service Bus (the failover queue); the trigger binding reads the same settings.
  let serviceBus: ServiceBusConfig | undefined;
  const sbConnection = read('DR_SERVICEBUS');
  const sbNamespace = read('DR_SERVICEBUS__fullyQualifiedNamespace');
  if (sbConnection !== undefined && sbNamespace !== undefined) {
    problems.push({
      setting: 'DR_SERVICEBUS / DR_SERVICEBUS__fullyQualifiedNamespace',
      problem: 'both are set, so it is unclear how to reach Service Bus.',
      fix: 'Keep DR_SERVICEBUS__fullyQualifiedNamespace (managed identity, recommended in Azure) or DR_SERVICEBUS (a connection string), not both.',
    });
  } else if (sbConnection !== undefined) {
    if (!/(^|;)Endpoint=sb:\/\//i.test(sbConnection)) {
      problems.push({
        setting: 'DR_SERVICEBUS',
        problem: 'it is not a Service Bus connection string (it has no Endpoint=sb://…).',
        fix: 'Copy it from the namespace\'s "Shared access policies" page, or use DR_SERVICEBUS__fullyQualifiedNamespace with a managed identity.',
      });
    } else serviceBus = { connectionString: sbConnection };
  } else if (sbNamespace !== undefined) {
    if (!/^[A-Za-z0-9.-]+$/.test(sbNamespace)) {
      problems.push({
        setting: 'DR_SERVICEBUS__fullyQualifiedNamespace',
        problem: `"${sbNamespace}" is not a host name.`,
        fix: 'Use <namespace>.servicebus.windows.net, without sb:// or a path.',
      });
    } else {
      const clientId = read('DR_SERVICEBUS__clientId');
      serviceBus = { namespace: sbNamespace, ...(clientId ? { clientId } : {}) };
    }
  }

  // ---- Rate limits
  const rateLimits: RateLimits = { ...DEFAULT_RATE_LIMITS, families: { ...DEFAULT_RATE_LIMITS.families } };
  const rawLimits = read('DR_RATE_LIMITS');
  if (rawLimits !== undefined) {
    try {
      const parsed = JSON.parse(rawLimits) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      for (const [k, v] of Object.entries(parsed)) {
        if (typeof v !== 'number' || !(v > 0)) {
          problems.push({
            setting: 'DR_RATE_LIMITS',
            problem: `"${k}" must be a positive number of requests per second.`,
            fix: 'e.g. {"workspace.export": 40}',
          });
        } else if (k === 'utilization' && v > 1) {
          problems.push({
            setting: 'DR_RATE_LIMITS',
            problem: `utilization ${v} is above 1, which would run above the workspace's limits.`,
            fix: 'Use a fraction such as 0.95.',
          });
        } else if (k === 'defaultRead' || k === 'defaultWrite' || k === 'maxConcurrency' || k === 'utilization') rateLimits[k] = v;
        else rateLimits.families[k] = v;
      }
    } catch {
      problems.push({
        setting: 'DR_RATE_LIMITS',
        problem: 'it is not a JSON object.',
        fix: 'e.g. {"workspace.export": 40, "permissions.read": 80}',
      });
    }
  }

  const level = (read('DR_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    problems.push({ setting: 'DR_LOG_LEVEL', problem: `"${level}" is not a log level.`, fix: 'Use debug, info, warn or error.' });
  }

  // ---- Profiles
  const { profiles, profileProblems } = loadProfiles(read, values, problems, options.readFile ?? defaultReadFile);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    profiles,
    ...(serviceBus ? { serviceBus } : {}),
    storage,
    backup,
    failover,
    alerts,
    rpoMs,
    rateLimits,
    logLevel: level as LogLevel,
    profileProblems,
  });
}

function defaultReadFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const AUTH_METHODS: Record<string, AzureAuthMethod | 'pat'> = {
  pat: 'pat',
  'managed-identity': 'managed-identity',
  msi: 'managed-identity',
  'azure-msi': 'managed-identity',
  default: 'default',
  'client-secret': 'client-secret',
  'azure-client-secret': 'client-secret',
  'azure-cli': 'azure-cli',
};

function loadProfiles(
  read: (name: SettingName) => string | undefined,
  values: Record<string, string | undefined>,
  problems: ConfigProblem[],
  readFile: (path: string) => string | undefined,
): { profiles: Map<string, WorkspaceProfile>; profileProblems: Map<string, ConfigProblem[]> } {
  const profiles = new Map<string, WorkspaceProfile>();
  const profileProblems = new Map<string, ConfigProblem[]>();
  const note = (name: string, p: ConfigProblem): void => {
    profileProblems.set(name, [...(profileProblems.get(name) ?? []), p]);
  };

  const define = (name: string, origin: string, fields: Record<string, unknown>, settingFor: (field: string) => string): void => {
    const str = (k: string): string | undefined =>
      typeof fields[k] === 'string' && (fields[k] as string).trim() !== '' ? (fields[k] as string).trim() : undefined;
    const host = str('host');
    if (host === undefined) {
      note(name, {
        setting: settingFor('host'),
        problem: `profile "${name}" has no host.`,
        fix: `Set the workspace URL, e.g. host = https://adb-1234567890123456.7.azuredatabricks.net (${origin}).`,
      });
      return;
    }
    let url: URL | undefined;
    try {
      url = new URL(/^https?:\/\//.test(host) ? host : `https://${host}`);
    } catch {
      note(name, {
        setting: settingFor('host'),
        problem: `"${host}" is not a URL.`,
        fix: 'Use the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net',
      });
      return;
    }
    const token = str('token');
    const authType =
      str('auth_type') ?? (fields['azure_use_msi'] === true || str('azure_use_msi') === 'true' ? 'managed-identity' : undefined);
    const method =
      authType === undefined
        ? token !== undefined
          ? 'pat'
          : str('azure_client_secret') !== undefined
            ? 'client-secret'
            : 'managed-identity'
        : Object.hasOwn(AUTH_METHODS, authType)
          ? AUTH_METHODS[authType]
          : undefined;
    if (method === undefined) {
      note(name, {
        setting: settingFor('auth_type'),
        problem: `unknown authentication "${authType}".`,
        fix: `Use one of: ${Object.keys(AUTH_METHODS).join(', ')}.`,
      });
      return;
    }
    let auth: ProfileAuth;
    if (method === 'pat') {
      if (token === undefined) {
        note(name, {
          setting: settingFor('token'),
          problem: `profile "${name}" uses a personal access token but has none.`,
          fix: 'Create a token in the workspace (User settings > Developer > Access tokens) and set it, or use Entra ID.',
        });
        return;
      }
      auth = { type: 'pat', token };
    } else {
      auth = { type: 'azure', method };
      const clientId = str('azure_client_id');
      const tenantId = str('azure_tenant_id');
      const secret = str('azure_client_secret');
      if (clientId !== undefined) auth.clientId = clientId;
      if (tenantId !== undefined) auth.tenantId = tenantId;
      if (secret !== undefined) auth.clientSecret = secret;
      if (method === 'client-secret' && (clientId === undefined || tenantId === undefined || secret === undefined)) {
        note(name, {
          setting: settingFor('azure_client_secret'),
          problem: `profile "${name}" uses a service principal secret but lacks ${[clientId === undefined ? 'azure_client_id' : '', tenantId === undefined ? 'azure_tenant_id' : '', secret === undefined ? 'azure_client_secret' : ''].filter((x) => x).join(', ')}.`,
          fix: origin.startsWith('app settings')
            ? `Set DR_WORKSPACE_${name.toUpperCase()}_AZURE_TENANT_ID, _AZURE_CLIENT_ID and _AZURE_CLIENT_SECRET (a Key Vault reference), or use a managed identity.`
            : 'Set azure_tenant_id, azure_client_id and azure_client_secret, or use a managed identity.',
        });
        return;
      }
    }
    const profile: WorkspaceProfile = { name, host: url.origin, auth, origin };
    const resourceId = str('azure_workspace_resource_id');
    if (resourceId !== undefined) profile.azureResourceId = resourceId;
    profiles.set(name, profile);
  };

  // 1. The Databricks config file.
  const path = expandHome(read('DATABRICKS_CONFIG_FILE') ?? '~/.databrickscfg');
  let text: string | undefined;
  let unreadable = false;
  try {
    text = readFile(path);
  } catch (error) {
    unreadable = true;
    problems.push({
      setting: 'DATABRICKS_CONFIG_FILE',
      problem: `cannot read ${path}: ${(error as Error).message}`,
      fix: 'Make the file readable, or point DATABRICKS_CONFIG_FILE elsewhere.',
    });
  }
  if (text === undefined && !unreadable && read('DATABRICKS_CONFIG_FILE') !== undefined) {
    problems.push({
      setting: 'DATABRICKS_CONFIG_FILE',
      problem: `${path} does not exist.`,
      fix: 'Create it with a [primary] section (host, token), or unset DATABRICKS_CONFIG_FILE.',
    });
  }
  if (text !== undefined) {
    let sections: Record<string, unknown> = {};
    try {
      sections = parseIni(text) as Record<string, unknown>;
    } catch (error) {
      problems.push({
        setting: 'DATABRICKS_CONFIG_FILE',
        problem: `${path} is not a valid INI file: ${(error as Error).message}`,
        fix: 'Each profile is a [section] with key = value lines.',
      });
    }
    for (const [name, fields] of Object.entries(sections)) {
      if (typeof fields !== 'object' || fields === null) continue;
      define(name, `${path} [${name}]`, fields as Record<string, unknown>, (field) => `${path} [${name}] ${field}`);
    }
  }

  // 2. DR_WORKSPACE_<NAME>_* app settings (how the function app is configured).
  const prefix = /^DR_WORKSPACE_([A-Z0-9_]+?)_(HOST|AUTH|TOKEN|AZURE_RESOURCE_ID|AZURE_CLIENT_ID|AZURE_TENANT_ID|AZURE_CLIENT_SECRET)$/;
  const groups = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(values)) {
    const m = prefix.exec(key);
    if (!m || value === undefined) continue;
    const name = (m[1] as string).toLowerCase();
    const field = {
      HOST: 'host',
      AUTH: 'auth_type',
      TOKEN: 'token',
      AZURE_RESOURCE_ID: 'azure_workspace_resource_id',
      AZURE_CLIENT_ID: 'azure_client_id',
      AZURE_TENANT_ID: 'azure_tenant_id',
      AZURE_CLIENT_SECRET: 'azure_client_secret',
    }[m[2] as string] as string;
    groups.set(name, { ...(groups.get(name) ?? {}), [field]: value });
  }
  for (const [name, fields] of groups) {
    const upper = name.toUpperCase();
    const settingName = (field: string): string =>
      `DR_WORKSPACE_${upper}_${{ host: 'HOST', auth_type: 'AUTH', token: 'TOKEN', azure_client_secret: 'AZURE_CLIENT_SECRET', azure_client_id: 'AZURE_CLIENT_ID', azure_tenant_id: 'AZURE_TENANT_ID' }[field] ?? field.toUpperCase()}`;
    define(name, `app settings DR_WORKSPACE_${upper}_*`, fields, settingName);
  }

  // 3. DATABRICKS_HOST / DATABRICKS_TOKEN, as the Databricks CLI reads them.
  const envHost = read('DATABRICKS_HOST');
  if (envHost !== undefined && !profiles.has('DEFAULT')) {
    const token = read('DATABRICKS_TOKEN');
    define('DEFAULT', 'DATABRICKS_HOST / DATABRICKS_TOKEN', { host: envHost, ...(token === undefined ? {} : { token }) }, (f) =>
      f === 'token' ? 'DATABRICKS_TOKEN' : 'DATABRICKS_HOST',
    );
  }
  return { profiles, profileProblems };
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : resolve(path);
}

/** The named profile, or a ConfigError that says which profiles exist and how to add one. */
export function requireProfile(config: Config, name: string): WorkspaceProfile {
  const profile = config.profiles.get(name);
  if (profile) return profile;
  const problems = config.profileProblems.get(name);
  if (problems && problems.length > 0) throw new ConfigError(problems);
  const known = [...config.profiles.keys()];
  throw new ConfigError([
    {
      setting: `profile "${name}"`,
      problem:
        known.length === 0 ? 'no workspace profiles are configured.' : `it does not exist; configured profiles: ${known.join(', ')}.`,
      fix: `Add a [${name}] section with host and token to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), or set DR_WORKSPACE_${name.toUpperCase()}_HOST and its auth settings.`,
    },
  ]);
}
