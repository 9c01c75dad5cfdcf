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
    const s = await ctx.client.get<ScriptInfo & { script: string }>(`/api/2.0/global-init-scripts/${item.sourceId}`, undefined, { signal: ctx.signal });
    return { content: compact({ name: s.name, script: s.script, position: s.position, enabled: s.enabled }) };
  },
};
