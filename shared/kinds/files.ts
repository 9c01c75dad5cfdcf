import { isApiError } from '../databricks/errors.js';
import { importWorkspaceObject, PARENT_FOLDER } from './import/helpers.js';
import { idText, type WorkspaceObject, workspaceTree } from './discovery.js';
import type { KindHandler } from './types.js';

/** A file changed when its object_id, modified_at or size did. */
const fileToken = (o: WorkspaceObject): string => `${idText(o.object_id)}:${o.modified_at ?? ''}:${o.size ?? ''}`;

/**
 * Workspace files (any non-notebook content), byte for byte. Legacy workspace
 * libraries and object types the API cannot export are recorded as not captured.
 */
export const files: KindHandler = {
  kind: 'files',
  description: 'Workspace files, byte for byte.',
  naturalKey: 'path',
  permissions: { type: 'files', workspaceObject: { objectType: 'FILE', token: fileToken } },
  dependsOn: ['directories'],
  references: [],
  async *list(ctx) {
    for await (const o of workspaceTree(ctx)) {
      const id = idText(o.object_id);
      if (o.object_type === 'FILE') {
        yield {
          key: o.path,
          sourceId: id,
          changeToken: fileToken(o),
          meta: { path: o.path, object_id: id, modified_at: o.modified_at, size: o.size },
        };
      } else if (o.object_type === 'LIBRARY') {
        yield {
          key: o.path,
          sourceId: id,
          meta: { path: o.path, object_type: o.object_type },
          uncaptured: {
            reason: 'A legacy workspace library: the Workspace API cannot export libraries.',
            action: 'Install the library from its original source (PyPI, Maven, a wheel in a Volume) on the clusters that need it.',
          },
        };
      } else if (!['DIRECTORY', 'NOTEBOOK', 'REPO'].includes(o.object_type)) {
        yield {
          key: o.path,
          sourceId: id,
          meta: { path: o.path, object_type: o.object_type },
          uncaptured: { reason: `Objects of type ${o.object_type} are not backed up by databricks-dr.` },
        };
      }
    }
  },
  async export(ctx, item) {
    try {
      const content = await ctx.client.getBytes(
        '/api/2.0/workspace/export',
        { path: item.key, format: 'AUTO', direct_download: true },
        { signal: ctx.signal },
      );
      return { content };
    } catch (error) {
      if (isApiError(error, 'too_large')) {
        return {
          content: Buffer.alloc(0),
          uncaptured: { reason: 'The file is larger than the 10 MB the Workspace API exports.', action: 'Copy it by hand.' },
        };
      }
      throw error;
    }
  },
  importer: {
    ...PARENT_FOLDER,
    import: (ctx, artifact, content) => importWorkspaceObject(ctx, artifact, content, 'FILE'),
  },
};
