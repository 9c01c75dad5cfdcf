// Every role assignment of the deployment, each scoped to the narrowest resource that works.
// The function app has no keys or connection strings: these roles are its only access.
param identityPrincipalId string
@description('Optional: the person or pipeline running the deployment. Empty: no role.')
param deployerPrincipalId string
param hostStorageName string
param snapshotStorageName string
param serviceBusName string
param failoverQueueName string
param backupQueueName string
param appInsightsName string

// Built-in role definition ids (the same in every tenant), from the Azure built-in roles page.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostStorageName
}

resource snapshotStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: snapshotStorageName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusName
}

resource failoverQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: failoverQueueName
}

resource backupQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = {
  parent: serviceBus
  name: backupQueueName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Functions host -> its own storage account: the timer's singleton lock (blob leases), the
// host keys and the deployment package. The Functions docs require Owner for
// AzureWebJobsStorage; the account holds nothing else.
resource hostStorageOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, identityPrincipalId, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App -> snapshot account: read, create and delete blobs, take leases, conditional writes and
// createIfNotExists on the container. Contributor is enough; the app never changes ACLs or
// needs Owner. Scoped to the account (it holds only the snapshot container).
resource snapshotContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(snapshotStorage.id, identityPrincipalId, roles.storageBlobDataContributor)
  scope: snapshotStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App -> failover queue: the trigger receives; the app dead-letters by lock token (receive
// rights), and sends follow-up messages and alert-driven failover commands (send rights).
// Without Manage rights the scale controller cannot read the queue length; the Service Bus
// extension then falls back to peeking the first message, which is enough for these queues.
resource failoverQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(failoverQueue.id, identityPrincipalId, roles.serviceBusDataReceiver)
  scope: failoverQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource failoverQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(failoverQueue.id, identityPrincipalId, roles.serviceBusDataSender)
  scope: failoverQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App -> backup queue: POST /api/backup sends, the backup queue function receives.
resource backupQueueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(backupQueue.id, identityPrincipalId, roles.serviceBusDataReceiver)
  scope: backupQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource backupQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(backupQueue.id, identityPrincipalId, roles.serviceBusDataSender)
  scope: backupQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// App -> Application Insights: send telemetry with Microsoft Entra ID (local auth is off).
resource appInsightsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Deployer -> snapshot account: lets the CLI list snapshots and run a failover from a
// workstation when the function app itself is unavailable. principalType is left out
// because the deployer may be a user or a pipeline's service principal.
resource deployerSnapshotContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(snapshotStorage.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: snapshotStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: deployerPrincipalId
  }
}
