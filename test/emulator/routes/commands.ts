import type { Routes } from '../http.js';
import type { Workspace } from '../state/workspace.js';

/** Command Execution API 1.2 (camelCase fields, legacy `{"error"}` bodies). */
export function registerCommands(routes: Routes, ws: Workspace): void {
  const c = ws.commands;
  routes.post('/api/1.2/contexts/create', 'commands', (ctx) => ({
    id: c.createContext(ctx.body.str('clusterId'), ctx.body.str('language')),
  }));
  routes.get('/api/1.2/contexts/status', 'commands', (ctx) => c.contextStatus(ctx.query.str('clusterId'), ctx.query.str('contextId')));
  routes.post('/api/1.2/contexts/destroy', 'commands', (ctx) => {
    c.destroyContext(ctx.body.str('clusterId'), ctx.body.str('contextId'));
    return {};
  });
  routes.post('/api/1.2/commands/execute', 'commands', (ctx) => ({
    id: c.execute(ctx.body.str('clusterId'), ctx.body.str('contextId'), ctx.body.str('language'), ctx.body.str('command')),
  }));
  routes.get('/api/1.2/commands/status', 'commands', (ctx) =>
    c.status(ctx.query.str('clusterId'), ctx.query.str('contextId'), ctx.query.str('commandId')),
  );
  routes.post('/api/1.2/commands/cancel', 'commands', (ctx) => {
    c.cancel(ctx.body.str('clusterId'), ctx.body.str('contextId'), ctx.body.str('commandId'));
    return {};
  });
}
