// Service Bus namespace with the failover and backup queues. Standard tier: duplicate
// detection needs Standard or Premium. Local (SAS key) authentication is off, so only
// Microsoft Entra identities with a data role (rbac.bicep) can send or receive.
param name string
param queueNames array
param location string
param tags object

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Both queues carry commands that are expensive to repeat, so each one:
// - drops a duplicate sent within 10 minutes (the senders set deterministic message ids);
// - gives a failing message 5 deliveries, then dead-letters it;
// - locks a message for the 5-minute maximum (the host renews the lock while it runs);
// - dead-letters a message nobody took within an hour: a stale failover command must not
//   fire hours later.
resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'PT10M'
      maxDeliveryCount: 5
      lockDuration: 'PT5M'
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: 'PT1H'
      requiresSession: false
      enablePartitioning: false
    }
  }
]

output name string = namespace.name
// <name>.servicebus.windows.net, taken from the endpoint https://<host>:443/ so that other
// clouds get their own suffix.
output host string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
