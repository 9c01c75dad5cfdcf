import { createHash } from 'node:crypto';

import type { AreaState } from '../area.js';
import { invalidParameter, notFound } from '../errors.js';
import { normalizeWorkspacePath, parentOf } from './paths.js';
import type { Workspace } from './workspace.js';

/** The Repos area's part of a fixture. */
export interface ReposSection {
  repos?: FixtureRepo[];
}

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
export class Repos implements AreaState<ReposSection> {
  readonly records = new Map<bigint, RepoRecord>();

  constructor(private readonly ws: Workspace) {}

  /** Create a repo and its REPO workspace node (with a README, as a clone would have). */
  create(input: {
    url: string;
    provider: string;
    path: string;
    branch?: string;
    sparseCheckout?: string[];
    id?: bigint;
    headCommitId?: string;
  }): bigint {
    const provider = canonicalProvider(input.provider);
    const id = input.id ?? this.ws.ids.int64();
    const node = this.ws.tree.addRepo(input.path, id, id);
    const branch = input.branch ?? 'main';
    this.records.set(id, {
      id,
      path: input.path,
      url: input.url,
      provider,
      branch,
      headCommitId: input.headCommitId ?? commitFor(input.url, branch),
      ...(input.sparseCheckout ? { sparseCheckout: input.sparseCheckout } : {}),
    });
    this.ws.tree.put(
      `${node.path}/README.md`,
      { content: Buffer.from(`# ${node.path.split('/').pop()}\n\nCloned from ${input.url}\n`) },
      false,
    );
    return id;
  }

  load(fixture: ReposSection): void {
    for (const r of fixture.repos ?? []) {
      const path = normalizeWorkspacePath(r.path);
      this.ws.tree.mkdirs(parentOf(path));
      this.create({
        url: r.url,
        provider: r.provider,
        path,
        ...(r.branch === undefined ? {} : { branch: r.branch }),
        ...(r.sparseCheckout === undefined ? {} : { sparseCheckout: r.sparseCheckout }),
        ...(r.id === undefined ? {} : { id: BigInt(r.id) }),
        ...(r.headCommitId === undefined ? {} : { headCommitId: r.headCommitId }),
      });
    }
  }

  dump(): Required<ReposSection> {
    return {
      repos: [...this.records.values()].map((r) => ({
        id: String(r.id),
        path: r.path,
        url: r.url,
        provider: r.provider,
        ...(r.branch === undefined ? {} : { branch: r.branch }),
        headCommitId: r.headCommitId,
        ...(r.sparseCheckout ? { sparseCheckout: r.sparseCheckout } : {}),
      })),
    };
  }

  get(id: bigint): RepoRecord {
    const r = this.records.get(id);
    if (!r) throw repoNotFound(id);
    return r;
  }
}
