import { alreadyExists, invalidParameter, notFound, permissionDenied } from '../errors.js';
import type { Json, RequestContext, Routes } from '../http.js';
import type { GroupRecord } from '../state/principals.js';
import type { Workspace } from '../state/workspace.js';

/**
 * The legacy Groups API 2.0 (`/api/2.0/groups/*`), which the legacy CLI's `groups`
 * commands call, over the same principals as SCIM. Shapes from the API 2.0 reference
 * (docs.gcp.databricks.com/dev-tools/api/latest/groups.html, the Azure page of the same
 * name): names, not ids; `list` → `group_names`, `list-members` → `members` of
 * `{user_name}` / `{group_name}`, direct (non-recursive) only; mutations answer `{}`,
 * `create` echoes `{group_name}`. Error codes are the documented ones
 * (RESOURCE_ALREADY_EXISTS, RESOURCE_DOES_NOT_EXIST); their statuses follow the 2.0
 * convention (400 for exists, 404 for missing) and the message wording is the
 * emulator's: neither is documented. Only admins may call it ("You must be a
 * Databricks administrator to invoke this API.").
 */
export function registerGroups(routes: Routes, ws: Workspace): void {
  const p = ws.principals;

  const admin = (ctx: RequestContext): void => {
    if (!ctx.caller.isAdmin) throw permissionDenied('You must be a Databricks administrator to invoke this API.');
  };
  const group = (name: string): GroupRecord => {
    const g = p.groupByName(name);
    if (!g) throw notFound(`Group ${name} does not exist.`);
    return g;
  };
  const groupNames = (ids: Iterable<string>): Json => {
    const names = [...ids].map((id) => p.groups.get(id)?.displayName).filter((n): n is string => n !== undefined);
    // Empty lists are left out, as everywhere in the 2.0 APIs.
    return names.length === 0 ? {} : { group_names: names.sort() };
  };
  /** `user_name` or `group_name` (service principals by application id, which the 2.0 API predates: inferred). */
  const principal = (ctx: RequestContext): string => {
    const user = ctx.body.str('user_name');
    const groupName = ctx.body.str('group_name');
    if ((user === undefined) === (groupName === undefined)) {
      throw invalidParameter('Exactly one of user_name or group_name must be specified.');
    }
    if (groupName !== undefined) return group(groupName).id;
    const u = p.userByName(user as string) ?? p.servicePrincipalByAppId(user as string);
    if (!u) throw notFound(`User ${String(user)} does not exist.`);
    return u.id;
  };

  routes.get('/api/2.0/groups/list', 'groups.list', (ctx) => {
    admin(ctx);
    return groupNames(p.groups.keys());
  });

  routes.get('/api/2.0/groups/list-members', 'groups.list-members', (ctx) => {
    admin(ctx);
    const g = group(ctx.query.required('group_name'));
    const members = g.members.map((id): Json => {
      const kind = p.kindOf(id);
      if (kind === 'group') return { group_name: p.groups.get(id)?.displayName };
      if (kind === 'user') return { user_name: p.users.get(id)?.userName };
      return { user_name: p.servicePrincipals.get(id)?.applicationId };
    });
    return members.length === 0 ? {} : { members };
  });

  routes.get('/api/2.0/groups/list-parents', 'groups.list-parents', (ctx) => {
    admin(ctx);
    const user = ctx.query.str('user_name');
    const groupName = ctx.query.str('group_name');
    if ((user === undefined) === (groupName === undefined)) {
      throw invalidParameter('Exactly one of user_name or group_name must be specified.');
    }
    let id: string;
    if (groupName !== undefined) id = group(groupName).id;
    else {
      const u = p.userByName(user as string) ?? p.servicePrincipalByAppId(user as string);
      if (!u) throw notFound(`User ${String(user)} does not exist.`);
      id = u.id;
    }
    return groupNames(p.directGroupIds(id));
  });

  routes.post('/api/2.0/groups/create', 'groups.create', (ctx) => {
    admin(ctx);
    const name = ctx.body.required('group_name');
    if (p.groupByName(name)) throw alreadyExists(`Group ${name} already exists.`);
    p.addGroup({ displayName: name });
    return { group_name: name };
  });

  routes.post('/api/2.0/groups/add-member', 'groups.add-member', (ctx) => {
    admin(ctx);
    const parent = group(ctx.body.required('parent_name'));
    const member = principal(ctx);
    if (member === parent.id) throw invalidParameter(`Group ${parent.displayName} cannot be a member of itself.`);
    if (!parent.members.includes(member)) parent.members.push(member);
    return {};
  });

  routes.post('/api/2.0/groups/remove-member', 'groups.remove-member', (ctx) => {
    admin(ctx);
    const parent = group(ctx.body.required('parent_name'));
    const member = principal(ctx);
    parent.members = parent.members.filter((m) => m !== member);
    return {};
  });

  routes.post('/api/2.0/groups/delete', 'groups.delete', (ctx) => {
    admin(ctx);
    const g = group(ctx.body.required('group_name'));
    if (g.builtIn) throw invalidParameter(`Cannot delete built-in group ${g.displayName}.`);
    p.remove(g.id);
    return {};
  });
}
