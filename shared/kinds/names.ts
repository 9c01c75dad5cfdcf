/**
 * Every artifact kind, in dependency order: a kind only references kinds before it.
 * The names are stable: they are snapshot path segments and manifest values.
 */
export const KIND_NAMES = [
  'users',
  'servicePrincipals',
  'groups',
  'clusterPolicies',
  'instancePools',
  'directories',
  'notebooks',
  'files',
  'repos',
  'dbfsFiles',
  'globalInitScripts',
  'secretScopes',
  'clusters',
  'jobs',
  'mounts',
  'permissions',
] as const;

export type KindName = (typeof KIND_NAMES)[number];
