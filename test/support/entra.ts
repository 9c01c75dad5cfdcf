import { AZURE_DATABRICKS_APP_ID } from '../emulator/auth.js';

/**
 * A JWT-shaped Microsoft Entra ID token for a user, as the emulator accepts them
 * (it checks the audience and expiry, not the signature). The DR workspace is
 * reached with one in tests and the drill, as a managed identity would reach it in
 * Azure: Key Vault-backed secret scopes can only be created with an Entra token.
 */
export function fakeEntraToken(upn: string): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: 'none', typ: 'JWT' }),
    part({
      aud: AZURE_DATABRICKS_APP_ID,
      iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/',
      upn,
      iat: now,
      exp: now + 86_400,
    }),
    'unsigned',
  ].join('.');
}
