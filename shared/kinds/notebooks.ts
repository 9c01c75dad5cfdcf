import { isApiError } from '../databricks/errors.js';
import { importWorkspaceObject, PARENT_FOLDER } from './import/helpers.js';
import { idText, type WorkspaceObject, workspaceTree } from './discovery.js';
import type { KindHandler } from './types.js';

/** A notebook changed when its object_id or modified_at did. */
const notebookToken = (o: WorkspaceObject): string => `${idText(o.object_id)}:${o.modified_at ?? ''}`;

/**
 * Notebooks, byte-exact in SOURCE format (every language). A notebook is exported
 * again only when its object_id or modified_at changed.
 */
export const notebooks: KindHandler = {
  kind: 'notebooks',
  description: 'Notebooks in SOURCE format, byte for byte, in Python, Scala, SQL and R.',
  naturalKey: 'path',
  rateLimits: [
    { family: 'workspace.export', method: 'GET', pattern: /^\/api\/2\.0\/workspace\/export$/, perSecond: 60 },
    { family: 'workspace.import', method: 'POST', pattern: /^\/api\/2\.0\/workspace\/import$/, perSecond: 30 },
  ],
  permissions: { type: 'notebooks', workspaceObject: { objectType: 'NOTEBOOK', token: notebookToken } },
  dependsOn: ['directories'],
  references: [],
  async *list(ctx) {
    for await (const o of workspaceTree(ctx)) {
      if (o.object_type !== 'NOTEBOOK') continue;
      const id = idText(o.object_id);
      yield {
        key: o.path,
        sourceId: id,
        changeToken: notebookToken(o),
        meta: { path: o.path, language: o.language, object_id: id, modified_at: o.modified_at },
      };
    }
  },
  async export(ctx, item) {
    try {
      const content = await ctx.client.getBytes(
        '/api/2.0/workspace/export',
        { path: item.key, format: 'SOURCE', direct_download: true },
        { signal: ctx.signal },
      );
      return { content };
    } catch (error) {
      if (isApiError(error, 'too_large')) {
        return {
          content: Buffer.alloc(0),
          uncaptured: {
            reason: 'The notebook is larger than the 10 MB the Workspace API exports.',
            action: 'Split the notebook, or copy it by hand (for example with a Git folder).',
          },
        };
      }
      throw error;
    }
  },
  importer: {
    ...PARENT_FOLDER,
    import: (ctx, artifact, content) => importWorkspaceObject(ctx, artifact, content, 'NOTEBOOK'),
  },
};
