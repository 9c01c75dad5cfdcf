import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SETTINGS } from '../../shared/config/settings.js';

// The deployment (infra/, azure.yaml) cannot be compiled here (no Bicep CLI), so these tests
// read the Bicep as text and check what the code depends on: the app settings against
// shared/config/settings.ts in both directions, the trigger bindings, the queues, the storage.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The workspace profiles the deployment defines with DR_WORKSPACE_<NAME>_* settings. */
const WORKSPACES = ['PRIMARY', 'SECONDARY'];

/**
 * App settings in the Bicep that our code does not read, so settings.ts does not list them:
 * the Functions host and the platform read them. Each one says who reads it.
 */
const PLATFORM_SETTINGS: Record<string, string> = {
  AzureWebJobsStorage__credential: 'Functions host: AzureWebJobsStorage through a managed identity.',
  AzureWebJobsStorage__clientId: 'Functions host: which user-assigned identity to use for AzureWebJobsStorage.',
  AzureWebJobsStorage__blobServiceUri: 'Functions host: blob endpoint of AzureWebJobsStorage (timer locks, keys).',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'Functions host: where telemetry goes (not a secret with local auth off).',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Functions host: send telemetry with Microsoft Entra ID (the identity).',
  DR_SERVICEBUS__credential: "Functions host's Service Bus extension: the trigger's DR_SERVICEBUS connection uses a managed identity.",
};

/**
 * Settings whose deployed value differs on purpose from the default in settings.ts.
 * Every other deployed value that the test can work out must equal the default.
 */
const DEPLOYED_DIFFERENTLY: Record<string, string> = {
  'DR_WORKSPACE_<NAME>_AUTH': 'The deployment always authenticates with its managed identity.',
  DR_ALERT_RULES: 'The deployment creates an example alert rule and names it here.',
};

/** Azure built-in role definition ids the deployment uses (the same in every tenant). */
const BUILT_IN_ROLES: Record<string, string> = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

interface AppSetting {
  name: string;
  /** The Bicep expression, as written. */
  value: string;
}

/** The `var appSettings = [ ... ]` list: one `{ name: '...', value: ... }` per line. */
function parseAppSettings(bicep: string): AppSetting[] {
  const block = /^var appSettings = \[\n([\s\S]*?)\n\]$/m.exec(bicep)?.[1];
  if (block === undefined) throw new Error('infra/app/functionApp.bicep has no `var appSettings = [ ... ]` block');
  const settings: AppSetting[] = [];
  for (const line of block.split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('//')) continue;
    const m = /^\{ name: '([A-Za-z0-9_]+)', value: (.+) \}$/.exec(text);
    // A line the parser does not understand would silently drop a setting: fail instead.
    if (!m) throw new Error(`cannot parse app setting line: ${text}`);
    settings.push({ name: m[1] as string, value: m[2] as string });
  }
  return settings;
}

/** Settings.ts names, with <NAME> patterns instantiated for every deployed workspace. */
function instantiate(name: string): string[] {
  return name.includes('<NAME>') ? WORKSPACES.map((w) => name.replace('<NAME>', w)) : [name];
}

/** The text of a single-quoted Bicep string literal, or undefined for any other expression. */
function literal(expression: string): string | undefined {
  const m = /^'((?:[^'\\]|\\.)*)'$/.exec(expression.trim());
  if (!m || (m[1] as string).includes('${')) return undefined;
  return (m[1] as string).replace(/\\(.)/g, '$1');
}

/** `param name type = default` declarations of a Bicep file: name -> default expression (or undefined). */
function params(bicep: string): Map<string, string | undefined> {
  const map = new Map<string, string | undefined>();
  for (const m of bicep.matchAll(/^param (\w+) (?:string|int|bool|array|object)(?: = (.+))?$/gm)) map.set(m[1] as string, m[2]?.trim());
  return map;
}

/** The `{ ... }` body of `resource <symbol> '...' = ...` or `module <symbol> '...' = ...`. */
function body(bicep: string, kind: 'resource' | 'module', symbol: string): string {
  const start = bicep.search(new RegExp(`^${kind} ${symbol} '`, 'm'));
  if (start < 0) throw new Error(`${kind} ${symbol} not found`);
  const open = bicep.indexOf('{', bicep.indexOf(' = ', start));
  let depth = 0;
  for (let i = open; i < bicep.length; i++) {
    if (bicep[i] === '{') depth++;
    else if (bicep[i] === '}' && --depth === 0) return bicep.slice(open, i + 1);
  }
  throw new Error(`${kind} ${symbol} has unbalanced braces`);
}

