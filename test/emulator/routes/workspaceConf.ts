import { malformed } from '../errors.js';
import type { Routes } from '../http.js';
import type { Workspace } from '../state/workspace.js';

/**
 * Workspace configuration 2.0 (`GetStatus` / `SetStatus` in the SDKs): GET with
 * `?keys=a,b` answers exactly the asked keys, values as strings (null when never set);
 * PATCH takes a flat map of strings. `/api/2.0/preview/workspace-conf` is the older
 * path, still used by Databricks' security-analysis-tool. Admins only.
 */
export function registerWorkspaceConf(routes: Routes, ws: Workspace): void {
  const paths = ['/api/2.0/workspace-conf', '/api/2.0/preview/workspace-conf'];

  routes.get(paths, 'workspace-conf.get', (ctx) => {
    const keys = (ctx.query.str('keys') ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '');
    ws.workspaceConf.assertAdmin(ctx.caller, 'ReadAction', keys);
    return ws.workspaceConf.get(keys);
  });

  routes.patch(paths, 'workspace-conf.set', (ctx) => {
    ws.workspaceConf.assertAdmin(ctx.caller, 'WriteAction', Object.keys(ctx.body.json));
    const patch: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.body.json)) {
      // The SDKs only send strings (map[string]string); what the service does with a JSON
      // true is not known, so the emulator refuses it rather than guess.
      if (typeof v !== 'string') throw malformed(`Invalid JSON given in the body of the request - expected a string for field '${k}'`);
      patch[k] = v;
    }
    ws.workspaceConf.set(patch);
    return {};
  });
}
