// databricks-dr: the disaster-recovery control plane for two Azure Databricks workspaces.
//
// Everything here goes to ONE region, `location`, which must be the DR (secondary) region:
// the function app, its storage, the Service Bus queues and the snapshot account must keep
// working while the primary region is down. See infra/README.md for parameters and steps.
targetScope = 'subscription'

// ---- azd

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Used in resource names and in the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('The DR region: where the secondary workspace runs, NOT the primary workspace\'s region. The control plane must survive an outage of the primary region. The region must offer Flex Consumption and RA-GZRS storage.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person or pipeline running the deployment (azd fills in AZURE_PRINCIPAL_ID). It gets Storage Blob Data Contributor on the snapshot account so the CLI can run a failover from a workstation when the function app cannot. Empty: no role.')
param principalId string = ''

// ---- The two workspaces

@description('URL of the primary workspace, e.g. https://adb-1234567890123456.7.azuredatabricks.net (app setting DR_WORKSPACE_PRIMARY_HOST).')
param primaryWorkspaceUrl string

@description('URL of the secondary (DR) workspace (app setting DR_WORKSPACE_SECONDARY_HOST).')
param secondaryWorkspaceUrl string

@description('Azure resource id of the primary workspace. Set it only when the managed identity is not added to the workspace and has Contributor on the workspace resource instead (see infra/README.md).')
param primaryWorkspaceResourceId string = ''

@description('Azure resource id of the secondary workspace; same rule as primaryWorkspaceResourceId.')
param secondaryWorkspaceResourceId string = ''

// ---- Backup and failover

@description('NCRONTAB schedule of the backup timer: six fields, UTC (app setting DR_BACKUP_SCHEDULE).')
param backupSchedule string = '0 */15 * * * *'

@minValue(1)
@maxValue(10080)
@description('Recovery point objective in minutes: the status API flags the last good snapshot when it is older (app setting DR_RPO_MINUTES).')
param rpoMinutes int = 30

@description('JSON mappings for the DR region: node types, storage accounts, Key Vaults, mounts (app setting DR_FAILOVER_MAPPINGS; see the README, "Failover mappings"). Empty: none.')
param failoverMappings string = ''

@description('Service Bus queue of failover commands (app setting DR_FAILOVER_QUEUE).')
param failoverQueueName string = 'databricks-dr-failover'

@description('Service Bus queue of on-demand backups (app setting DR_BACKUP_QUEUE).')
param backupQueueName string = 'databricks-dr-backup'

// ---- Snapshot storage

@description('Blob container for snapshots (app setting DR_CONTAINER).')
param snapshotContainerName string = 'databricks-dr'

@minValue(1)
@maxValue(365)
@description('Days that deleted blobs, deleted blob versions and deleted containers can be recovered. Overwritten versions are kept as previous versions until something deletes them.')
param softDeleteDays int = 14

@description('Create the snapshot storage account with version-level immutability (WORM) and a default, unlocked time-based retention of immutabilityDays for every blob version. Overwrites still work (each makes a new version); deletes of versions younger than the retention are refused, which the app tolerates (retention keeps them until a later prune). Azure accepts this only when the account is created, and it cannot be turned off afterwards; read "Immutability" in infra/README.md first.')
param enableImmutability bool = false

@minValue(1)
@maxValue(146000)
@description('Days each blob version cannot be deleted (counted from when the version was written) when enableImmutability is true.')
param immutabilityDays int = 7

// ---- Alerts

@description('Name of the example Service Health alert rule. Its alerts queue a failover when DR_ALERT_RULES names it.')
param exampleAlertRuleName string = 'databricks-primary-region-outage'

@description('Comma-separated alert rule names whose Fired alerts queue a failover (app setting DR_ALERT_RULES). Empty: alerts are acknowledged, nothing is queued.')
param alertRuleNames string = exampleAlertRuleName

