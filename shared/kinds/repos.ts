import {
  createOnce,
  decide,
  diffFields,
  differs,
  doc,
  PARENT_FOLDER,
  plannedId,
  workspaceId,
  workspaceInventory,
  workspaceStatus,
} from './import/helpers.js';
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
  naturalKey: 'path',
  permissions: { type: 'repos', workspaceObject: { objectType: 'REPO', token: (o) => idText(o.object_id) } },
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
  /**
   * Cloned again from the remote at the recorded branch (the files come from Git, not
   * from the snapshot). A Git folder at the path with another remote is a conflict.
   */
  importer: {
    ...PARENT_FOLDER,
    async import(ctx, _artifact, content) {
      const d = doc<{ path: string; url?: string; provider?: string; branch?: string; sparse_checkout?: { patterns?: string[] } }>(content);
      if (!d.url || !d.provider) return { action: 'skip', note: 'The Git folder has no remote to clone from.' };
      const tree = await workspaceInventory(ctx);
      const existing = tree.get(d.path);
      if (existing && existing.object_type !== 'REPO')
        return {
          action: 'conflict',
          targetId: workspaceId(existing),
          note: `The target has a ${existing.object_type.toLowerCase()} at this path, not a Git folder.`,
        };
      const wanted = { url: d.url, branch: d.branch, sparse_checkout: d.sparse_checkout?.patterns };
      let fields: string[] = [];
      if (existing) {
        const r = await ctx.client.get<RepoInfo>(`/api/2.0/repos/${workspaceId(existing)}`, undefined, { signal: ctx.signal });
        fields = diffFields(wanted, { url: r.url, branch: r.branch, sparse_checkout: r.sparse_checkout?.patterns });
        if (fields.includes('url'))
          return {
            action: 'conflict',
            targetId: workspaceId(existing),
            note: `The Git folder in the target clones another remote (${r.url ?? 'none'}).`,
          };
      }
      const action = decide(ctx, existing !== undefined, fields.length === 0, true);
      if (ctx.dryRun || action === 'unchanged')
        return {
          action,
          targetId: existing ? workspaceId(existing) : plannedId('Git folder', d.path),
          ...(action === 'unchanged' ? {} : { note: differs('The Git folder', fields) }),
        };
      let id = existing ? workspaceId(existing) : undefined;
      if (id === undefined) {
        const created = await createOnce(
          ctx,
          () =>
            ctx.client.post<RepoInfo>(
              '/api/2.0/repos',
              { url: d.url, provider: d.provider, path: d.path, ...(d.sparse_checkout ? { sparse_checkout: d.sparse_checkout } : {}) },
              { signal: ctx.signal },
            ),
          async () => {
            const o = await workspaceStatus(ctx, d.path);
            return o?.object_type === 'REPO' ? { id: o.object_id, path: d.path } : undefined;
          },
        );
        id = idText(created.id);
      }
      if (d.branch !== undefined)
        await ctx.client.patch(`/api/2.0/repos/${id}`, { branch: d.branch }, { signal: ctx.signal, idempotent: true });
      const made = await workspaceStatus(ctx, d.path);
      if (made) tree.set(d.path, made);
      return { action, targetId: id, ...(existing ? { note: differs('The Git folder', fields) } : {}) };
    },
  },
};
