import { plannedId, workspaceId, workspaceInventory, workspaceStatus } from './import/helpers.js';
import { idText, workspaceTree } from './discovery.js';
import type { KindHandler } from './types.js';

/** Workspace folders (metadata only; their permissions are a separate kind). */
export const directories: KindHandler = {
  kind: 'directories',
  description: 'Workspace folders, so that empty folders and folder permissions survive.',
  naturalKey: 'path',
  permissions: { type: 'directories', workspaceObject: { objectType: 'DIRECTORY', token: (o) => idText(o.object_id) } },
  dependsOn: ['users'],
  references: [],
  async *list(ctx) {
    for await (const o of workspaceTree(ctx)) {
      if (o.object_type !== 'DIRECTORY') continue;
      yield {
        key: o.path,
        sourceId: idText(o.object_id),
        changeToken: idText(o.object_id), // the same token as permissions.workspaceObject
        meta: { path: o.path, object_id: idText(o.object_id) },
        noContent: true,
      };
    }
  },
  async export() {
    throw new Error('directories have no content to export');
  },
  /** mkdirs is idempotent and makes parents; the new folder's id is read back for its permissions. */
  importer: {
    async import(ctx, artifact) {
      const tree = await workspaceInventory(ctx);
      const existing = tree.get(artifact.key);
      if (existing && existing.object_type !== 'DIRECTORY') {
        return {
          action: 'conflict',
          targetId: workspaceId(existing),
          note: `The target has a ${existing.object_type.toLowerCase()} at this path, not a folder.`,
        };
      }
      if (existing) return { action: 'unchanged', targetId: workspaceId(existing) };
      if (ctx.dryRun) return { action: 'create', targetId: plannedId('folder', artifact.key) };
      await ctx.client.post('/api/2.0/workspace/mkdirs', { path: artifact.key }, { signal: ctx.signal, idempotent: true });
      const made = await workspaceStatus(ctx, artifact.key);
      if (!made) throw new Error('The folder was not there after mkdirs.');
      tree.set(artifact.key, made);
      return { action: 'create', targetId: workspaceId(made) };
    },
  },
};