/** `key: expression` lines directly inside a module's `params: { ... }` block. */
function moduleParams(moduleBody: string): Map<string, string> {
  const block = /\n {2}params: \{\n([\s\S]*?)\n {2}\}/.exec(moduleBody)?.[1] ?? '';
  return new Map([...block.matchAll(/^ {4}(\w+): (.+)$/gm)].map((m) => [m[1] as string, (m[2] as string).trim()]));
}

const mainBicep = read('infra/main.bicep');
const functionAppBicep = read('infra/app/functionApp.bicep');
const appSettings = parseAppSettings(functionAppBicep);
const deployed = new Map(appSettings.map((s) => [s.name, s.value]));
const mainParams = params(mainBicep);
const functionAppModule = moduleParams(body(mainBicep, 'module', 'functionApp'));

/**
 * The value a deployment gets when nobody overrides a parameter: string literals, main.bicep
 * parameter defaults (following the module's params and one level of `param a = b`), and
 * string(). Undefined when the value is only known in Azure (an id, an endpoint).
 */
function deployedDefault(expression: string, scope: 'functionApp' | 'main' = 'functionApp', depth = 0): string | undefined {
  if (depth > 5) return undefined;
  const text = expression.trim();
  const lit = literal(text);
  if (lit !== undefined) return lit;
  if (/^-?\d+$/.test(text) || text === 'true' || text === 'false') return text;
  const str = /^string\((\w+)\)$/.exec(text);
  if (str) return deployedDefault(str[1] as string, scope, depth + 1);
  if (!/^\w+$/.test(text)) return undefined;
  if (scope === 'functionApp') {
    const passed = functionAppModule.get(text);
    return passed === undefined ? undefined : deployedDefault(passed, 'main', depth + 1);
  }
  const fallback = mainParams.get(text);
  return fallback === undefined ? undefined : deployedDefault(fallback, 'main', depth + 1);
}

/** Files under infra/, recursively, with their text. */
function infraFiles(dir = 'infra'): { path: string; text: string }[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? infraFiles(`${dir}/${e.name}`) : [{ path: `${dir}/${e.name}`, text: read(`${dir}/${e.name}`) }],
  );
}

const bicepFiles = infraFiles().filter((f) => f.path.endsWith('.bicep'));

