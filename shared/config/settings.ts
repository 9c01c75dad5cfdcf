/**
 * Every environment variable / app setting the product reads, in one table. The
 * config loader can read only names listed here, the README's settings table is
 * checked against it, and so is the Bicep that deploys the function app.
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
}

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
    description: 'Connection string of the snapshot storage account.',
    default: 'UseDevelopmentStorage=true (Azurite)',
    secret: true,
    notDeployed: 'A key; the deployment reaches storage with DR_STORAGE_ACCOUNT_URL and its managed identity.',
  },
  {
    name: 'DR_STORAGE_ACCOUNT_URL',
    description: 'Blob endpoint of the snapshot storage account, used with Microsoft Entra ID (managed identity in Azure).',
  },
  { name: 'DR_STORAGE_CLIENT_ID', description: 'Client id of the user-assigned managed identity for DR_STORAGE_ACCOUNT_URL.' },
  { name: 'DR_CONTAINER', description: 'Blob container for snapshots.', default: 'databricks-dr' },
  { name: 'DR_BACKUP_SOURCE', description: 'Profile the scheduled backup exports.', default: 'primary' },
  { name: 'DR_BACKUP_SCHEDULE', description: 'NCRONTAB schedule of the backup timer (six fields, UTC).', default: '0 */15 * * * *' },
  {
    name: 'DR_BACKUP_TIME_BUDGET_SECONDS',
    description: 'How long one backup invocation may run before it checkpoints and stops.',
    default: '1500',
  },
  { name: 'DR_RETENTION_COUNT', description: 'Snapshots always kept, newest first.', default: '96' },
  { name: 'DR_RETENTION_DAYS', description: 'Snapshots younger than this many days are kept too.', default: '7' },
  { name: 'DR_INCLUDE_KINDS', description: 'Comma-separated artifact kinds to back up (default: all).' },
  { name: 'DR_EXCLUDE_KINDS', description: 'Comma-separated artifact kinds to skip.' },
  { name: 'DR_EXCLUDE_PATHS', description: 'Comma-separated workspace path prefixes to skip (e.g. /Users/a@b.com/scratch).' },
  {
    name: 'DR_DBFS_PREFIXES',
    description: 'Comma-separated DBFS prefixes to back up, besides every DBFS path clusters, jobs and policies reference.',
    default: 'dbfs:/databricks/init-scripts',
  },
  { name: 'DR_DBFS_MAX_FILE_MB', description: 'Largest DBFS file backed up; larger ones are recorded as not captured.', default: '512' },
  {
    name: 'DR_PERMISSIONS_REFRESH_RUNS',
    description: 'Permissions of unchanged notebooks and files are re-read on a rolling basis: each at least every this many runs.',
    default: '8',
  },
  {
    name: 'DR_MOUNT_DISCOVERY_CLUSTER_ID',
    description: 'A running cluster used to read mount sources with dbutils.fs.mounts(); without it only mount points are recorded.',
  },
  { name: 'DR_RATE_LIMITS', description: 'JSON overrides of the per-family request rates, e.g. {"workspace.export": 40}.' },
  { name: 'DR_FAILOVER_SOURCE', description: 'Profile whose snapshots a failover replays.', default: 'primary' },
  { name: 'DR_FAILOVER_TARGET', description: 'Profile a failover restores into (the DR workspace).', default: 'secondary' },
  {
    name: 'DR_FAILOVER_MAPPINGS',
    description: 'JSON: node types, storage accounts, Key Vaults and mounts for the DR region (see "Failover mappings").',
  },
  {
    name: 'DR_FAILOVER_CONFLICT_POLICY',
    description: 'What a failover does with a target object that differs from the snapshot: update or report.',
    default: 'update',
  },
  {
    name: 'DR_FAILOVER_TIME_BUDGET_SECONDS',
    description: 'How long one failover invocation may run before it saves its progress and continues in a follow-up message.',
    default: '1500',
  },
  { name: 'DR_FAILOVER_QUEUE', description: 'Service Bus queue the failover function consumes.', default: 'databricks-dr-failover' },
  {
    name: 'DR_BACKUP_QUEUE',
    description: 'Service Bus queue of on-demand backups (POST /api/backup), consumed by the backup queue function.',
    default: 'databricks-dr-backup',
  },
  {
    name: 'DR_ALERT_RULES',
    description:
      'Comma-separated Azure Monitor alert rule names whose Fired alerts (POST /api/alerts) queue a failover; * for any rule. Empty: alerts are acknowledged, nothing is queued.',
  },
  {
    name: 'DR_ALERT_ACTION',
    description:
      'What a Fired alert of a configured rule queues: failover (replay into the DR workspace, schedules stay paused) or dry-run (a plan only).',
    default: 'failover',
  },
  {
    name: 'DR_ALERT_MAX_AGE_MINUTES',
    description: 'A Fired alert older than this (a late retry or a replay) is acknowledged without queueing anything.',
    default: '60',
  },
  {
    name: 'DR_RPO_MINUTES',
    description: 'Recovery point objective: the status API and page flag the last good snapshot when it is older than this.',
    default: '30',
  },
  {
    name: 'DR_SERVICEBUS',
    description: 'Connection string of the Service Bus namespace (local runs and tests; in Azure use the identity-based settings below).',
    secret: true,
    notDeployed: 'A key; the deployment uses DR_SERVICEBUS__fullyQualifiedNamespace and its managed identity.',
  },
  {
    name: 'DR_SERVICEBUS__fullyQualifiedNamespace',
    description: 'Service Bus namespace host (<name>.servicebus.windows.net), reached with the managed identity.',
  },
  { name: 'DR_SERVICEBUS__clientId', description: 'Client id of the user-assigned managed identity used for Service Bus.' },
  { name: 'DR_LOG_LEVEL', description: 'debug, info, warn or error.', default: 'info' },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof SETTINGS)[number]['name'];
