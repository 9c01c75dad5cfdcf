import { createOnce, decide, diffFields, differs, doc, isOurs, jsonHash, plannedId } from './import/helpers.js';
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
    const r = await ctx.client.get<{ scripts?: ScriptInfo[] }>('/api/2.0/global-init-scripts', undefined, { signal: ctx.signal });
    for (const s of r.scripts ?? []) {
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
    async inventory(ctx) {
      const r = await ctx.client.get<{ scripts?: ScriptInfo[] }>('/api/2.0/global-init-scripts', undefined, { signal: ctx.signal });
      return new Map<string, TargetObject>((r.scripts ?? []).map((x) => [x.name, { id: x.script_id, data: x }]));
    },
    async import(ctx, artifact, content) {
      const d = doc<{ name: string; script: string; position?: number; enabled?: boolean }>(content);
      const inventory = await ctx.inventory('globalInitScripts');
      const existing = inventory.get(d.name);
      const wanted = { script: Buffer.from(d.script, 'base64').toString('base64'), position: d.position ?? 0, enabled: d.enabled ?? false };
      let current: typeof wanted | undefined;
      if (existing) {
        const s = await ctx.client.get<ScriptInfo & { script: string }>(`/api/2.0/global-init-scripts/${existing.id}`, undefined, {
          signal: ctx.signal,
        });
        current = { script: s.script, position: s.position ?? 0, enabled: s.enabled ?? false };
      }
      const token = jsonHash(wanted);
      const fields = current ? diffFields(wanted, current) : [];
      const action = decide(ctx, existing !== undefined, fields.length === 0, isOurs(ctx, 'globalInitScripts', artifact.key, current));
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('global init script', d.name),
          token,
          ...(action === 'unchanged' ? {} : { note: differs('The script', fields) }),
        };
      }
      const body = { name: d.name, ...wanted };
      if (existing) {
        await ctx.client.patch(`/api/2.0/global-init-scripts/${existing.id}`, body, { signal: ctx.signal, idempotent: true });
        return { action, targetId: existing.id, token, note: differs('The script', fields) };
      }
      const created = await createOnce(
        ctx,
        () => ctx.client.post<{ script_id: string }>('/api/2.0/global-init-scripts', body, { signal: ctx.signal }),
        async () => {
          const r = await ctx.client.get<{ scripts?: ScriptInfo[] }>('/api/2.0/global-init-scripts', undefined, { signal: ctx.signal });
          const x = r.scripts?.find((y) => y.name === d.name);
          return x && { script_id: x.script_id };
        },
      );
      inventory.set(d.name, { id: created.script_id, data: { ...body, script_id: created.script_id } });
      return { action, targetId: created.script_id, token };
    },
  },
};