describe('infra: app settings', () => {
  test('the parser finds the whole list, without duplicates', () => {
    // A broken parser must not pass the checks below by finding nothing.
    expect(appSettings.length).toBeGreaterThan(20);
    expect(new Set(appSettings.map((s) => s.name)).size).toBe(appSettings.length);
    expect(deployed.get('DR_WORKSPACE_PRIMARY_HOST')).toBe('primaryWorkspaceUrl');
  });

  test('every setting the code reads is deployed, except those marked notDeployed', () => {
    const expected = SETTINGS.filter((s) => !('notDeployed' in s)).flatMap((s) => instantiate(s.name));
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.filter((name) => !deployed.has(name))).toEqual([]);
  });

  test('every deployed setting is one the code reads, or one the Functions host reads', () => {
    const known = new Set(SETTINGS.filter((s) => !('notDeployed' in s)).flatMap((s) => instantiate(s.name)));
    const unknown = appSettings.map((s) => s.name).filter((name) => !known.has(name) && !(name in PLATFORM_SETTINGS));
    expect(unknown).toEqual([]);
    // The allowlist stays honest: each entry is in the Bicep and is not a setting of the code.
    for (const name of Object.keys(PLATFORM_SETTINGS)) {
      expect(deployed.has(name)).toBe(true);
      expect(known.has(name)).toBe(false);
    }
  });

  test('settings marked notDeployed (keys, connection strings, local-only) are not deployed', () => {
    const notDeployed = SETTINGS.filter((s) => 'notDeployed' in s).flatMap((s) => instantiate(s.name));
    expect(notDeployed).toEqual(expect.arrayContaining(['DR_STORAGE_CONNECTION_STRING', 'DR_SERVICEBUS', 'DR_WORKSPACE_PRIMARY_TOKEN']));
    expect(notDeployed.filter((name) => deployed.has(name))).toEqual([]);
  });

  test('no setting holds a key, a connection string with a key, or a listKeys() result', () => {
    for (const { name, value } of appSettings) {
      expect({ name, value }).toEqual({
        name,
        value: expect.not.stringMatching(/AccountKey=|SharedAccessKey=|listKeys|listConnectionStrings|primaryKey|secondaryKey/i),
      });
    }
    expect(deployed.has('FUNCTIONS_WORKER_RUNTIME')).toBe(false); // Flex Consumption takes it from functionAppConfig.runtime
    expect(deployed.get('DR_SERVICEBUS__credential')).toBe("'managedidentity'");
    expect(deployed.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    for (const w of WORKSPACES) expect(deployed.get(`DR_WORKSPACE_${w}_AUTH`)).toBe("'managed-identity'");
  });

  test('deployed defaults equal the defaults in settings.ts', () => {
    let compared = 0;
    for (const spec of SETTINGS) {
      if ('notDeployed' in spec || spec.name in DEPLOYED_DIFFERENTLY) continue;
      for (const name of instantiate(spec.name)) {
        const value = deployedDefault(deployed.get(name) ?? '');
        if (value === undefined) continue; // only known in Azure, or a required parameter
        expect({ name, value }).toEqual({ name, value: 'default' in spec ? spec.default : '' });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  test('queue names default to the names in settings.ts', () => {
    for (const name of ['DR_FAILOVER_QUEUE', 'DR_BACKUP_QUEUE'] as const) {
      const spec = SETTINGS.find((s) => s.name === name);
      expect(spec && 'default' in spec ? spec.default : undefined).toBeDefined();
      expect(deployedDefault(deployed.get(name) ?? '')).toBe(spec && 'default' in spec ? spec.default : undefined);
    }
  });

  test('time budgets end before host.json functionTimeout', () => {
    const timeout = (JSON.parse(read('host.json')) as { functionTimeout: string }).functionTimeout;
    const [h, m, s] = timeout.split(':').map(Number) as [number, number, number];
    const timeoutSeconds = h * 3600 + m * 60 + s;
    for (const name of ['DR_BACKUP_TIME_BUDGET_SECONDS', 'DR_FAILOVER_TIME_BUDGET_SECONDS']) {
      const budget = Number(deployedDefault(deployed.get(name) ?? ''));
      expect(budget).toBeGreaterThan(0);
      expect(budget).toBeLessThan(timeoutSeconds);
    }
  });

  test('every %SETTING% binding expression and trigger connection in functions/ is deployed', () => {
    const sources = readdirSync(join(root, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => read(`functions/${f}`))
      .join('\n');
    const bindings = [...new Set([...sources.matchAll(/['"`]%([A-Za-z0-9_]+)%['"`]/g)].map((m) => m[1] as string))];
    // At least the backup schedule and the failover queue.
    expect(bindings).toEqual(expect.arrayContaining(['DR_BACKUP_SCHEDULE', 'DR_FAILOVER_QUEUE']));
    expect(bindings.filter((name) => !deployed.has(name))).toEqual([]);
    // An identity-based connection is a prefix: <prefix>__<property> settings, never <prefix> itself
    // (that would be a connection string).
    const connections = [...new Set([...sources.matchAll(/\bconnection: ['"`]([A-Za-z0-9_]+)['"`]/g)].map((m) => m[1] as string))];
    expect(connections).toContain('DR_SERVICEBUS');
    for (const prefix of connections) {
      expect({ prefix, identitySettings: appSettings.some((s) => s.name.startsWith(`${prefix}__`)) }).toEqual({
        prefix,
        identitySettings: true,
      });
      expect(deployed.has(prefix)).toBe(false);
    }
    expect(deployed.has('DR_SERVICEBUS__fullyQualifiedNamespace')).toBe(true);
  });
});

describe('infra: resources', () => {
  test('every Service Bus queue has duplicate detection, a small delivery count and a TTL', () => {
    const queues = bicepFiles.flatMap((f) =>
      [...f.text.matchAll(/^resource (\w+) 'Microsoft\.ServiceBus\/namespaces\/queues@[^']+' = (?!.*existing)/gm)].map((m) =>
        body(f.text, 'resource', m[1] as string),
      ),
    );
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      expect(queue).toMatch(/requiresDuplicateDetection: true/);
      const deliveries = Number(/maxDeliveryCount: (\d+)/.exec(queue)?.[1]);
      expect(deliveries).toBeGreaterThanOrEqual(1);
      expect(deliveries).toBeLessThanOrEqual(10);
      expect(queue).toMatch(/deadLetteringOnMessageExpiration: true/);
      expect(queue).toMatch(/defaultMessageTimeToLive: 'PT\d+[HM]'/);
    }
    // Both queues of the app are created by the one queue resource (a loop over queueNames).
    expect(body(mainBicep, 'module', 'serviceBus')).toMatch(/queueNames: \[\n\s+failoverQueueName\n\s+backupQueueName\n\s+\]/);
    const namespace = read('infra/app/serviceBus.bicep');
    expect(namespace).toMatch(/disableLocalAuth: true/);
    expect(namespace).toMatch(/name: 'Standard'/); // duplicate detection needs Standard or Premium
  });

  test('snapshots go to an RA-GZRS account with versioning and soft delete, no shared keys', () => {
    const storage = read('infra/app/storage.bicep');
    expect(body(storage, 'resource', 'snapshotStorage')).toMatch(/name: 'Standard_RAGZRS'/);
    const blobService = body(storage, 'resource', 'snapshotBlobService');
    expect(blobService).toMatch(/isVersioningEnabled: true/);
    expect(blobService).toMatch(/deleteRetentionPolicy: \{\n\s+enabled: true/);
    expect(blobService).toMatch(/containerDeleteRetentionPolicy: \{\n\s+enabled: true/);
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/allowBlobPublicAccess: false/);
    for (const f of bicepFiles)
      expect({ path: f.path, sharedKeys: /allowSharedKeyAccess: true/.test(f.text) }).toEqual({ path: f.path, sharedKeys: false });
    // DR_STORAGE_ACCOUNT_URL points at that account.
    expect(functionAppModule.get(deployed.get('DR_STORAGE_ACCOUNT_URL') ?? '')).toBe('storage.outputs.snapshotBlobEndpoint');
    expect(storage).toMatch(/^output snapshotBlobEndpoint string = snapshotStorage\.properties\.primaryEndpoints\.blob$/m);
  });

  test('immutability is version-level WORM on the snapshot account, never a container-level policy', () => {
    const storage = read('infra/app/storage.bicep');
    // A container-level time-based policy forbids the overwrites the app depends on
    // (checkpoint, run records, failover state, reports): no such resource anywhere.
    for (const f of bicepFiles)
      expect({ path: f.path, containerPolicy: /immutabilityPolicies@/.test(f.text) }).toEqual({ path: f.path, containerPolicy: false });
    // When enabled: account-level support with a default, unlocked, version-level retention.
    const block = /^var snapshotImmutability = enableImmutability \? \{\n([\s\S]*?)\n\} : \{\}$/m.exec(storage)?.[1];
    expect(block).toBeDefined();
    expect(block).toMatch(/immutableStorageWithVersioning: \{\n\s+enabled: true\n\s+immutabilityPolicy: \{/);
    expect(block).toMatch(/immutabilityPeriodSinceCreationInDays: immutabilityDays\n/);
    expect(block).toMatch(/state: 'Unlocked'\n/);
    expect(block).toMatch(/allowProtectedAppendWrites: false\n/);
    // Only the snapshot account gets it, and only through that variable (left out when off).
    expect(body(storage, 'resource', 'snapshotStorage')).toMatch(/\n {2}properties: union\(secureDefaults, snapshotImmutability\)\n/);
    expect(body(storage, 'resource', 'hostStorage')).not.toMatch(/immutab/i);
    const code = storage.replace(/^\s*\/\/.*$/gm, '');
    expect(code.match(/immutableStorageWithVersioning/g)?.length).toBe(1);
    // Version-level WORM needs blob versioning on the account.
    expect(body(storage, 'resource', 'snapshotBlobService')).toMatch(/isVersioningEnabled: true/);
    // Off unless asked for, and passed through from main.bicep unchanged.
    expect(mainParams.get('enableImmutability')).toBe('false');
    const storageModule = moduleParams(body(mainBicep, 'module', 'storage'));
    expect(storageModule.get('enableImmutability')).toBe('enableImmutability');
    expect(storageModule.get('immutabilityDays')).toBe('immutabilityDays');
    expect(params(storage).has('enableImmutability')).toBe(true);
    expect(params(storage).has('immutabilityDays')).toBe(true);
  });

  test('the function app runs on Flex Consumption with Node.js 20 as the user-assigned identity', () => {
    expect(body(functionAppBicep, 'resource', 'plan')).toMatch(/name: 'FC1'\n\s+tier: 'FlexConsumption'/);
    const site = body(functionAppBicep, 'resource', 'site');
    expect(site).toMatch(/kind: 'functionapp,linux'/);
    expect(site).toMatch(/runtime: \{\n\s+name: 'node'\n\s+version: '20'/);
    expect(site).toMatch(/type: 'UserAssigned'/);
    expect(site).toMatch(/'azd-service-name': 'api'/);
    expect(site).toMatch(/appSettings: appSettings/);
  });

  test('role assignments use the right built-in role ids', () => {
    const rbac = read('infra/app/rbac.bicep');
    const roles = /^var roles = \{\n([\s\S]*?)\n\}$/m.exec(rbac)?.[1] ?? '';
    const declared = Object.fromEntries(
      [...roles.matchAll(/^\s+(\w+): '([0-9a-f-]{36})'$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(declared).toEqual(BUILT_IN_ROLES);
    // No Owner, Contributor or Data Owner on Service Bus.
    expect(rbac).not.toMatch(
      /8e3af657-a8ff-443c-a75c-2fe8c4bcb635|b24988ac-6180-42a0-ab88-20f7382dd24c|090c5cfd-751d-490a-894a-3ce6f1109419/,
    );
  });

  test('main.parameters.json maps only parameters that main.bicep declares', () => {
    const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
    expect(Object.keys(file.parameters).filter((name) => !mainParams.has(name))).toEqual([]);
    expect(mainParams.get('enableImmutability')).toBe('false');
  });

  test('main.bicep gives azd the outputs it and the post-deployment steps need', () => {
    for (const output of [
      'AZURE_LOCATION',
      'AZURE_TENANT_ID',
      'AZURE_FUNCTION_APP_NAME',
      'SERVICE_API_NAME',
      'MANAGED_IDENTITY_CLIENT_ID',
      'MANAGED_IDENTITY_PRINCIPAL_ID',
      'SNAPSHOT_STORAGE_ACCOUNT_NAME',
      'SERVICEBUS_NAMESPACE',
    ]) {
      expect(mainBicep).toMatch(new RegExp(`^output ${output} string = `, 'm'));
    }
    expect(mainBicep).toMatch(/^targetScope = 'subscription'$/m);
  });

  test('azure.yaml deploys this folder as service api on Azure Functions', () => {
    const yaml = read('azure.yaml');
    const api = /^services:\n {2}api:\n((?: {4}.*\n|\s*\n)+)/m.exec(yaml)?.[1] ?? '';
    expect(api).toMatch(/^ {4}project: \.$/m);
    expect(api).toMatch(/^ {4}language: ts$/m);
    expect(api).toMatch(/^ {4}host: function$/m);
    expect(api).toMatch(/^ {4}remoteBuild: true$/m);
  });
});

describe('main.parameters.json', () => {
  // azd substitutes an unset variable with an empty string, which would override the
  // Bicep default (and break int and bool parameters): every parameter with a default
  // in main.bicep carries the same default in ${VAR=default}.
  const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
  const entries = Object.entries(file.parameters);

  test('names only parameters main.bicep declares', () => {
    expect(entries.length).toBeGreaterThan(8);
    for (const [name] of entries) expect([name, mainParams.has(name)]).toEqual([name, true]);
  });

  test('every optional parameter keeps its Bicep default when its azd variable is unset', () => {
    for (const [name, { value }] of entries) {
      const bicepDefault = mainParams.get(name);
      const m = /^\$\{(\w+)(?:=(.*))?\}$/.exec(value);
      if (!m || bicepDefault === undefined) continue;
      // Parameters defaulting to '' (optional ids) may stay empty; literal defaults are repeated exactly.
      const literalDefault = /^(\d+|true|false)$/.test(bicepDefault) ? bicepDefault : literal(bicepDefault);
      if (literalDefault === undefined || literalDefault === '') continue;
      expect([name, m[2]]).toEqual([name, literalDefault]);
    }
  });
});

test(
  'previous blob versions of the snapshot account are deleted by a lifecycle rule, ' + 'after the soft-delete window or the retention',
  () => {
    const storage = read('infra/app/storage.bicep');
    const policy =
      /resource \w+ 'Microsoft\.Storage\/storageAccounts\/managementPolicies@[\d-]+' = \{[\s\S]*?\n\}/.exec(storage)?.[0] ?? '';
    expect(policy).toContain('parent: snapshotStorage');
    expect(policy).toMatch(
      /version: \{\s*delete: \{\s*daysAfterCreationGreaterThan: max\(softDeleteDays, enableImmutability \? immutabilityDays \+ 1 : 0\)/,
    );
  },
);
