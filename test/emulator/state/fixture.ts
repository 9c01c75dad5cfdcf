/**
 * A whole workspace as plain JSON: what `GET /__emulator/state` returns and what
 * `loadFixture` (or the `fixture` option, or `POST /__emulator/state`) accepts.
 * Ids are optional on input (the emulator issues them) and always present on
 * output, so a dump loads back into an identical workspace. int64 ids are strings,
 * binary content is base64.
 */
export interface WorkspaceFixture {
  version: 1;
  /** The admin user every personal access token authenticates as. */
  adminUser?: string;
  users?: FixtureUser[];
  servicePrincipals?: FixtureServicePrincipal[];
  groups?: FixtureGroup[];
  /** Workspace objects, parents before children; parent directories are created as needed. */
  workspace?: FixtureWorkspaceObject[];
  repos?: FixtureRepo[];
  dbfs?: FixtureDbfsEntry[];
  mounts?: FixtureMount[];
  policies?: FixturePolicy[];
  instancePools?: FixtureInstancePool[];
  clusters?: FixtureCluster[];
  jobs?: FixtureJob[];
  permissions?: FixturePermissions[];
  secretScopes?: FixtureSecretScope[];
  globalInitScripts?: FixtureGlobalInitScript[];
}

export interface FixtureUser {
  id?: string;
  userName: string;
  displayName?: string;
  givenName?: string;
  familyName?: string;
  active?: boolean;
  externalId?: string;
  entitlements?: string[];
}

export interface FixtureServicePrincipal {
  id?: string;
  applicationId: string;
  displayName: string;
  active?: boolean;
  externalId?: string;
  entitlements?: string[];
}

/** A member is named by its natural key; nested groups are allowed. */
export type FixtureMember = { userName: string } | { group: string } | { applicationId: string };

export interface FixtureGroup {
  id?: string;
  displayName: string;
  externalId?: string;
  members?: FixtureMember[];
  entitlements?: string[];
}

export type FixtureWorkspaceObject =
  | { type: 'DIRECTORY'; path: string; objectId?: string }
  | {
      type: 'NOTEBOOK';
      path: string;
      language: 'PYTHON' | 'SCALA' | 'SQL' | 'R';
      /** The notebook in SOURCE format. */
      source: string;
      objectId?: string;
      createdAt?: number;
      modifiedAt?: number;
    }
  | { type: 'FILE' | 'LIBRARY'; path: string; contentBase64: string; objectId?: string; createdAt?: number; modifiedAt?: number };

export interface FixtureRepo {
  id?: string;
  objectId?: string;
  path: string;
  url: string;
  provider: string;
  branch?: string;
  headCommitId?: string;
  sparseCheckout?: string[];
}

export interface FixtureDbfsEntry {
  path: string;
  isDir?: boolean;
  contentBase64?: string;
  modificationTime?: number;
}

export interface FixtureMount {
  mountPoint: string;
  source: string;
  extraConfigs?: Record<string, string>;
}

/** Cluster policies as the API takes them; `definition` is a JSON string. */
export interface FixturePolicy {
  policy_id?: string;
  name: string;
  definition?: string;
  description?: string;
  policy_family_id?: string;
  policy_family_definition_overrides?: string;
  max_clusters_per_user?: number;
  libraries?: unknown[];
  creator_user_name?: string;
}

/** An instance pool create request, plus an optional id. */
export interface FixtureInstancePool {
  instance_pool_id?: string;
  instance_pool_name: string;
  node_type_id: string;
  [field: string]: unknown;
}

export interface FixtureCluster {
  cluster_id?: string;
  /** The create request (user-specified spec). */
  spec: Record<string, unknown>;
  /** @default 'UI' */
  cluster_source?: 'UI' | 'API' | 'JOB' | 'PIPELINE' | 'PIPELINE_MAINTENANCE' | 'SQL' | 'MODELS';
  /** @default 'TERMINATED' */
  state?: 'RUNNING' | 'TERMINATED';
  pinned?: boolean;
  creator_user_name?: string;
  /** Epoch ms of the last termination; clusters terminated > 30 days ago and unpinned are not listed. */
  terminated_time?: number;
  libraries?: Record<string, unknown>[];
}

export interface FixtureJob {
  job_id?: string;
  /** JobSettings as `jobs/create` takes them. */
  settings: Record<string, unknown>;
  creator_user_name?: string;
  created_time?: number;
}

/**
 * Direct grants on one object. `object` is the id for clusters, policies, pools and
 * jobs, and the workspace path for notebooks, directories, files and repos.
 */
export interface FixturePermissions {
  objectType: 'clusters' | 'cluster-policies' | 'instance-pools' | 'jobs' | 'notebooks' | 'directories' | 'files' | 'repos';
  object: string;
  accessControlList: Array<{
    user_name?: string;
    group_name?: string;
    service_principal_name?: string;
    permission_level: string;
  }>;
}

export interface FixtureSecretScope {
  name: string;
  backendType?: 'DATABRICKS' | 'AZURE_KEYVAULT';
  keyvault?: { resource_id: string; dns_name: string };
  /** key → value (UTF-8). */
  secrets?: Record<string, string>;
  /** principal → READ | WRITE | MANAGE */
  acls?: Record<string, 'READ' | 'WRITE' | 'MANAGE'>;
}

export interface FixtureGlobalInitScript {
  script_id?: string;
  name: string;
  /** The script, base64. */
  script: string;
  enabled?: boolean;
  position?: number;
}
