// The one user-assigned managed identity of the function app. It reaches storage, Service
// Bus, Application Insights and both Databricks workspaces; its roles are in rbac.bicep.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
