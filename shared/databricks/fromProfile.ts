import { AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';

import type { WorkspaceProfile } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { type AuthProvider, EntraAuth, PatAuth } from './auth.js';
import { DatabricksClient, type DatabricksClientOptions } from './client.js';
import type { RateLimits } from './families.js';

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
  return new DatabricksClient({ host: profile.host, auth: authFor(profile), limits, logger, ...extra });
}
