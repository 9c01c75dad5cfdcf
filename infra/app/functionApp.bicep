// The function app on a Flex Consumption plan (Linux, Node.js 20), running as the
// user-assigned managed identity, with every app setting the code reads.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param hostBlobEndpoint string
param deploymentContainerName string
param snapshotBlobEndpoint string
param snapshotContainerName string
param appInsightsConnectionString string
param serviceBusHost string
param failoverQueueName string
param backupQueueName string
param primaryWorkspaceUrl string
param secondaryWorkspaceUrl string
param primaryWorkspaceResourceId string
param secondaryWorkspaceResourceId string
param backupSchedule string
param rpoMinutes int
param failoverMappings string
param alertRuleNames string
param alertAction string
param maximumInstanceCount int
param instanceMemoryMB int

// Every app setting, in one list. test/unit/infra.test.ts checks it against
// shared/config/settings.ts in both directions: keep one `{ name: '...', value: ... }` per line.
// Empty values mean "not set" to the app (loadConfig treats blank settings as unset).
// No keys or connection strings: storage, Service Bus and Databricks use the managed identity.
var appSettings = [
  // Functions host: AzureWebJobsStorage through the identity, blob only (timer locks, keys).
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: hostBlobEndpoint }
  // Application Insights with Microsoft Entra authentication (local auth is off).
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }

  // Workspaces: profile "primary" (backed up) and profile "secondary" (restored into).
  { name: 'DR_WORKSPACE_PRIMARY_HOST', value: primaryWorkspaceUrl }
  { name: 'DR_WORKSPACE_PRIMARY_AUTH', value: 'managed-identity' }
  { name: 'DR_WORKSPACE_PRIMARY_AZURE_CLIENT_ID', value: identityClientId }
  { name: 'DR_WORKSPACE_PRIMARY_AZURE_RESOURCE_ID', value: primaryWorkspaceResourceId }
  { name: 'DR_WORKSPACE_SECONDARY_HOST', value: secondaryWorkspaceUrl }
  { name: 'DR_WORKSPACE_SECONDARY_AUTH', value: 'managed-identity' }
  { name: 'DR_WORKSPACE_SECONDARY_AZURE_CLIENT_ID', value: identityClientId }
  { name: 'DR_WORKSPACE_SECONDARY_AZURE_RESOURCE_ID', value: secondaryWorkspaceResourceId }

  // Snapshot storage, reached with the identity.
  { name: 'DR_STORAGE_ACCOUNT_URL', value: snapshotBlobEndpoint }
  { name: 'DR_STORAGE_CLIENT_ID', value: identityClientId }
  { name: 'DR_CONTAINER', value: snapshotContainerName }

  // Backup.
  { name: 'DR_BACKUP_SOURCE', value: 'primary' }
  { name: 'DR_BACKUP_SCHEDULE', value: backupSchedule }
  // Below host.json functionTimeout (30 minutes), so a run checkpoints before it is killed.
  { name: 'DR_BACKUP_TIME_BUDGET_SECONDS', value: '1500' }
  { name: 'DR_RETENTION_COUNT', value: '96' }
  { name: 'DR_RETENTION_DAYS', value: '7' }
  { name: 'DR_INCLUDE_KINDS', value: '' }
  { name: 'DR_EXCLUDE_KINDS', value: '' }
  { name: 'DR_EXCLUDE_PATHS', value: '' }
  { name: 'DR_DBFS_PREFIXES', value: 'dbfs:/databricks/init-scripts' }
  { name: 'DR_DBFS_MAX_FILE_MB', value: '512' }
  { name: 'DR_PERMISSIONS_REFRESH_RUNS', value: '8' }
  { name: 'DR_MOUNT_DISCOVERY_CLUSTER_ID', value: '' }
  { name: 'DR_RATE_LIMITS', value: '' }

  // Failover.
  { name: 'DR_FAILOVER_SOURCE', value: 'primary' }
  { name: 'DR_FAILOVER_TARGET', value: 'secondary' }
  { name: 'DR_FAILOVER_MAPPINGS', value: failoverMappings }
  { name: 'DR_FAILOVER_CONFLICT_POLICY', value: 'update' }
  // Below host.json functionTimeout (30 minutes); a longer failover continues in a follow-up message.
  { name: 'DR_FAILOVER_TIME_BUDGET_SECONDS', value: '1500' }

  // Service Bus, reached with the identity. DR_SERVICEBUS is the trigger's connection prefix;
  // __credential is read by the Functions host's Service Bus extension, not by the app.
  { name: 'DR_SERVICEBUS__fullyQualifiedNamespace', value: serviceBusHost }
  { name: 'DR_SERVICEBUS__clientId', value: identityClientId }
  { name: 'DR_SERVICEBUS__credential', value: 'managedidentity' }
  { name: 'DR_FAILOVER_QUEUE', value: failoverQueueName }
  { name: 'DR_BACKUP_QUEUE', value: backupQueueName }

  // Alerts and status.
  { name: 'DR_ALERT_RULES', value: alertRuleNames }
  { name: 'DR_ALERT_ACTION', value: alertAction }
  { name: 'DR_ALERT_MAX_AGE_MINUTES', value: '60' }
  { name: 'DR_RPO_MINUTES', value: string(rpoMinutes) }
  { name: 'DR_LOG_LEVEL', value: 'info' }
]

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: name
  location: location
  // azd finds the app to deploy the `api` service of azure.yaml by this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      // The package azd uploads; read with the identity (Storage Blob Data Owner on the account).
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      // Flex Consumption takes the language from here: there is no FUNCTIONS_WORKER_RUNTIME.
      runtime: {
        name: 'node'
        version: '20'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: appSettings
    }
  }
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
