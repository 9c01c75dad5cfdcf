// Two storage accounts, both reachable only with Microsoft Entra ID (no shared keys):
//
// - host storage: AzureWebJobsStorage of the function app (timer locks, host keys) and the
//   blob container the Flex Consumption plan deploys the app package from;
// - snapshot storage: the backups. RA-GZRS (zone-redundant here, copied to the paired region,
//   readable there), with versioning (every overwrite keeps the previous state as a version),
//   soft delete for softDeleteDays, and optionally version-level immutability (see below).
param hostStorageName string
param deploymentContainerName string
param snapshotStorageName string
param snapshotContainerName string
param softDeleteDays int
param enableImmutability bool
param immutabilityDays int
param location string
param tags object

// Settings both accounts share.
var secureDefaults = {
  accessTier: 'Hot'
  allowBlobPublicAccess: false
  allowSharedKeyAccess: false
  defaultToOAuthAuthentication: true
  minimumTlsVersion: 'TLS1_2'
  supportsHttpsTrafficOnly: true
  publicNetworkAccess: 'Enabled'
  networkAcls: {
    bypass: 'AzureServices'
    defaultAction: 'Allow'
  }
}

// ---- Host storage

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: hostStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: secureDefaults
}

resource hostBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: hostStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ---- Snapshot storage

// Immutability (enableImmutability): version-level WORM, not a container-level policy.
//
// A container-level time-based policy forbids every overwrite and delete in the container,
// and the app overwrites its checkpoint, run records, failover state and reports there.
// Version-level WORM keeps overwrites possible: with versioning on, Put Blob / Put Block List
// make a new current version and the previous one keeps its retention. What the docs say:
// - Account-level support (immutableStorageWithVersioning.enabled) can be set only when the
//   account is created and can't be turned off; every container in the account then supports
//   it. It needs blob versioning (isVersioningEnabled below). A default policy set with it
//   (immutabilityPolicy: period, state, allowProtectedAppendWrites) is inherited by each new
//   blob version. A policy is created Unlocked (or Disabled); Locked can't be undone.
//   https://learn.microsoft.com/azure/storage/blobs/immutable-version-level-worm-policies
//   https://learn.microsoft.com/azure/storage/blobs/immutable-policy-configure-version-scope
//   https://learn.microsoft.com/azure/templates/microsoft.storage/storageaccounts
// - While a version's retention runs, Delete Blob, Set Blob Metadata and Put Page are refused
//   (409 BlobImmutableDueToPolicy). That includes deleting the current version: a blob written
//   less than immutabilityDays ago can't be deleted at all. Once the retention has passed, a
//   delete works and, with versioning, turns the current version into a previous version.
//   https://learn.microsoft.com/azure/storage/blobs/immutable-storage-overview
//   https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes
// - Lease Blob and Set Blob Tags are not among the refused operations (the docs don't mention
//   them for version-level WORM).
// - An account or container with version-level WORM can only be deleted once it is empty.
//
// Consequence for this app, so enableImmutability stays false by default: backups commit but
// then fail to delete their checkpoint (it is younger than the retention), retention can't
// delete objects or manifests younger than immutabilityDays, and the lock blob's metadata
// (who holds it) is not written (the app ignores that error). See infra/README.md.
//
// With enableImmutability false the property is left out rather than sent as enabled: false
// (an account that has it can't turn it off).
var snapshotImmutability = enableImmutability ? {
  immutableStorageWithVersioning: {
    enabled: true
    immutabilityPolicy: {
      immutabilityPeriodSinceCreationInDays: immutabilityDays
      state: 'Unlocked'
      allowProtectedAppendWrites: false
    }
  }
} : {}

resource snapshotStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: snapshotStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_RAGZRS'
  }
  properties: union(secureDefaults, snapshotImmutability)
}

resource snapshotBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: snapshotStorage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    // A log of every change, for auditing what happened to the snapshots.
    changeFeed: {
      enabled: true
      retentionInDays: softDeleteDays
    }
  }
}

// Versioning keeps every overwritten blob (the backup checkpoint is rewritten every 15 s,
// run records and failover state on each update) as a previous version until something
// deletes it. This rule deletes previous versions once they are older than the soft-delete
// window and, with immutability on, than their retention (a delete before that is refused).
resource snapshotLifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: snapshotStorage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-previous-versions'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
            }
            actions: {
              version: {
                delete: {
                  daysAfterCreationGreaterThan: max(softDeleteDays, enableImmutability ? immutabilityDays + 1 : 0)
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    snapshotBlobService
  ]
}

resource snapshotContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: snapshotBlobService
  name: snapshotContainerName
  properties: {
    publicAccess: 'None'
  }
}

output hostStorageName string = hostStorage.name
output hostBlobEndpoint string = hostStorage.properties.primaryEndpoints.blob
output snapshotStorageName string = snapshotStorage.name
output snapshotBlobEndpoint string = snapshotStorage.properties.primaryEndpoints.blob
