import { compact, idText, workspaceTree } from './discovery.js';
import type { KindHandler } from './types.js';

interface RepoInfo {
  id: number | bigint;
  path: string;
  url?: string;
  provider?: string;
  branch?: string;
  head_commit_id?: string;
  sparse_checkout?: { patterns?: string[] };
}

/**
 * Git folders: their remote, branch and sparse checkout. Their files are not
 * exported: a failover clones the remote again, at the recorded branch.
 */
export const repos: KindHandler = {
  kind: 'repos',
  description: 'Git folders (remote URL, provider, branch, sparse checkout); content is re-cloned.',
  dependsOn: ['directories'],
  references: [],
  async *list(ctx) {
    for await (const o of workspaceTree(ctx)) {
      if (o.object_type !== 'REPO') continue;
      yield { key: o.path, sourceId: idText(o.object_id), meta: { path: o.path, object_id: idText(o.object_id) } };
    }
  },
  async export(ctx, item) {
    const r = await ctx.client.get<RepoInfo>(`/api/2.0/repos/${item.sourceId}`, undefined, { signal: ctx.signal });
    return {
      content: compact({
        path: r.path,
        url: r.url,
        provider: r.provider,
        branch: r.branch,
        head_commit_id: r.head_commit_id,
        sparse_checkout: r.sparse_checkout,
      }),
      meta: { url: r.url, branch: r.branch },
    };
  },
};
