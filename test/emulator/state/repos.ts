import { createHash } from 'node:crypto';

import { invalidParameter, notFound } from '../errors.js';

export interface RepoRecord {
  id: bigint;
  path: string;
  url: string;
  provider: string;
  branch?: string;
  tag?: string;
  headCommitId: string;
  sparseCheckout?: string[];
}

export const GIT_PROVIDERS = [
  'gitHub',
  'bitbucketCloud',
  'gitLab',
  'azureDevOpsServices',
  'gitHubEnterprise',
  'bitbucketServer',
  'gitLabEnterpriseEdition',
  'awsCodeCommit',
];

/** Providers are case-insensitive on input and read back in canonical case. */
export function canonicalProvider(input: string): string {
  const found = GIT_PROVIDERS.find((p) => p.toLowerCase() === input.toLowerCase());
  if (!found) throw invalidParameter(`Invalid Git provider ${input}. Supported providers: ${GIT_PROVIDERS.join(', ')}.`);
  return found;
}

/** A deterministic commit id for a remote ref: the emulator cannot clone. */
export function commitFor(url: string, ref: string): string {
  return createHash('sha1').update(`${url}#${ref}`).digest('hex');
}

export function repoNotFound(id: bigint | string) {
  return notFound(`Repo ${String(id)} does not exist.`);
}

/** Repos API state; a repo's id is also the object_id of its REPO workspace node. */
export class Repos {
  readonly records = new Map<bigint, RepoRecord>();

  get(id: bigint): RepoRecord {
    const r = this.records.get(id);
    if (!r) throw repoNotFound(id);
    return r;
  }
}
