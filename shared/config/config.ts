import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

import { parse as parseIni } from 'ini';

import { DEFAULT_RATE_LIMITS, type RateLimits } from '../databricks/families.js';
import { houseText, pathText } from '../codec/schema.js';
import { type ConfigProblem, ConfigError } from '../errors/drError.js';
import type { StorageConfig } from '../snapshot/store.js';
import { EMPTY_MAPPINGS, type Mappings } from './mappings.js';
import { KIND_NAMES, type KindName } from '../snapshot/names.js';
import type { LogLevel } from '../log/logger.js';
import { SETTINGS, type SettingName, type SettingSpec, type SettingValueOf } from './settings.js';

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
  /**
   * A setting read as its declaration in settings.ts says (schema and fix); unset gives
   * `fallback`, a refused value adds its problems (one per issue) and gives `fallback` too.
   */
  function value<N extends SettingName>(name: N): SettingValueOf<N> | undefined;
  function value<N extends SettingName>(name: N, fallback: SettingValueOf<N>): SettingValueOf<N>;
  function value<N extends SettingName>(name: N, fallback?: SettingValueOf<N>): SettingValueOf<N> | undefined {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const spec = (SETTINGS as readonly SettingSpec[]).find((s) => s.name === name);
    if (spec?.value === undefined) return raw as SettingValueOf<N>;
    const result = spec.value.schema.safeParse(raw, { error: houseText, reportInput: true });
    if (result.success) return result.data as SettingValueOf<N>;
    const fix = spec.value.fix(name, spec.default);
    for (const issue of result.error.issues) {
      const own = (issue as { params?: { fix?: unknown } }).params?.fix;
      problems.push({
        setting: name,
        problem: issue.path.length === 0 ? issue.message : `"${pathText(issue.path)}" ${issue.message}`,
        fix: typeof own === 'string' ? own : fix,
      });
    }
    return fallback;
  }

  // ---- Storage
  const connectionString = read('DR_STORAGE_CONNECTION_STRING');
  const accountUrl = read('DR_STORAGE_ACCOUNT_URL');
  const storage: StorageConfig = { container: 'databricks-dr' };
  if (connectionString !== undefined && accountUrl !== undefined) {
    problems.push({
      setting: 'DR_STORAGE_CONNECTION_STRING / DR_STORAGE_ACCOUNT_URL',
      problem: 'both are set, so it is unclear which storage account to use.',
      fix: 'Keep DR_STORAGE_ACCOUNT_URL (Microsoft Entra ID, recommended in Azure) or DR_STORAGE_CONNECTION_STRING, not both.',
    });
  }
  if (accountUrl !== undefined) {
    storage.accountUrl = value('DR_STORAGE_ACCOUNT_URL', accountUrl);
    const clientId = read('DR_STORAGE_CLIENT_ID');
    if (clientId !== undefined) storage.clientId = clientId;
  } else {
    storage.connectionString = value('DR_STORAGE_CONNECTION_STRING', AZURITE_CONNECTION_STRING);
  }
  storage.container = value('DR_CONTAINER', 'databricks-dr');

  // ---- Backup
  const schedule = value('DR_BACKUP_SCHEDULE', '0 */15 * * * *');
  const include = value('DR_INCLUDE_KINDS');
  const exclude = value('DR_EXCLUDE_KINDS', []);
  const excludePaths = value('DR_EXCLUDE_PATHS', []);
  const dbfsPrefixes = value('DR_DBFS_PREFIXES', ['/databricks/init-scripts']);
  const mountCluster = read('DR_MOUNT_DISCOVERY_CLUSTER_ID');
  const backup: BackupSettings = {
    source: read('DR_BACKUP_SOURCE') ?? 'primary',
    schedule,
    timeBudgetMs: value('DR_BACKUP_TIME_BUDGET_SECONDS', 1500) * 1000,
    retention: { count: value('DR_RETENTION_COUNT', 96), days: value('DR_RETENTION_DAYS', 7) },
    kinds: KIND_NAMES.filter((k) => (include === undefined || include.includes(k)) && !exclude.includes(k)),
    excludePaths,
    dbfsPrefixes,
    dbfsMaxFileBytes: value('DR_DBFS_MAX_FILE_MB', 512) * 1024 * 1024,
    permissionsRefreshRuns: value('DR_PERMISSIONS_REFRESH_RUNS', 8),
    ...(mountCluster === undefined ? {} : { mountDiscoveryClusterId: mountCluster }),
    queue: value('DR_BACKUP_QUEUE', 'databricks-dr-backup'),
  };

  // ---- Failover
  const mappings = value('DR_FAILOVER_MAPPINGS', EMPTY_MAPPINGS);
  const conflictPolicy = value('DR_FAILOVER_CONFLICT_POLICY', 'update');
  const queue = value('DR_FAILOVER_QUEUE', 'databricks-dr-failover');
  const failover: FailoverSettings = {
    source: read('DR_FAILOVER_SOURCE') ?? 'primary',
    target: read('DR_FAILOVER_TARGET') ?? 'secondary',
    mappings,
    conflictPolicy,
    timeBudgetMs: value('DR_FAILOVER_TIME_BUDGET_SECONDS', 1500) * 1000,
    queue,
  };

  // ---- Alerts (POST /api/alerts) and the recovery point objective
  const alertAction = value('DR_ALERT_ACTION', 'failover');
  const alerts: AlertSettings = {
    rules: value('DR_ALERT_RULES', []),
    action: alertAction,
    maxAgeMs: value('DR_ALERT_MAX_AGE_MINUTES', 60) * 60_000,
  };
  const rpoMs = value('DR_RPO_MINUTES', 30) * 60_000;

  // ---- Service Bus (the failover queue); the trigger binding reads the same settings.
  let serviceBus: ServiceBusConfig | undefined;
  const sbConnection = read('DR_SERVICEBUS');
  const sbNamespace = read('DR_SERVICEBUS__fullyQualifiedNamespace');
  if (sbConnection !== undefined && sbNamespace !== undefined) {
    problems.push({
      setting: 'DR_SERVICEBUS / DR_SERVICEBUS__fullyQualifiedNamespace',
      problem: 'both are set, so it is unclear how to reach Service Bus.',
      fix:
        'Keep DR_SERVICEBUS__fullyQualifiedNamespace (managed identity, recommended in Azure) ' +
        'or DR_SERVICEBUS (a connection string), not both.',
    });
  } else if (sbConnection !== undefined) {
    const connection = value('DR_SERVICEBUS');
    if (connection !== undefined) serviceBus = { connectionString: connection };
  } else if (sbNamespace !== undefined) {
    const namespace = value('DR_SERVICEBUS__fullyQualifiedNamespace');
    if (namespace !== undefined) {
      const clientId = read('DR_SERVICEBUS__clientId');
      serviceBus = { namespace, ...(clientId ? { clientId } : {}) };
    }
  }

  // ---- Rate limits: the documented ones, with DR_RATE_LIMITS's overrides.
  const rateLimits: RateLimits = { ...DEFAULT_RATE_LIMITS, families: { ...DEFAULT_RATE_LIMITS.families } };
  for (const [k, v] of Object.entries(value('DR_RATE_LIMITS', {}))) {
    if (k === 'defaultRead' || k === 'defaultWrite' || k === 'maxConcurrency' || k === 'utilization') rateLimits[k] = v;
    else rateLimits.families[k] = v;
  }

  const level = value('DR_LOG_LEVEL', 'info');

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
    logLevel: level,
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
        const missing = [
          clientId === undefined ? 'azure_client_id' : '',
          tenantId === undefined ? 'azure_tenant_id' : '',
          secret === undefined ? 'azure_client_secret' : '',
        ].filter((x) => x);
        note(name, {
          setting: settingFor('azure_client_secret'),
          problem: `profile "${name}" uses a service principal secret but lacks ${missing.join(', ')}.`,
          fix: origin.startsWith('app settings')
            ? `Set DR_WORKSPACE_${name.toUpperCase()}_AZURE_TENANT_ID, _AZURE_CLIENT_ID and _AZURE_CLIENT_SECRET ` +
              '(a Key Vault reference), or use a managed identity.'
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
  const settingSuffixes: Record<string, string> = {
    host: 'HOST',
    auth_type: 'AUTH',
    token: 'TOKEN',
    azure_client_secret: 'AZURE_CLIENT_SECRET',
    azure_client_id: 'AZURE_CLIENT_ID',
    azure_tenant_id: 'AZURE_TENANT_ID',
  };
  for (const [name, fields] of groups) {
    const upper = name.toUpperCase();
    const settingName = (field: string): string => `DR_WORKSPACE_${upper}_${settingSuffixes[field] ?? field.toUpperCase()}`;
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
      fix:
        `Add a [${name}] section with host and token to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), ` +
        `or set DR_WORKSPACE_${name.toUpperCase()}_HOST and its auth settings.`,
    },
  ]);
}

/** What a request naming a profile that is not configured is told (queue consumers and the HTTP API). */
export function unknownProfile(role: 'source' | 'target', name: string): string {
  return (
    `The ${role} profile "${name}" is not configured. ` +
    `Set DR_WORKSPACE_${name.toUpperCase()}_HOST (and its auth) in the app settings, or name a configured profile.`
  );
}
