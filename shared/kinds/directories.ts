import { idText, workspaceTree } from './discovery.js';
import type { KindHandler } from './types.js';

/** Workspace folders (metadata only; their permissions are a separate kind). */
export const directories: KindHandler = {
  kind: 'directories',
  description: 'Workspace folders, so that empty folders and folder permissions survive.',
  dependsOn: ['users'],
  references: [],
  async *list(ctx) {
    for await (const o of workspaceTree(ctx)) {
      if (o.object_type !== 'DIRECTORY') continue;
      yield { key: o.path, sourceId: idText(o.object_id), changeToken: idText(o.object_id), meta: { path: o.path, object_id: idText(o.object_id) }, noContent: true };
    }
  },
  async export() {
    throw new Error('directories have no content to export');
  },
};
