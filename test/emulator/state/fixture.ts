import type { AreaSections } from '../areas.js';

/**
 * A whole workspace as plain JSON: what `GET /__emulator/state` returns and what
 * `loadFixture` (or the `fixture` option, or `POST /__emulator/state`) accepts.
 * Each API area owns its sections (see areas.ts and the `…Section` types of the
 * state modules); this type is their combination. Ids are optional on input (the
 * emulator issues them) and always present on output, so a dump loads back into an
 * identical workspace. int64 ids are strings, binary content is base64.
 */
export type WorkspaceFixture = FixtureHeader & AreaSections;

export interface FixtureHeader {
  version: 1;
  /** The admin user every personal access token authenticates as. */
  adminUser?: string;
}

export type { FixtureCluster } from './clusters.js';
export type { FixtureDbfsEntry, FixtureMount } from './dbfs.js';
export type { FixtureGlobalInitScript } from './globalInitScripts.js';
export type { FixtureJob } from './jobs.js';
export type { FixturePermissions } from './permissions.js';
export type { FixturePolicy } from './policies.js';
export type { FixtureInstancePool } from './pools.js';
export type { FixtureGroup, FixtureMember, FixtureServicePrincipal, FixtureUser } from './principals.js';
export type { FixtureRepo } from './repos.js';
export type { FixtureSecretScope } from './secrets.js';
export type { FixtureWorkspaceObject } from './tree.js';
