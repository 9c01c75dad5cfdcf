import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { jest } from '@jest/globals';

import { AZURITE_CONNECTION_STRING, type Config, loadConfig, type LoadOptions, requireProfile } from '../../shared/config/config.js';
import { SETTINGS } from '../../shared/config/settings.js';
import { DEFAULT_RATE_LIMITS } from '../../shared/databricks/families.js';
import { ConfigError, isDrError } from '../../shared/errors/drError.js';
import { KIND_NAMES } from '../../shared/snapshot/names.js';

const here = dirname(fileURLToPath(import.meta.url));
const CFG = '/etc/databricks-dr/databrickscfg';

/** loadConfig without touching the real ~/.databrickscfg. */
function load(env: Record<string, string | undefined>, options: LoadOptions = {}): Config {
  return loadConfig(env, { readFile: () => undefined, ...options });
}

/** loadConfig with a config file whose text is `ini`, at CFG. */
function loadIni(ini: string, env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ DATABRICKS_CONFIG_FILE: CFG, ...env }, { readFile: (p) => (p === CFG ? ini : undefined) });
}

/** The ConfigError a function throws (fails the test when it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('defaults', () => {
  test('an empty environment gives Azurite, container databricks-dr, a 15-minute schedule and every kind', () => {
    const paths: string[] = [];
    const c = loadConfig({}, { readFile: (p) => (paths.push(p), undefined) });
    expect(c.storage).toEqual({ connectionString: 'UseDevelopmentStorage=true', container: 'databricks-dr' });
    expect(AZURITE_CONNECTION_STRING).toBe('UseDevelopmentStorage=true');
    expect(c.backup).toEqual({
      source: 'primary',
      schedule: '0 */15 * * * *',
      timeBudgetMs: 1_500_000,
      retention: { count: 96, days: 7 },
      kinds: [...KIND_NAMES],
      excludePaths: [],
      dbfsPrefixes: ['/databricks/init-scripts'],
      dbfsMaxFileBytes: 512 * 1024 * 1024,
      permissionsRefreshRuns: 8,
      queue: 'databricks-dr-backup',
    });
    expect(c.alerts).toEqual({ rules: [], action: 'failover', maxAgeMs: 3_600_000 });
    expect(c.rpoMs).toBe(30 * 60_000);
    expect(c.backup.kinds).toEqual(KIND_NAMES);
    expect('mountDiscoveryClusterId' in c.backup).toBe(false);
    expect(c.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(c.rateLimits).not.toBe(DEFAULT_RATE_LIMITS);
    expect(c.rateLimits.families).not.toBe(DEFAULT_RATE_LIMITS.families);
    expect(c.logLevel).toBe('info');
    expect(c.profiles.size).toBe(0);
    expect(c.profileProblems.size).toBe(0);
    expect(Object.isFrozen(c)).toBe(true);
    // The default config file is ~/.databrickscfg, and a missing default file is no problem.
    expect(paths).toEqual([resolve(homedir(), '.databrickscfg')]);
  });

  test('the defaults documented in settings.ts are the ones loadConfig applies', () => {
    const documented = Object.fromEntries(SETTINGS.filter((s) => 'default' in s).map((s) => [s.name, (s as { default: string }).default]));
    expect(documented).toEqual({
      DATABRICKS_CONFIG_FILE: '~/.databrickscfg',
      'DR_WORKSPACE_<NAME>_AUTH': 'managed-identity when no token is set',
      DR_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true (Azurite)',
      DR_CONTAINER: 'databricks-dr',
      DR_BACKUP_SOURCE: 'primary',
      DR_BACKUP_SCHEDULE: '0 */15 * * * *',
      DR_BACKUP_TIME_BUDGET_SECONDS: '1500',
      DR_RETENTION_COUNT: '96',
      DR_RETENTION_DAYS: '7',
      DR_DBFS_PREFIXES: 'dbfs:/databricks/init-scripts',
      DR_DBFS_MAX_FILE_MB: '512',
      DR_PERMISSIONS_REFRESH_RUNS: '8',
      DR_FAILOVER_SOURCE: 'primary',
      DR_FAILOVER_TARGET: 'secondary',
      DR_FAILOVER_CONFLICT_POLICY: 'update',
      DR_FAILOVER_TIME_BUDGET_SECONDS: '1500',
      DR_FAILOVER_QUEUE: 'databricks-dr-failover',
      DR_BACKUP_QUEUE: 'databricks-dr-backup',
      DR_ALERT_ACTION: 'failover',
      DR_ALERT_MAX_AGE_MINUTES: '60',
      DR_RPO_MINUTES: '30',
      DR_LOG_LEVEL: 'info',
    });
    // Setting every plain default explicitly changes nothing.
    const explicit = Object.fromEntries(
      Object.entries(documented).filter(
        ([k]) => !k.includes('<') && k !== 'DATABRICKS_CONFIG_FILE' && k !== 'DR_STORAGE_CONNECTION_STRING',
      ),
    );
    explicit['DR_STORAGE_CONNECTION_STRING'] = AZURITE_CONNECTION_STRING;
    expect(load(explicit)).toEqual(load({}));
  });

  test('settings.ts lists every name once, and flags exactly the secrets', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(SETTINGS.filter((s) => 'secret' in s && s.secret).map((s) => s.name)).toEqual([
      'DATABRICKS_TOKEN',
      'DR_WORKSPACE_<NAME>_TOKEN',
      'DR_WORKSPACE_<NAME>_AZURE_CLIENT_SECRET',
      'DR_STORAGE_CONNECTION_STRING',
      'DR_SERVICEBUS',
    ]);
    for (const s of SETTINGS) expect(s.description.length).toBeGreaterThan(10);
  });

  test('alert, RPO and queue settings: parsed, bad ones named with their fix', () => {
    const c = load({
      DR_ALERT_RULES: ' outage-westeurope , outage-northeurope ',
      DR_ALERT_ACTION: 'DRY-RUN',
      DR_ALERT_MAX_AGE_MINUTES: '15',
      DR_RPO_MINUTES: '20',
      DR_BACKUP_QUEUE: 'bk',
    });
    expect(c.alerts).toEqual({ rules: ['outage-westeurope', 'outage-northeurope'], action: 'dry-run', maxAgeMs: 15 * 60_000 });
    expect(c.rpoMs).toBe(20 * 60_000);
    expect(c.backup.queue).toBe('bk');
    const error = configError(() => load({ DR_ALERT_ACTION: 'page-someone', DR_RPO_MINUTES: '0', DR_BACKUP_QUEUE: '-bad queue' }));
    expect(error.problems.map((p) => `${p.setting}: ${p.problem} ${p.fix}`)).toEqual([
      'DR_BACKUP_QUEUE: "-bad queue" is not a Service Bus queue name. ' +
        'Use letters, digits, periods, hyphens, underscores and slashes, starting with a letter or digit.',
      'DR_ALERT_ACTION: "page-someone" is not an alert action. ' +
        'Use failover (replay into the DR workspace; schedules stay paused until cutover) or dry-run (queue a plan only).',
      'DR_RPO_MINUTES: "0" is not a whole number between 1 and 10080. ' +
        'Set DR_RPO_MINUTES to a number such as 30, or remove it to use the default.',
    ]);
  });

  test('failover settings: mappings parsed, bad ones named with their fix', () => {
    const c = load({
      DR_FAILOVER_MAPPINGS: JSON.stringify({
        nodeTypes: { Standard_DS3_v2: 'Standard_D4ds_v5' },
        keyVaults: { 'kv-prod': { resource_id: '/subscriptions/x/kv-dr', dns_name: 'https://kv-dr.vault.azure.net/' } },
        mounts: [{ mountPoint: '/mnt/raw', source: 'abfss://raw@dr.dfs.core.windows.net/' }],
      }),
      DR_FAILOVER_CONFLICT_POLICY: 'REPORT',
      DR_FAILOVER_TARGET: 'dr',
    });
    expect(c.failover.mappings.nodeTypes).toEqual({ Standard_DS3_v2: 'Standard_D4ds_v5' });
    expect(c.failover.mappings.mounts[0]?.mountPoint).toBe('/mnt/raw');
    expect(c.failover.conflictPolicy).toBe('report');
    expect(c.failover.target).toBe('dr');
    const problems = (env: Record<string, string>) => {
      try {
        load(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((p) => `${p.setting}: ${p.problem}`);
      }
    };
    expect(problems({ DR_FAILOVER_MAPPINGS: '{nodeTypes:' })[0]).toMatch(/^DR_FAILOVER_MAPPINGS: The failover mappings are not valid JSON/);
    expect(problems({ DR_FAILOVER_MAPPINGS: '{"nodetypes": {}}' })[0]).toMatch(
      /The failover mappings are invalid: unknown field\(s\) nodetypes \(known: nodeTypes, storageAccounts, keyVaults, mounts, /,
    );
    expect(problems({ DR_FAILOVER_MAPPINGS: '{"mounts": [{"mountPoint": "/data", "source": "x"}]}' })[0]).toMatch(
      /must look like \/mnt\/<name>/,
    );
    expect(problems({ DR_FAILOVER_MAPPINGS: '{"keyVaults": {"kv": {"dns_name": "x"}}}' })[0]).toMatch(
      /"keyVaults\.kv\.resource_id" is missing; it must be the resource id of the vault in the DR region/,
    );
    expect(problems({ DR_FAILOVER_CONFLICT_POLICY: 'overwrite' })).toEqual([
      'DR_FAILOVER_CONFLICT_POLICY: "overwrite" is not a conflict policy.',
    ]);
    expect(problems({ DR_FAILOVER_QUEUE: '-bad queue' })).toEqual(['DR_FAILOVER_QUEUE: "-bad queue" is not a Service Bus queue name.']);
  });

  test('Service Bus: a connection string or a namespace with a managed identity, not both', () => {
    expect(load({}).serviceBus).toBeUndefined();
    expect(
      load({ DR_SERVICEBUS: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true' })
        .serviceBus,
    ).toEqual({
      connectionString: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
    });
    expect(
      load({ DR_SERVICEBUS__fullyQualifiedNamespace: 'dr-sb.servicebus.windows.net', DR_SERVICEBUS__clientId: 'abc' }).serviceBus,
    ).toEqual({ namespace: 'dr-sb.servicebus.windows.net', clientId: 'abc' });
    expect(() => load({ DR_SERVICEBUS: 'Endpoint=sb://x/;SharedAccessKey=v', DR_SERVICEBUS__fullyQualifiedNamespace: 'x' })).toThrow(
      /both are set/,
    );
    try {
      load({ DR_SERVICEBUS: 'AccountKey=s3cr3tvalue' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('not a Service Bus connection string');
      expect((error as Error).message).not.toContain('s3cr3tvalue');
    }
  });

  test('blank values count as unset and values are trimmed', () => {
    const c = load({ DR_CONTAINER: '   ', DR_BACKUP_SCHEDULE: '', DR_RETENTION_COUNT: ' 12 ', DR_BACKUP_SOURCE: '  secondary ' });
    expect(c.storage.container).toBe('databricks-dr');
    expect(c.backup.schedule).toBe('0 */15 * * * *');
    expect(c.backup.retention).toEqual({ count: 12, days: 7 });
    expect(c.backup.source).toBe('secondary');
  });
});

describe('explicit settings', () => {
  test('every backup setting is parsed into its typed value', () => {
    const c = load({
      DR_CONTAINER: 'dr-snapshots-01',
      DR_BACKUP_SOURCE: 'prod',
      DR_BACKUP_SCHEDULE: '0 0 */2 * * *',
      DR_BACKUP_TIME_BUDGET_SECONDS: '600',
      DR_RETENTION_COUNT: '10',
      DR_RETENTION_DAYS: '0',
      DR_INCLUDE_KINDS: 'jobs, notebooks,,clusters ',
      DR_EXCLUDE_KINDS: 'clusters',
      DR_EXCLUDE_PATHS: '/Users/a@contoso.com/scratch, /Shared/tmp',
      DR_DBFS_PREFIXES: 'dbfs:/FileStore/jars, /databricks/init-scripts',
      DR_DBFS_MAX_FILE_MB: '1',
      DR_PERMISSIONS_REFRESH_RUNS: '1000',
      DR_MOUNT_DISCOVERY_CLUSTER_ID: '0101-120000-abcdefgh',
      DR_LOG_LEVEL: 'DEBUG',
    });
    expect(c.storage.container).toBe('dr-snapshots-01');
    expect(c.backup).toEqual({
      source: 'prod',
      schedule: '0 0 */2 * * *',
      timeBudgetMs: 600_000,
      retention: { count: 10, days: 0 },
      // Kept in dependency order, whatever order they were listed in; exclusions win.
      kinds: ['notebooks', 'jobs'],
      excludePaths: ['/Users/a@contoso.com/scratch', '/Shared/tmp'],
      dbfsPrefixes: ['/FileStore/jars', '/databricks/init-scripts'],
      dbfsMaxFileBytes: 1_048_576,
      permissionsRefreshRuns: 1000,
      mountDiscoveryClusterId: '0101-120000-abcdefgh',
      queue: 'databricks-dr-backup',
    });
    expect(c.logLevel).toBe('debug');
  });

  test('exclusions alone remove kinds from the full list', () => {
    const c = load({ DR_EXCLUDE_KINDS: 'permissions,mounts,dbfsFiles' });
    expect(c.backup.kinds).toEqual(KIND_NAMES.filter((k) => k !== 'permissions' && k !== 'mounts' && k !== 'dbfsFiles'));
    expect(c.backup.kinds).toHaveLength(KIND_NAMES.length - 3);
  });

  test('a timespan schedule (hh:mm:ss) is accepted as well as six-field NCRONTAB', () => {
    expect(load({ DR_BACKUP_SCHEDULE: '00:05:00' }).backup.schedule).toBe('00:05:00');
    expect(load({ DR_BACKUP_SCHEDULE: '30 5 * * * 1-5' }).backup.schedule).toBe('30 5 * * * 1-5');
  });

  test('the integer bounds are inclusive', () => {
    const c = load({
      DR_BACKUP_TIME_BUDGET_SECONDS: '30',
      DR_RETENTION_COUNT: '100000',
      DR_RETENTION_DAYS: '3650',
      DR_DBFS_MAX_FILE_MB: '100000',
      DR_PERMISSIONS_REFRESH_RUNS: '1',
    });
    expect(c.backup.timeBudgetMs).toBe(30_000);
    expect(c.backup.retention).toEqual({ count: 100_000, days: 3650 });
    expect(c.backup.dbfsMaxFileBytes).toBe(100_000 * 1024 * 1024);
    expect(c.backup.permissionsRefreshRuns).toBe(1);
    const e = configError(() => load({ DR_BACKUP_TIME_BUDGET_SECONDS: '29', DR_PERMISSIONS_REFRESH_RUNS: '1001' }));
    expect(e.problems).toEqual([
      {
        setting: 'DR_BACKUP_TIME_BUDGET_SECONDS',
        problem: '"29" is not a whole number between 30 and 86400.',
        fix: 'Set DR_BACKUP_TIME_BUDGET_SECONDS to a number such as 1500, or remove it to use the default.',
      },
      {
        setting: 'DR_PERMISSIONS_REFRESH_RUNS',
        problem: '"1001" is not a whole number between 1 and 1000.',
        fix: 'Set DR_PERMISSIONS_REFRESH_RUNS to a number such as 8, or remove it to use the default.',
      },
    ]);
  });

  test('storage by account URL (Entra ID): trailing slashes dropped, client id kept, no connection string', () => {
    const c = load({
      DR_STORAGE_ACCOUNT_URL: 'https://drsnapshots.blob.core.windows.net//',
      DR_STORAGE_CLIENT_ID: '0f0f0f0f-1111-2222-3333-444444444444',
    });
    expect(c.storage).toEqual({
      accountUrl: 'https://drsnapshots.blob.core.windows.net',
      clientId: '0f0f0f0f-1111-2222-3333-444444444444',
      container: 'databricks-dr',
    });
  });

  test('storage by connection string; DR_STORAGE_CLIENT_ID only applies to an account URL', () => {
    const cs = 'DefaultEndpointsProtocol=https;AccountName=drsnap;AccountKey=a2V5a2V5a2V5;EndpointSuffix=core.windows.net';
    expect(load({ DR_STORAGE_CONNECTION_STRING: cs, DR_STORAGE_CLIENT_ID: 'ignored' }).storage).toEqual({
      connectionString: cs,
      container: 'databricks-dr',
    });
    const blobOnly = 'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=sv=2022&sig=abc';
    expect(load({ DR_STORAGE_CONNECTION_STRING: blobOnly }).storage.connectionString).toBe(blobOnly);
  });

  test('overrides (CLI flags) win over the environment', () => {
    const c = load({ DR_CONTAINER: 'from-env', DR_LOG_LEVEL: 'warn' }, { overrides: { DR_CONTAINER: 'from-flag' } });
    expect(c.storage.container).toBe('from-flag');
    expect(c.logLevel).toBe('warn');
  });

  test('container names follow the blob container rules', () => {
    for (const ok of ['abc', 'a-b', 'a1-b2-c3', 'x'.repeat(63), '123']) expect(load({ DR_CONTAINER: ok }).storage.container).toBe(ok);
    for (const bad of ['ab', 'x'.repeat(64), 'Databricks-DR', 'a--b', '-ab', 'ab-', 'dr_snapshots', 'dr.snapshots']) {
      const e = configError(() => load({ DR_CONTAINER: bad }));
      expect(e.problems).toEqual([
        {
          setting: 'DR_CONTAINER',
          problem: `"${bad}" is not a valid blob container name.`,
          fix: 'Use 3–63 lower-case letters, digits and single hyphens, starting with a letter or digit, e.g. databricks-dr.',
        },
      ]);
    }
  });
});

describe('every problem is reported at once', () => {
  test('bad container, schedule, number, unknown kind and both storage settings give one ConfigError listing all five', () => {
    const e = configError(() =>
      load({
        DR_CONTAINER: 'Bad_Container',
        DR_BACKUP_SCHEDULE: '*/15 * * * *',
        DR_RETENTION_COUNT: 'ten',
        DR_INCLUDE_KINDS: 'notebooks,widgets',
        DR_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=drsnap;AccountKey=a2V5',
        DR_STORAGE_ACCOUNT_URL: 'https://drsnap.blob.core.windows.net',
      }),
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.name).toBe('ConfigError');
    expect(e.retryable).toBe(false);
    expect(isDrError(e)).toBe(true);
    expect(e.problems).toEqual([
      {
        setting: 'DR_STORAGE_CONNECTION_STRING / DR_STORAGE_ACCOUNT_URL',
        problem: 'both are set, so it is unclear which storage account to use.',
        fix: 'Keep DR_STORAGE_ACCOUNT_URL (Microsoft Entra ID, recommended in Azure) or DR_STORAGE_CONNECTION_STRING, not both.',
      },
      {
        setting: 'DR_CONTAINER',
        problem: '"Bad_Container" is not a valid blob container name.',
        fix: 'Use 3–63 lower-case letters, digits and single hyphens, starting with a letter or digit, e.g. databricks-dr.',
      },
      {
        setting: 'DR_BACKUP_SCHEDULE',
        problem: '"*/15 * * * *" is not an NCRONTAB expression with six fields (seconds first).',
        fix: 'Use six fields, e.g. "0 */15 * * * *" for every 15 minutes. Most cron examples omit the seconds field.',
      },
      { setting: 'DR_INCLUDE_KINDS', problem: 'unknown kind: widgets.', fix: `Use kinds from: ${KIND_NAMES.join(', ')}.` },
      {
        setting: 'DR_RETENTION_COUNT',
        problem: '"ten" is not a whole number between 1 and 100000.',
        fix: 'Set DR_RETENTION_COUNT to a number such as 96, or remove it to use the default.',
      },
    ]);
    expect(e.message).toBe(
      'The configuration has 5 problems:\n' +
        e.problems.map((p, i) => `  ${i + 1}. ${p.setting}: ${p.problem}\n     Fix: ${p.fix}`).join('\n'),
    );
    expect(e.message).toContain('  2. DR_CONTAINER: "Bad_Container" is not a valid blob container name.\n     Fix: Use 3–63');
    for (const p of e.problems) expect(p.fix.length).toBeGreaterThan(10);
  });

  test('the other validations: paths, prefixes, log level, URL, numbers, plural kinds, rate limits', () => {
    const e = configError(() =>
      load({
        DR_STORAGE_ACCOUNT_URL: 'drsnap.blob.core.windows.net',
        DR_EXCLUDE_KINDS: 'widgets,notebook',
        DR_EXCLUDE_PATHS: '/ok, relative/path',
        DR_DBFS_PREFIXES: 'dbfs:databricks/x',
        DR_RETENTION_DAYS: '-1',
        DR_DBFS_MAX_FILE_MB: '1.5',
        DR_RATE_LIMITS: '{"dbfs": 0}',
        DR_LOG_LEVEL: 'Verbose',
      }),
    );
    expect(e.problems).toEqual([
      {
        setting: 'DR_STORAGE_ACCOUNT_URL',
        problem: 'it is not a URL (it starts with "drsnap.blob.core.windows…").',
        fix:
          'Use the blob endpoint, e.g. https://<account>.blob.core.windows.net; ' +
          'a connection string belongs in DR_STORAGE_CONNECTION_STRING.',
      },
      { setting: 'DR_EXCLUDE_KINDS', problem: 'unknown kinds: widgets, notebook.', fix: `Use kinds from: ${KIND_NAMES.join(', ')}.` },
      {
        setting: 'DR_EXCLUDE_PATHS',
        problem: '"relative/path" is not an absolute workspace path.',
        fix: 'Start every path with "/", e.g. /Users/someone@contoso.com/scratch.',
      },
      {
        setting: 'DR_DBFS_PREFIXES',
        problem: '"databricks/x" is not an absolute DBFS path.',
        fix: 'Use paths such as dbfs:/databricks/init-scripts.',
      },
      {
        setting: 'DR_RETENTION_DAYS',
        problem: '"-1" is not a whole number between 0 and 3650.',
        fix: 'Set DR_RETENTION_DAYS to a number such as 7, or remove it to use the default.',
      },
      {
        setting: 'DR_DBFS_MAX_FILE_MB',
        problem: '"1.5" is not a whole number between 1 and 100000.',
        fix: 'Set DR_DBFS_MAX_FILE_MB to a number such as 512, or remove it to use the default.',
      },
      {
        setting: 'DR_RATE_LIMITS',
        problem: '"dbfs" must be a positive number of requests per second.',
        fix: 'e.g. {"workspace.export": 40}',
      },
      { setting: 'DR_LOG_LEVEL', problem: '"verbose" is not a log level.', fix: 'Use debug, info, warn or error.' },
    ]);
    expect(e.message.startsWith('The configuration has 8 problems:\n  1. DR_STORAGE_ACCOUNT_URL: ')).toBe(true);
  });

  test('a connection string that is not one is reported; a single problem is worded in the singular', () => {
    const e = configError(() => load({ DR_STORAGE_CONNECTION_STRING: 'https://drsnap.blob.core.windows.net' }));
    expect(e.problems).toEqual([
      {
        setting: 'DR_STORAGE_CONNECTION_STRING',
        problem: 'it has neither AccountName nor BlobEndpoint, so it is not a storage connection string.',
        fix: 'Copy the connection string from the storage account\'s "Access keys" page, or use DR_STORAGE_ACCOUNT_URL with Entra ID.',
      },
    ]);
    expect(e.message.startsWith('The configuration has 1 problem:\n  1. DR_STORAGE_CONNECTION_STRING: it has neither')).toBe(true);
  });

  test('profile problems do not fail loadConfig, but global problems are still all reported', () => {
    const e = configError(() => loadIni('[broken]\ntoken = dapi0000000000000000\n', { DR_CONTAINER: 'X' }));
    expect(e.problems.map((p) => p.setting)).toEqual(['DR_CONTAINER']);
  });
});

describe('profiles from the Databricks config file', () => {
  const INI = [
    '[DEFAULT]',
    'host = https://adb-1111111111111111.11.azuredatabricks.net/',
    'token = dapi11111111111111111111111111111111',
    '',
    '[primary]',
    'host = adb-2222222222222222.2.azuredatabricks.net',
    'token = dapi22222222222222222222222222222222-2',
    '',
    '[secondary]',
    'host = https://adb-3333333333333333.3.azuredatabricks.net/?o=3333333333333333',
    'azure_workspace_resource_id = /subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/secondary',
    'azure_client_id = 11111111-2222-3333-4444-555555555555',
    '',
    '[sp]',
    'host = https://adb-4444444444444444.4.azuredatabricks.net',
    'azure_tenant_id = 99999999-8888-7777-6666-555555555555',
    'azure_client_id = 12121212-3434-5656-7878-909090909090',
    'azure_client_secret = Xy7~sp.client_secret-value',
    '',
    '[msi]',
    'host = https://adb-5555555555555555.5.azuredatabricks.net',
    'azure_use_msi = true',
    'token = dapi55555555555555555555555555555555',
    '',
    '[cli]',
    'host = https://adb-6666666666666666.6.azuredatabricks.net',
    'auth_type = azure-cli',
    'token = dapi66666666666666666666666666666666',
    '',
  ].join('\n');

  test('each section is a profile: token means PAT, azure fields mean Entra ID, host normalised to its origin', () => {
    const c = loadIni(INI);
    expect([...c.profiles.keys()]).toEqual(['DEFAULT', 'primary', 'secondary', 'sp', 'msi', 'cli']);
    expect(c.profileProblems.size).toBe(0);
    expect(c.profiles.get('DEFAULT')).toEqual({
      name: 'DEFAULT',
      host: 'https://adb-1111111111111111.11.azuredatabricks.net',
      auth: { type: 'pat', token: 'dapi11111111111111111111111111111111' },
      origin: `${CFG} [DEFAULT]`,
    });
    expect(c.profiles.get('primary')).toEqual({
      name: 'primary',
      host: 'https://adb-2222222222222222.2.azuredatabricks.net',
      auth: { type: 'pat', token: 'dapi22222222222222222222222222222222-2' },
      origin: `${CFG} [primary]`,
    });
    expect(c.profiles.get('secondary')).toEqual({
      name: 'secondary',
      host: 'https://adb-3333333333333333.3.azuredatabricks.net',
      auth: { type: 'azure', method: 'managed-identity', clientId: '11111111-2222-3333-4444-555555555555' },
      azureResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/secondary',
      origin: `${CFG} [secondary]`,
    });
    expect(c.profiles.get('sp')).toEqual({
      name: 'sp',
      host: 'https://adb-4444444444444444.4.azuredatabricks.net',
      auth: {
        type: 'azure',
        method: 'client-secret',
        clientId: '12121212-3434-5656-7878-909090909090',
        tenantId: '99999999-8888-7777-6666-555555555555',
        clientSecret: 'Xy7~sp.client_secret-value',
      },
      origin: `${CFG} [sp]`,
    });
    // azure_use_msi and auth_type win over a token in the same section.
    expect(c.profiles.get('msi')?.auth).toEqual({ type: 'azure', method: 'managed-identity' });
    expect(c.profiles.get('cli')?.auth).toEqual({ type: 'azure', method: 'azure-cli' });
    expect(requireProfile(c, 'secondary')).toBe(c.profiles.get('secondary'));
  });

  test.each([
    ['pat', 'token = dapi0123456789abcdef0123456789abcdef', { type: 'pat', token: 'dapi0123456789abcdef0123456789abcdef' }],
    ['managed-identity', '', { type: 'azure', method: 'managed-identity' }],
    ['msi', 'azure_client_id = mi-client', { type: 'azure', method: 'managed-identity', clientId: 'mi-client' }],
    ['azure-msi', '', { type: 'azure', method: 'managed-identity' }],
    ['default', 'azure_client_id = mi-client', { type: 'azure', method: 'default', clientId: 'mi-client' }],
    [
      'client-secret',
      'azure_tenant_id = t\nazure_client_id = c\nazure_client_secret = s',
      { type: 'azure', method: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's' },
    ],
    [
      'azure-client-secret',
      'azure_tenant_id = t\nazure_client_id = c\nazure_client_secret = s',
      { type: 'azure', method: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's' },
    ],
    ['azure-cli', '', { type: 'azure', method: 'azure-cli' }],
  ])('auth_type = %s', (authType, extra, expected) => {
    const c = loadIni(`[w]\nhost = https://adb-1.1.azuredatabricks.net\nauth_type = ${authType}\n${extra}\n`);
    expect(c.profileProblems.get('w')).toBeUndefined();
    expect(c.profiles.get('w')?.auth).toEqual(expected);
  });

  test('without auth_type: a client secret alone means client-secret; nothing means managed identity', () => {
    const c = loadIni(
      '[a]\nhost = https://a.azuredatabricks.net\nazure_tenant_id = t\nazure_client_id = c\nazure_client_secret = s\n' +
        '[b]\nhost = https://b.azuredatabricks.net\n' +
        '[c]\nhost = https://c.azuredatabricks.net\nazure_use_msi = false\n',
    );
    expect(c.profiles.get('a')?.auth).toEqual({ type: 'azure', method: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's' });
    expect(c.profiles.get('b')?.auth).toEqual({ type: 'azure', method: 'managed-identity' });
    expect(c.profiles.get('c')?.auth).toEqual({ type: 'azure', method: 'managed-identity' });
  });

  test('DATABRICKS_CONFIG_FILE expands ~ and resolves relative paths; the real file is read by default', () => {
    const seen: string[] = [];
    const readFile = (p: string) => (seen.push(p), '[x]\nhost = https://x.azuredatabricks.net\ntoken = dapi0000000000000000\n');
    expect(loadConfig({ DATABRICKS_CONFIG_FILE: '~/dr/cfg' }, { readFile }).profiles.get('x')?.origin).toBe(
      `${resolve(homedir(), 'dr/cfg')} [x]`,
    );
    loadConfig({ DATABRICKS_CONFIG_FILE: 'rel/cfg' }, { readFile });
    expect(seen).toEqual([resolve(homedir(), 'dr/cfg'), resolve(process.cwd(), 'rel/cfg')]);

    const file = join(tmpdir(), `databricks-dr-config-test-${process.pid}.cfg`);
    writeFileSync(file, '[primary]\nhost = https://adb-9.9.azuredatabricks.net\ntoken = dapi9999999999999999\n');
    try {
      const c = loadConfig({ DATABRICKS_CONFIG_FILE: file });
      expect(c.profiles.get('primary')).toEqual({
        name: 'primary',
        host: 'https://adb-9.9.azuredatabricks.net',
        auth: { type: 'pat', token: 'dapi9999999999999999' },
        origin: `${file} [primary]`,
      });
    } finally {
      rmSync(file, { force: true });
    }
    // The default reader treats a missing file as absent; an explicit path that is missing is a problem.
    const e = configError(() => loadConfig({ DATABRICKS_CONFIG_FILE: file }));
    expect(e.problems).toEqual([
      {
        setting: 'DATABRICKS_CONFIG_FILE',
        problem: `${file} does not exist.`,
        fix: 'Create it with a [primary] section (host, token), or unset DATABRICKS_CONFIG_FILE.',
      },
    ]);
  });

  test('a config file that exists but cannot be read is reported once, as unreadable (not as missing)', () => {
    const path = '/etc/databricks-dr/locked.cfg';
    const e = configError(() =>
      loadConfig(
        { DATABRICKS_CONFIG_FILE: path },
        {
          readFile: () => {
            throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
          },
        },
      ),
    );
    expect(e.problems).toEqual([
      {
        setting: 'DATABRICKS_CONFIG_FILE',
        problem: `cannot read ${path}: EACCES: permission denied, open '${path}'`,
        fix: 'Make the file readable, or point DATABRICKS_CONFIG_FILE elsewhere.',
      },
    ]);
  });
});

describe('profiles from DR_WORKSPACE_<NAME>_* app settings', () => {
  test('each <NAME> is a lower-case profile with host, auth, token, client id and resource id', () => {
    const c = load({
      DR_WORKSPACE_PRIMARY_HOST: 'https://adb-7777777777777777.7.azuredatabricks.net/',
      DR_WORKSPACE_PRIMARY_TOKEN: 'dapi77777777777777777777777777777777',
      DR_WORKSPACE_DR_SITE_HOST: 'adb-8888888888888888.8.azuredatabricks.net',
      DR_WORKSPACE_DR_SITE_AUTH: 'managed-identity',
      DR_WORKSPACE_DR_SITE_AZURE_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      DR_WORKSPACE_DR_SITE_AZURE_RESOURCE_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dr',
      DR_WORKSPACE_CLI_HOST: 'https://adb-1.1.azuredatabricks.net',
      DR_WORKSPACE_CLI_AUTH: 'azure-cli',
      DR_WORKSPACES: 'not a profile setting',
    });
    expect([...c.profiles.keys()].sort()).toEqual(['cli', 'dr_site', 'primary']);
    expect(c.profiles.get('primary')).toEqual({
      name: 'primary',
      host: 'https://adb-7777777777777777.7.azuredatabricks.net',
      auth: { type: 'pat', token: 'dapi77777777777777777777777777777777' },
      origin: 'app settings DR_WORKSPACE_PRIMARY_*',
    });
    expect(c.profiles.get('dr_site')).toEqual({
      name: 'dr_site',
      host: 'https://adb-8888888888888888.8.azuredatabricks.net',
      auth: { type: 'azure', method: 'managed-identity', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
      azureResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dr',
      origin: 'app settings DR_WORKSPACE_DR_SITE_*',
    });
    expect(c.profiles.get('cli')?.auth).toEqual({ type: 'azure', method: 'azure-cli' });
  });

  test('app settings replace a config-file profile of the same name', () => {
    const c = loadIni('[primary]\nhost = https://file.azuredatabricks.net\ntoken = dapi-from-file-000000\n', {
      DR_WORKSPACE_PRIMARY_HOST: 'https://settings.azuredatabricks.net',
      DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-from-settings-00',
    });
    expect(c.profiles.get('primary')).toEqual({
      name: 'primary',
      host: 'https://settings.azuredatabricks.net',
      auth: { type: 'pat', token: 'dapi-from-settings-00' },
      origin: 'app settings DR_WORKSPACE_PRIMARY_*',
    });
  });

  test('problems name the app setting to fix', () => {
    const c = load({
      DR_WORKSPACE_NOHOST_TOKEN: 'dapi0000000000000000',
      DR_WORKSPACE_BADAUTH_HOST: 'https://adb-1.1.azuredatabricks.net',
      DR_WORKSPACE_BADAUTH_AUTH: 'oauth-m2m',
      DR_WORKSPACE_PATLESS_HOST: 'https://adb-2.2.azuredatabricks.net',
      DR_WORKSPACE_PATLESS_AUTH: 'pat',
    });
    expect(c.profiles.size).toBe(0);
    expect(c.profileProblems.get('nohost')).toEqual([
      {
        setting: 'DR_WORKSPACE_NOHOST_HOST',
        problem: 'profile "nohost" has no host.',
        fix: 'Set the workspace URL, e.g. host = https://adb-1234567890123456.7.azuredatabricks.net (app settings DR_WORKSPACE_NOHOST_*).',
      },
    ]);
    expect(c.profileProblems.get('badauth')).toEqual([
      {
        setting: 'DR_WORKSPACE_BADAUTH_AUTH',
        problem: 'unknown authentication "oauth-m2m".',
        fix: 'Use one of: pat, managed-identity, msi, azure-msi, default, client-secret, azure-client-secret, azure-cli.',
      },
    ]);
    expect(c.profileProblems.get('patless')).toEqual([
      {
        setting: 'DR_WORKSPACE_PATLESS_TOKEN',
        problem: 'profile "patless" uses a personal access token but has none.',
        fix: 'Create a token in the workspace (User settings > Developer > Access tokens) and set it, or use Entra ID.',
      },
    ]);
  });

  test('a client-secret profile from app settings gets a fix that names app settings, not config-file keys', () => {
    // settings.ts documents DR_WORKSPACE_<NAME>_AUTH=client-secret, so its fix must be actionable in app settings.
    const c = load({
      DR_WORKSPACE_SP_HOST: 'https://adb-1.1.azuredatabricks.net',
      DR_WORKSPACE_SP_AUTH: 'client-secret',
      DR_WORKSPACE_SP_AZURE_CLIENT_ID: 'c',
    });
    const problems = c.profileProblems.get('sp') ?? [];
    expect(problems).toHaveLength(1);
    expect(problems[0]?.setting).toBe('DR_WORKSPACE_SP_AZURE_CLIENT_SECRET');
    expect(problems[0]?.fix).toMatch(/DR_WORKSPACE_SP_/);
  });
});

describe('DATABRICKS_HOST / DATABRICKS_TOKEN', () => {
  test('define the profile DEFAULT', () => {
    const c = load({
      DATABRICKS_HOST: 'adb-1234567890123456.7.azuredatabricks.net',
      DATABRICKS_TOKEN: 'dapi12345678901234567890123456789012',
    });
    expect(c.profiles.get('DEFAULT')).toEqual({
      name: 'DEFAULT',
      host: 'https://adb-1234567890123456.7.azuredatabricks.net',
      auth: { type: 'pat', token: 'dapi12345678901234567890123456789012' },
      origin: 'DATABRICKS_HOST / DATABRICKS_TOKEN',
    });
    expect([...c.profiles.keys()]).toEqual(['DEFAULT']);
  });

  test('a host without a token is a managed-identity DEFAULT; a token without a host defines nothing', () => {
    expect(load({ DATABRICKS_HOST: 'https://adb-1.1.azuredatabricks.net' }).profiles.get('DEFAULT')?.auth).toEqual({
      type: 'azure',
      method: 'managed-identity',
    });
    expect(load({ DATABRICKS_TOKEN: 'dapi0000000000000000' }).profiles.size).toBe(0);
  });

  test('a [DEFAULT] section in the config file wins over the environment', () => {
    const c = loadIni('[DEFAULT]\nhost = https://file.azuredatabricks.net\ntoken = dapi-file-0000000000\n', {
      DATABRICKS_HOST: 'https://env.azuredatabricks.net',
      DATABRICKS_TOKEN: 'dapi-env-00000000000',
    });
    expect(c.profiles.get('DEFAULT')?.host).toBe('https://file.azuredatabricks.net');
    expect(c.profiles.get('DEFAULT')?.origin).toBe(`${CFG} [DEFAULT]`);
  });

  test('a bad DATABRICKS_HOST is a problem of DEFAULT that names DATABRICKS_HOST', () => {
    const c = load({ DATABRICKS_HOST: 'https://adb 1.azuredatabricks.net', DATABRICKS_TOKEN: 'dapi0000000000000000' });
    expect(c.profiles.size).toBe(0);
    expect(c.profileProblems.get('DEFAULT')).toEqual([
      {
        setting: 'DATABRICKS_HOST',
        problem: '"https://adb 1.azuredatabricks.net" is not a URL.',
        fix: 'Use the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net',
      },
    ]);
  });
});

describe('requireProfile', () => {
  test('a missing profile lists the configured ones and how to add it', () => {
    const c = loadIni('[primary]\nhost = https://p.azuredatabricks.net\ntoken = dapi0000000000000000\n', {
      DR_WORKSPACE_SECONDARY_HOST: 'https://s.azuredatabricks.net',
      DATABRICKS_HOST: 'https://d.azuredatabricks.net',
    });
    const e = configError(() => requireProfile(c, 'tertiary'));
    expect(e.problems).toEqual([
      {
        setting: 'profile "tertiary"',
        problem: 'it does not exist; configured profiles: primary, secondary, DEFAULT.',
        fix:
          'Add a [tertiary] section with host and token to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), ' +
          'or set DR_WORKSPACE_TERTIARY_HOST and its auth settings.',
      },
    ]);
    expect(e.message).toBe(
      'The configuration has 1 problem:\n  1. profile "tertiary": it does not exist; configured profiles: primary, secondary, DEFAULT.\n' +
        '     Fix: Add a [tertiary] section with host and token to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), ' +
        'or set DR_WORKSPACE_TERTIARY_HOST and its auth settings.',
    );
  });

  test('with no profiles at all it says so', () => {
    const e = configError(() => requireProfile(load({}), 'primary'));
    expect(e.problems).toEqual([
      {
        setting: 'profile "primary"',
        problem: 'no workspace profiles are configured.',
        fix:
          'Add a [primary] section with host and token to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE), ' +
          'or set DR_WORKSPACE_PRIMARY_HOST and its auth settings.',
      },
    ]);
  });

  test('a broken profile is reported only when it is required', () => {
    const c = loadIni(
      [
        '[good]',
        'host = https://good.azuredatabricks.net',
        'token = dapi0000000000000000',
        '[nohost]',
        'token = dapi1111111111111111',
        '[patless]',
        'host = https://patless.azuredatabricks.net',
        'auth_type = pat',
        '[sp]',
        'host = https://sp.azuredatabricks.net',
        'auth_type = azure-client-secret',
        'azure_client_id = 12121212-3434-5656-7878-909090909090',
        'azure_client_secret = sp-secret-value-do-not-print',
        '[badhost]',
        'host = https://bad host.azuredatabricks.net',
        'token = dapi2222222222222222',
        '',
      ].join('\n'),
    );
    // loadConfig itself succeeded, and the good profile is usable.
    expect([...c.profiles.keys()]).toEqual(['good']);
    expect(requireProfile(c, 'good').host).toBe('https://good.azuredatabricks.net');
    expect([...c.profileProblems.keys()]).toEqual(['nohost', 'patless', 'sp', 'badhost']);

    expect(configError(() => requireProfile(c, 'nohost')).problems).toEqual([
      {
        setting: `${CFG} [nohost] host`,
        problem: 'profile "nohost" has no host.',
        fix: `Set the workspace URL, e.g. host = https://adb-1234567890123456.7.azuredatabricks.net (${CFG} [nohost]).`,
      },
    ]);
    expect(configError(() => requireProfile(c, 'patless')).problems).toEqual([
      {
        setting: `${CFG} [patless] token`,
        problem: 'profile "patless" uses a personal access token but has none.',
        fix: 'Create a token in the workspace (User settings > Developer > Access tokens) and set it, or use Entra ID.',
      },
    ]);
    const sp = configError(() => requireProfile(c, 'sp'));
    expect(sp.problems).toEqual([
      {
        setting: `${CFG} [sp] azure_client_secret`,
        problem: 'profile "sp" uses a service principal secret but lacks azure_tenant_id.',
        fix: 'Set azure_tenant_id, azure_client_id and azure_client_secret, or use a managed identity.',
      },
    ]);
    expect(sp.message).not.toContain('sp-secret-value-do-not-print');
    expect(configError(() => requireProfile(c, 'badhost')).problems).toEqual([
      {
        setting: `${CFG} [badhost] host`,
        problem: '"https://bad host.azuredatabricks.net" is not a URL.',
        fix: 'Use the workspace URL, e.g. https://adb-1234567890123456.7.azuredatabricks.net',
      },
    ]);
  });

  test('a client-secret profile lacking everything names all three fields', () => {
    const c = loadIni('[sp]\nhost = https://sp.azuredatabricks.net\nauth_type = client-secret\n');
    expect(c.profileProblems.get('sp')?.[0]?.problem).toBe(
      'profile "sp" uses a service principal secret but lacks azure_client_id, azure_tenant_id, azure_client_secret.',
    );
  });

  test('auth_type names that are Object.prototype members are unknown authentications', () => {
    const c = loadIni(
      '[a]\nhost = https://a.azuredatabricks.net\nauth_type = constructor\n' +
        '[b]\nhost = https://b.azuredatabricks.net\nauth_type = toString\n',
    );
    expect(c.profiles.has('a')).toBe(false);
    expect(c.profiles.has('b')).toBe(false);
    expect(c.profileProblems.get('a')?.[0]?.problem).toBe('unknown authentication "constructor".');
    expect(c.profileProblems.get('b')?.[0]?.problem).toBe('unknown authentication "toString".');
  });
});

describe('DR_RATE_LIMITS', () => {
  test('overrides named families, adds new ones and sets the defaults, without touching DEFAULT_RATE_LIMITS', () => {
    const before = JSON.stringify(DEFAULT_RATE_LIMITS);
    const c = load({
      DR_RATE_LIMITS:
        '{"workspace.export": 40, "custom.family": 2.5, "defaultRead": 50, "defaultWrite": 10, "maxConcurrency": 4, "utilization": 0.8}',
    });
    expect(c.rateLimits).toEqual({
      families: { ...DEFAULT_RATE_LIMITS.families, 'workspace.export': 40, 'custom.family': 2.5 },
      defaultRead: 50,
      defaultWrite: 10,
      maxConcurrency: 4,
      utilization: 0.8,
    });
    expect(load({ DR_RATE_LIMITS: '{"utilization": 1}' }).rateLimits.utilization).toBe(1);
    expect(load({ DR_RATE_LIMITS: '{"dbfs": 10}' }).rateLimits.utilization).toBe(0.95);
    expect(JSON.stringify(DEFAULT_RATE_LIMITS)).toBe(before);
    // A second load starts from the defaults again: no named family (the kinds add theirs, see withKindLimits).
    expect(load({}).rateLimits.families).toEqual({});
  });

  test.each(['{workspace.export: 40}', '[1, 2]', '40', 'null', '"fast"'])('%s is not a JSON object', (raw) => {
    const e = configError(() => load({ DR_RATE_LIMITS: raw }));
    expect(e.problems).toEqual([
      { setting: 'DR_RATE_LIMITS', problem: 'it is not a JSON object.', fix: 'e.g. {"workspace.export": 40, "permissions.read": 80}' },
    ]);
  });

  test('a utilization above 1 is refused', () => {
    const e = configError(() => load({ DR_RATE_LIMITS: '{"utilization": 1.2}' }));
    expect(e.problems).toEqual([
      {
        setting: 'DR_RATE_LIMITS',
        problem: "utilization 1.2 is above 1, which would run above the workspace's limits.",
        fix: 'Use a fraction such as 0.95.',
      },
    ]);
  });

  test('every non-positive or non-numeric rate is its own problem', () => {
    const e = configError(() => load({ DR_RATE_LIMITS: '{"dbfs": -1, "secrets": "fast", "scim.read": 100, "maxConcurrency": 0}' }));
    expect(e.problems).toEqual([
      {
        setting: 'DR_RATE_LIMITS',
        problem: '"dbfs" must be a positive number of requests per second.',
        fix: 'e.g. {"workspace.export": 40}',
      },
      {
        setting: 'DR_RATE_LIMITS',
        problem: '"secrets" must be a positive number of requests per second.',
        fix: 'e.g. {"workspace.export": 40}',
      },
      {
        setting: 'DR_RATE_LIMITS',
        problem: '"maxConcurrency" must be a positive number of requests per second.',
        fix: 'e.g. {"workspace.export": 40}',
      },
    ]);
  });
});

describe('secrets never appear in ConfigError messages', () => {
  const TOKEN = 'dapi5ec2e75ec2e75ec2e75ec2e75ec2e7';
  const CLIENT_SECRET = 'Q8~client.secret_value-XYZ';
  const ACCOUNT_KEY = 'c2VjcmV0LWFjY291bnQta2V5LXZhbHVlLTEyMzQ1Ng==';

  const SECRET_PROFILES =
    `[sp]\nhost = https://sp.azuredatabricks.net\nauth_type = client-secret\nazure_client_secret = ${CLIENT_SECRET}\n` +
    `[tok]\ntoken = ${TOKEN}\n`;

  function assertClean(e: ConfigError): void {
    const everything = `${e.message}\n${JSON.stringify(e.problems)}`;
    for (const secret of [TOKEN, CLIENT_SECRET, ACCOUNT_KEY]) expect(everything).not.toContain(secret);
  }

  test('tokens, client secrets and the storage key stay out of every problem', () => {
    const e = configError(() =>
      loadIni(SECRET_PROFILES, {
        DR_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=drsnap;AccountKey=${ACCOUNT_KEY}`,
        DR_STORAGE_ACCOUNT_URL: 'https://drsnap.blob.core.windows.net',
        DATABRICKS_HOST: 'https://bad host',
        DATABRICKS_TOKEN: TOKEN,
        DR_WORKSPACE_X_TOKEN: TOKEN,
        DR_WORKSPACE_Y_HOST: 'https://y.azuredatabricks.net',
        DR_WORKSPACE_Y_AUTH: 'bogus',
        DR_WORKSPACE_Y_TOKEN: TOKEN,
        DR_CONTAINER: 'X',
      }),
    );
    expect(e.problems.map((p) => p.setting)).toEqual(['DR_STORAGE_CONNECTION_STRING / DR_STORAGE_ACCOUNT_URL', 'DR_CONTAINER']);
    assertClean(e);
    const c = loadIni(SECRET_PROFILES, {
      DATABRICKS_HOST: 'https://bad host',
      DATABRICKS_TOKEN: TOKEN,
      DR_WORKSPACE_X_TOKEN: TOKEN,
      DR_WORKSPACE_Y_HOST: 'https://y.azuredatabricks.net',
      DR_WORKSPACE_Y_AUTH: 'bogus',
      DR_WORKSPACE_Y_TOKEN: TOKEN,
    });
    for (const name of ['sp', 'tok', 'DEFAULT', 'x', 'y', 'missing']) assertClean(configError(() => requireProfile(c, name)));
  });

  test('a connection string pasted into DR_STORAGE_ACCOUNT_URL does not leak its account key', () => {
    const e = configError(() =>
      load({
        DR_STORAGE_ACCOUNT_URL:
          `DefaultEndpointsProtocol=https;AccountName=drsnap;AccountKey=${ACCOUNT_KEY};` + 'EndpointSuffix=core.windows.net',
      }),
    );
    expect(e.problems.map((p) => p.setting)).toEqual(['DR_STORAGE_ACCOUNT_URL']);
    assertClean(e);
  });
});

describe('loadConfig reads only settings declared in settings.ts', () => {
  test('undeclared names in the environment are ignored', () => {
    const c = load({
      DR_CONTAINR: 'typo-container',
      DR_RETENTION: '3',
      DR_STORAGE_URL: 'https://x.blob.core.windows.net',
      DR_WORKSPACE_PRIMARY_PASSWORD: 'x',
    });
    expect(c).toEqual(load({}));
  });

  test('every name config.ts passes to read/value is declared', () => {
    const source = readFileSync(resolve(here, '../../shared/config/config.ts'), 'utf8');
    const names = [...source.matchAll(/\b(?:read|value)\('([A-Z0-9_<>]+)'/g)].map((m) => m[1] as string);
    // The scan found the reads (it is not vacuous); every one of them is declared.
    expect(names).toEqual(
      expect.arrayContaining([
        'DR_STORAGE_CONNECTION_STRING',
        'DR_STORAGE_ACCOUNT_URL',
        'DR_CONTAINER',
        'DR_STORAGE_CLIENT_ID',
        'DR_BACKUP_SCHEDULE',
        'DR_INCLUDE_KINDS',
        'DR_EXCLUDE_KINDS',
        'DR_EXCLUDE_PATHS',
        'DR_DBFS_PREFIXES',
        'DR_MOUNT_DISCOVERY_CLUSTER_ID',
        'DR_BACKUP_SOURCE',
        'DR_BACKUP_TIME_BUDGET_SECONDS',
        'DR_RETENTION_COUNT',
        'DR_RETENTION_DAYS',
        'DR_DBFS_MAX_FILE_MB',
        'DR_PERMISSIONS_REFRESH_RUNS',
        'DR_RATE_LIMITS',
        'DR_LOG_LEVEL',
        'DATABRICKS_CONFIG_FILE',
        'DATABRICKS_HOST',
        'DATABRICKS_TOKEN',
      ]),
    );
    const declared = new Set<string>(SETTINGS.map((s) => s.name));
    for (const n of names) expect(declared.has(n)).toBe(true);
  });

  test('read() refuses a name that settings.ts does not declare', async () => {
    // Load config.ts against a settings table without DR_CONTAINER: the guard in read() must fire.
    let thrown: unknown;
    await jest.isolateModulesAsync(async () => {
      jest.unstable_mockModule('../../shared/config/settings.js', () => ({ SETTINGS: SETTINGS.filter((s) => s.name !== 'DR_CONTAINER') }));
      const isolated = await import('../../shared/config/config.js');
      try {
        isolated.loadConfig({}, { readFile: () => undefined });
      } catch (error) {
        thrown = error;
      }
    });
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe('internal: setting DR_CONTAINER is not declared in settings.ts');
    // The statically imported module is unaffected.
    expect(load({}).storage.container).toBe('databricks-dr');
  });
});
