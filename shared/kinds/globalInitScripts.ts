import { doc } from './import/helpers.js';
import { reconcile, type TargetScope } from './import/reconcile.js';
import type { TargetObject } from './import/types.js';
import { compact } from './discovery.js';
import type { KindHandler } from './types.js';

interface ScriptInfo {
  script_id: string;
  name: string;
  position?: number;
  enabled?: boolean;
  updated_at?: number;
}

/** Global init scripts, in position order; read again only when updated_at changes. */
export const globalInitScripts: KindHandler = {
  kind: 'globalInitScripts',
  description: 'Global init scripts with their content, position and enabled state.',
  naturalKey: 'script name',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    for (const s of await listScripts(ctx)) {
      yield {
        key: s.script_id,
        sourceId: s.script_id,
        changeToken: `${s.updated_at ?? ''}:${s.position ?? ''}:${s.enabled ?? ''}`,
        meta: { name: s.name, position: s.position, enabled: s.enabled },
      };
    }
  },
  async export(ctx, item) {
    const s = await ctx.client.get<ScriptInfo & { script: string }>(`/api/2.0/global-init-scripts/${item.sourceId}`, undefined, {
      signal: ctx.signal,
    });
    return { content: compact({ name: s.name, script: s.script, position: s.position, enabled: s.enabled }) };
  },
  /** Found by name (ids differ between workspaces); content, position and enabled state are compared. */
  importer: {
    // One at a time in position order: the service shifts the others when a script takes a position.
    waves: (artifacts) => [...artifacts].sort((a, b) => Number(a.meta['position'] ?? 0) - Number(b.meta['position'] ?? 0)).map((a) => [a]),
    inventory: target,
    async import(ctx, artifact, content) {
      const d = doc<{ name: string; script: string; position?: number; enabled?: boolean }>(content);
      const wanted = { script: Buffer.from(d.script, 'base64').toString('base64'), position: d.position ?? 0, enabled: d.enabled ?? false };
      const body = { name: d.name, ...wanted };
      return reconcile(ctx, artifact, target, {
        kind: 'globalInitScripts',
        key: d.name,
        what: 'The script',
        noun: 'global init script',
        wanted,
        async current(existing) {
          const s = await ctx.client.get<ScriptInfo & { script: string }>(`/api/2.0/global-init-scripts/${existing.id}`, undefined, {
            signal: ctx.signal,
          });
          return { script: s.script, position: s.position ?? 0, enabled: s.enabled ?? false };
        },
        async update(existing) {
          await ctx.client.patch(`/api/2.0/global-init-scripts/${existing.id}`, body, { signal: ctx.signal, idempotent: true });
        },
        written: (id) => ({ ...body, script_id: id }),
        create: async () =>
          (await ctx.client.post<{ script_id: string }>('/api/2.0/global-init-scripts', body, { signal: ctx.signal })).script_id,
      });
    },
  },
};

/** The target's scripts by name (ids differ between workspaces). */
async function target(ctx: TargetScope): Promise<Map<string, TargetObject>> {
  return new Map((await listScripts(ctx)).map((x) => [x.name, { id: x.script_id, data: x }]));
}

async function listScripts(ctx: TargetScope): Promise<ScriptInfo[]> {
  return (
    (await ctx.client.get<{ scripts?: ScriptInfo[] }>('/api/2.0/global-init-scripts', undefined, { signal: ctx.signal })).scripts ?? []
  );
}