@allowed([
  'failover'
  'dry-run'
])
@description('What a Fired alert of a listed rule queues: failover, or dry-run (a plan only) (app setting DR_ALERT_ACTION).')
param alertAction string = 'failover'

@description('Create the example action group and Service Health alert rule.')
param enableExampleAlert bool = true

@description('Region of the primary workspace as Service Health names it, e.g. "East US 2" (display name, not eastus2). Used by the example alert only.')
param primaryRegion string

@description('Service name that Service Health uses for Azure Databricks.')
param serviceHealthServiceName string = 'Azure Databricks'

// ---- Function app scale

@minValue(1)
@maxValue(1000)
@description('Most instances the function app scales out to.')
param maximumInstanceCount int = 40

@allowed([
  2048
  4096
])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

// ---- Names

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-dr-${resourceToken}'
var names = {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-dr-${resourceToken}'
  logAnalytics: 'log-dr-${resourceToken}'
  appInsights: 'appi-dr-${resourceToken}'
  hostStorage: 'st${resourceToken}'
  snapshotStorage: 'stdr${resourceToken}'
  serviceBus: 'sb-dr-${resourceToken}'
  plan: 'plan-dr-${resourceToken}'
  deploymentContainer: 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
  actionGroup: 'ag-dr-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    hostStorageName: names.hostStorage
    deploymentContainerName: names.deploymentContainer
    snapshotStorageName: names.snapshotStorage
    snapshotContainerName: snapshotContainerName
    softDeleteDays: softDeleteDays
    enableImmutability: enableImmutability
    immutabilityDays: immutabilityDays
    location: location
    tags: tags
  }
}

module serviceBus 'app/serviceBus.bicep' = {
  name: 'serviceBus'
  scope: rg
  params: {
    name: names.serviceBus
    queueNames: [
      failoverQueueName
      backupQueueName
    ]
    location: location
    tags: tags
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    hostStorageName: storage.outputs.hostStorageName
    snapshotStorageName: storage.outputs.snapshotStorageName
    serviceBusName: serviceBus.outputs.name
    failoverQueueName: failoverQueueName
    backupQueueName: backupQueueName
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module functionApp 'app/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostBlobEndpoint: storage.outputs.hostBlobEndpoint
    deploymentContainerName: names.deploymentContainer
    snapshotBlobEndpoint: storage.outputs.snapshotBlobEndpoint
    snapshotContainerName: snapshotContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    serviceBusHost: serviceBus.outputs.host
    failoverQueueName: failoverQueueName
    backupQueueName: backupQueueName
    primaryWorkspaceUrl: primaryWorkspaceUrl
    secondaryWorkspaceUrl: secondaryWorkspaceUrl
    primaryWorkspaceResourceId: primaryWorkspaceResourceId
    secondaryWorkspaceResourceId: secondaryWorkspaceResourceId
    backupSchedule: backupSchedule
    rpoMinutes: rpoMinutes
    failoverMappings: failoverMappings
    alertRuleNames: alertRuleNames
    alertAction: alertAction
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The host reads its storage and the deployment package with the identity: grant first.
  dependsOn: [
    rbac
  ]
}

module alerts 'app/alerts.bicep' = if (enableExampleAlert) {
  name: 'alerts'
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    actionGroupName: names.actionGroup
    alertRuleName: exampleAlertRuleName
    primaryRegion: primaryRegion
    serviceHealthServiceName: serviceHealthServiceName
    tags: tags
  }
}

// ---- Outputs (azd stores them in .azure/<environment>/.env)

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
@description('Client (application) id of the managed identity: add it to both Databricks workspaces.')
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('Object (principal) id of the managed identity, for az role assignment create.')
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output SNAPSHOT_STORAGE_ACCOUNT_NAME string = storage.outputs.snapshotStorageName
output SNAPSHOT_STORAGE_BLOB_ENDPOINT string = storage.outputs.snapshotBlobEndpoint
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.name
output SERVICEBUS_HOST string = serviceBus.outputs.host
