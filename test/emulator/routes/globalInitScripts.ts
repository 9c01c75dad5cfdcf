import type { Json, RequestContext, Routes } from '../http.js';
import { scriptNotFound } from '../state/globalInitScripts.js';
import type { Workspace } from '../state/workspace.js';

function scriptJson(s: {
  scriptId: string;
  name: string;
  position: number;
  enabled: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}): Json {
  return {
    script_id: s.scriptId,
    name: s.name,
    position: s.position,
    enabled: s.enabled,
    created_at: s.createdAt,
    created_by: s.createdBy,
    updated_at: s.updatedAt,
    updated_by: s.updatedBy,
  };
}

/** Global init scripts 2.0 (databricks-api.md §10.1). */
export function registerGlobalInitScripts(routes: Routes, ws: Workspace): void {
  const scriptInput = (ctx: RequestContext) => ({
    name: ctx.body.get('name'),
    script: ctx.body.get('script'),
    enabled: ctx.body.get('enabled'),
    position: ctx.body.get('position'),
  });

  routes.get('/api/2.0/global-init-scripts', 'global-init-scripts.list', () => {
    const scripts = ws.globalInitScripts.list().map(scriptJson);
    return scripts.length === 0 ? {} : { scripts };
  });
  routes.get('/api/2.0/global-init-scripts/:id', 'global-init-scripts.get', (ctx) => {
    const s = ws.globalInitScripts.get(ctx.params['id'] ?? '');
    return { ...scriptJson(s), script: s.script };
  });
  routes.post('/api/2.0/global-init-scripts', 'global-init-scripts.create', (ctx) => {
    const s = ws.globalInitScripts.create(scriptInput(ctx), ctx.caller.name);
    return { script_id: s.scriptId };
  });
  routes.patch('/api/2.0/global-init-scripts/:id', 'global-init-scripts.update', (ctx) => {
    ws.globalInitScripts.update(ctx.params['id'] ?? '', scriptInput(ctx), ctx.caller.name);
    return {};
  });
  routes.delete('/api/2.0/global-init-scripts/:id', 'global-init-scripts.delete', (ctx) => {
    const id = ctx.params['id'] ?? '';
    if (!ws.globalInitScripts.list().some((s) => s.scriptId === id)) throw scriptNotFound(id);
    ws.globalInitScripts.delete(id);
    return {};
  });
}
