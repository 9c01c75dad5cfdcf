import { AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';

import { type Config, requireProfile, type WorkspaceProfile } from '../config/config.js';
import { type AuthProvider, EntraAuth, PatAuth } from '../databricks/auth.js';
import { DatabricksClient, type DatabricksClientOptions } from '../databricks/client.js';
import type { RateLimits } from '../databricks/families.js';
import { DrError } from '../errors/drError.js';
import { KIND_RATE_LIMITS } from '../kinds/registry.js';
import { redact } from '../errors/redact.js';
import { type Logger, nullLogger } from '../log/logger.js';
import type { Services } from '../runs/services.js';
import { PIPELINE, type StorageConfig, SnapshotStore } from '../snapshot/store.js';

/**
 * The composition root: the one place that turns configuration into credentials,
 * clients and stores. Everything below it receives what it needs.
 */
export function buildServices(config: Config, logger: Logger): Services {
  const store = storeFor(config.storage, logger);
  return {
    config,
    logger,
    store,
    client: (name, extra) => clientFor(requireProfile(config, name), config.rateLimits, logger, extra),
  };
}

/** The snapshot store a storage configuration describes. */
export function storeFor(storage: StorageConfig, logger: Logger = nullLogger): SnapshotStore {
  let service: BlobServiceClient;
  if (storage.accountUrl !== undefined) {
    const credential =
      storage.clientId !== undefined ? new ManagedIdentityCredential({ clientId: storage.clientId }) : new DefaultAzureCredential();
    service = new BlobServiceClient(storage.accountUrl, credential, PIPELINE);
  } else {
    try {
      service = BlobServiceClient.fromConnectionString(storage.connectionString ?? 'UseDevelopmentStorage=true', PIPELINE);
    } catch (error) {
      throw new DrError(
        'CONFIG_INVALID',
        `DR_STORAGE_CONNECTION_STRING is not a valid connection string: ${redact((error as Error).message)}`,
        {
          cause: error,
        },
      );
    }
  }
  return new SnapshotStore(service.getContainerClient(storage.container), logger);
}

/** The auth provider a profile describes. */
export function authFor(profile: WorkspaceProfile): AuthProvider {
  const auth = profile.auth;
  if (auth.type === 'pat') return new PatAuth(auth.token);
  const resource = profile.azureResourceId === undefined ? {} : { workspaceResourceId: profile.azureResourceId };
  switch (auth.method) {
    case 'managed-identity':
      return new EntraAuth(
        auth.clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId: auth.clientId }),
        {
          ...resource,
          credentialName: 'managed identity',
        },
      );
    case 'client-secret':
      return new EntraAuth(new ClientSecretCredential(auth.tenantId as string, auth.clientId as string, auth.clientSecret as string), {
        ...resource,
        credentialName: 'service principal secret',
      });
    case 'azure-cli':
      return new EntraAuth(new AzureCliCredential(), { ...resource, credentialName: 'Azure CLI' });
    default:
      return new EntraAuth(new DefaultAzureCredential(auth.clientId === undefined ? {} : { managedIdentityClientId: auth.clientId }), {
        ...resource,
        credentialName: 'DefaultAzureCredential',
      });
  }
}

export function clientFor(
  profile: WorkspaceProfile,
  limits: RateLimits,
  logger: Logger,
  extra: Partial<DatabricksClientOptions> = {},
): DatabricksClient {
  return new DatabricksClient({ host: profile.host, auth: authFor(profile), limits: withKindLimits(limits), logger, ...extra });
}

/**
 * Rate limits with the families the artifact kinds declare: their published rates,
 * under any rate configured by name (DR_RATE_LIMITS), and the rules that say which
 * requests belong to them.
 */
export function withKindLimits(limits: RateLimits): RateLimits {
  const defaults = Object.fromEntries(KIND_RATE_LIMITS.map((r) => [r.family, r.perSecond]));
  return {
    ...limits,
    families: { ...defaults, ...limits.families },
    rules: [
      ...(limits.rules ?? []).filter((r) => !(r.family in defaults)),
      ...KIND_RATE_LIMITS.map(({ family, method, pattern }) => ({ family, pattern, ...(method === undefined ? {} : { method }) })),
    ],
  };
}
