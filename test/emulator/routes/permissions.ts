import { invalidParameter } from '../errors.js';
import { isObject, type RequestContext, type Routes } from '../http.js';
import { hasDirectAdminGrant, LEVEL_DESCRIPTIONS, isPermissionType, PERMISSION_TYPES, type PermissionType } from '../state/permissions.js';
import type { Workspace } from '../state/workspace.js';

/** The older `/preview/` path is what Azure's token-permissions docs show; both are served. */
const PATHS = ['/api/2.0/permissions/:type/:id', '/api/2.0/preview/permissions/:type/:id'];

/** Permissions 2.0 on clusters, policies, pools, jobs, workspace objects and token usage (databricks-api.md §7). */
export function registerPermissions(routes: Routes, ws: Workspace): void {
  const target = (ctx: RequestContext): { type: PermissionType; id: string } => {
    const type = ctx.params['type'] ?? '';
    const id = ctx.params['id'] ?? '';
    if (!isPermissionType(type)) throw invalidParameter(`request_object_type is not recognized: ${type}`);
    ws.permissions.assertObject(type, id);
    return { type, id };
  };

  const render = (type: PermissionType, id: string) => ws.permissions.render(type, id, ws.permissions.inheritance(type, id));

  routes.get(PATHS, 'permissions.read', (ctx) => {
    const { type, id } = target(ctx);
    return render(type, id);
  });

  routes.get(
    PATHS.map((p) => `${p}/permissionLevels`),
    'permissions.read',
    (ctx) => {
      const { type } = target(ctx);
      return {
        permission_levels: PERMISSION_TYPES[type].levels.map((level) => ({
          permission_level: level,
          description: LEVEL_DESCRIPTIONS[level] ?? level,
        })),
      };
    },
  );

  const write = (ctx: RequestContext, mode: 'replace' | 'merge') => {
    const { type, id } = target(ctx);
    const grants = ws.permissions.parseAcl(type, ctx.body.json);
    if (hasDirectAdminGrant(type, id)) {
      const list = ctx.body.json['access_control_list'];
      const keepsAdmins =
        Array.isArray(list) && list.some((e) => isObject(e) && e['group_name'] === 'admins' && e['permission_level'] === 'CAN_MANAGE');
      if (mode === 'replace' && !keepsAdmins) throw invalidParameter("Cannot change permissions for group 'admins' to None.");
      grants.unshift({ kind: 'group_name', name: 'admins', level: 'CAN_MANAGE' });
    }
    if (mode === 'replace') ws.permissions.replace(type, id, grants);
    else ws.permissions.merge(type, id, grants);
    return render(type, id);
  };

  routes.put(PATHS, 'permissions.write', (ctx) => write(ctx, 'replace'));
  routes.patch(PATHS, 'permissions.write', (ctx) => write(ctx, 'merge'));
}
