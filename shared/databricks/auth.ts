import type { TokenCredential } from '@azure/core-auth';

import { DrError } from '../errors/drError.js';

/** How a request proves who it is. */
export interface AuthProvider {
  /** Short description for logs and errors; never contains the secret. */
  readonly description: string;
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
}

/** The Azure Databricks first-party application; tokens for the workspace use this scope. */
export const AZURE_DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
/** Scope of the Azure management token that lets a service principal in before it is a workspace user. */
export const AZURE_MANAGEMENT_SCOPE = 'https://management.core.windows.net/.default';

export class PatAuth implements AuthProvider {
  readonly description = 'personal access token';

  constructor(private readonly token: string) {}

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${this.token}` };
  }
}

/**
 * Microsoft Entra ID through @azure/identity (managed identity, workload identity,
 * a service principal secret, or the Azure CLI). With the workspace's Azure resource
 * id it also sends the service-principal management headers, so an identity with
 * Contributor on the workspace works before it has been added as a user.
 */
export class EntraAuth implements AuthProvider {
  readonly description: string;

  constructor(
    private readonly credential: TokenCredential,
    private readonly options: { workspaceResourceId?: string; credentialName?: string } = {},
  ) {
    this.description = `Microsoft Entra ID (${options.credentialName ?? 'token credential'})`;
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    const token = await this.token(AZURE_DATABRICKS_SCOPE, signal);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (this.options.workspaceResourceId !== undefined) {
      headers['x-databricks-azure-sp-management-token'] = await this.token(AZURE_MANAGEMENT_SCOPE, signal);
      headers['x-databricks-azure-workspace-resource-id'] = this.options.workspaceResourceId;
    }
    return headers;
  }

  private async token(scope: string, signal?: AbortSignal): Promise<string> {
    let result;
    try {
      result = await this.credential.getToken(scope, signal === undefined ? {} : { abortSignal: signal });
    } catch (error) {
      throw new DrError(
        'CONFIG_INVALID',
        `Could not get a Microsoft Entra ID token for ${scope} with ${this.description}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (!result) throw new DrError('CONFIG_INVALID', `${this.description} returned no token for ${scope}.`);
    return result.token;
  }
}
