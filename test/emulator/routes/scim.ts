import scimFilter from 'scim2-parse-filter';

import { ScimError } from '../errors.js';
import { isObject, type Json, type RequestContext, Reply, type Routes } from '../http.js';
import { ENTITLEMENTS, type GroupRecord, type ServicePrincipalRecord, type UserRecord } from '../state/principals.js';
import type { Workspace } from '../state/workspace.js';

const { filter: compileFilter, parse: parseFilter } = scimFilter;

const BASE = '/api/2.0/preview/scim/v2';
const USER_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User'];
const GROUP_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:Group'];
const SP_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'];
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Kind = 'Users' | 'Groups' | 'ServicePrincipals';

/**
 * A missing principal. SCIM ids are numeric strings; a path segment that is not one
 * (an email, a name) is answered with "Endpoint not supported." (compute-jobs-iam.md §4.4).
 */
function notFoundDetail(kind: Kind, id?: string): ScimError {
  if (id !== undefined && !/^\d+$/.test(id)) return new ScimError(404, 'Endpoint not supported.');
  const noun = kind === 'Users' ? 'User' : kind === 'Groups' ? 'Group' : 'Service principal';
  return new ScimError(404, `${noun} not found.`);
}

/** A member reference; `display` is the member's displayName, for users too (not the userName). */
function ref(ws: Workspace, id: string): Json {
  const kind = ws.principals.kindOf(id);
  const display =
    kind === 'user'
      ? ws.principals.users.get(id)?.displayName
      : kind === 'group'
        ? ws.principals.groups.get(id)?.displayName
        : ws.principals.servicePrincipals.get(id)?.displayName;
  const prefix = kind === 'user' ? 'Users' : kind === 'group' ? 'Groups' : 'ServicePrincipals';
  return { display, value: id, $ref: `${prefix}/${id}` };
}

function parentGroups(ws: Workspace, id: string): Json[] {
  return ws.principals
    .directGroupIds(id)
    .map((gid) => ({ display: ws.principals.groups.get(gid)?.displayName, type: 'direct', value: gid, $ref: `Groups/${gid}` }));
}

function entitlements(list: string[]): Json[] {
  return list.map((value) => ({ value }));
}

function withOptional(out: Json, key: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  out[key] = value;
}

export function userJson(ws: Workspace, u: UserRecord): Json {
  const out: Json = { schemas: USER_SCHEMAS, id: u.id, userName: u.userName, displayName: u.displayName, active: u.active };
  if (u.givenName !== undefined || u.familyName !== undefined) {
    out['name'] = {
      ...(u.givenName === undefined ? {} : { givenName: u.givenName }),
      ...(u.familyName === undefined ? {} : { familyName: u.familyName }),
    };
  }
  out['emails'] = [{ type: 'work', value: u.userName, primary: true }];
  withOptional(out, 'groups', parentGroups(ws, u.id));
  withOptional(out, 'entitlements', entitlements(u.entitlements));
  withOptional(out, 'externalId', u.externalId);
  return out;
}

export function groupJson(ws: Workspace, g: GroupRecord): Json {
  const out: Json = { schemas: GROUP_SCHEMAS, id: g.id, displayName: g.displayName };
  withOptional(
    out,
    'members',
    g.members.map((m) => ref(ws, m)),
  );
  withOptional(out, 'groups', parentGroups(ws, g.id));
  withOptional(out, 'entitlements', entitlements(g.entitlements));
  withOptional(out, 'externalId', g.externalId);
  out['meta'] = { resourceType: 'WorkspaceGroup' };
  return out;
}

export function servicePrincipalJson(ws: Workspace, sp: ServicePrincipalRecord): Json {
  const out: Json = { schemas: SP_SCHEMAS, id: sp.id, applicationId: sp.applicationId, displayName: sp.displayName, active: sp.active };
  withOptional(out, 'groups', parentGroups(ws, sp.id));
  withOptional(out, 'entitlements', entitlements(sp.entitlements));
  withOptional(out, 'externalId', sp.externalId);
  return out;
}

function scimBody(ctx: RequestContext): Json {
  return ctx.body.json;
}

function readEntitlements(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ScimError(400, 'entitlements must be a list.');
  return value.map((e) => {
    const v = isObject(e) ? e['value'] : undefined;
    if (typeof v !== 'string' || !(ENTITLEMENTS as readonly string[]).includes(v)) {
      throw new ScimError(400, `Invalid entitlement ${String(v)}. Valid entitlements: ${ENTITLEMENTS.join(', ')}.`);
    }
    return v;
  });
}

function memberIds(ws: Workspace, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ScimError(400, 'members must be a list.');
  return value.map((m) => {
    const id = isObject(m) ? m['value'] : undefined;
    if (typeof id !== 'string' || ws.principals.kindOf(id) === undefined) {
      throw new ScimError(404, `Member ${String(id)} not found.`);
    }
    return id;
  });
}

/** Apply the attribute selection of `attributes` / `excludedAttributes`. */
function project(resource: Json, attributes: string | undefined, excluded: string | undefined): Json {
  if (attributes) {
    const keep = new Set(attributes.split(',').map((a) => a.trim().toLowerCase()));
    keep.add('id');
    keep.add('schemas');
    return Object.fromEntries(Object.entries(resource).filter(([k]) => keep.has(k.toLowerCase())));
  }
  if (excluded) {
    const drop = new Set(excluded.split(',').map((a) => a.trim().toLowerCase()));
    return Object.fromEntries(Object.entries(resource).filter(([k]) => !drop.has(k.toLowerCase())));
  }
  return resource;
}

/** SCIM filters: `userName` and emails compare case-insensitively, as in Databricks. */
function matcher(expression: string | undefined): (r: Json) => boolean {
  if (!expression) return () => true;
  let ast;
  try {
    ast = parseFilter(expression);
  } catch (error) {
    throw new ScimError(400, `Invalid filter '${expression}': ${(error as Error).message}`, 'invalidFilter');
  }
  const lowerValues = (node: unknown): void => {
    if (!isObject(node)) return;
    const attr = typeof node['attrPath'] === 'string' ? node['attrPath'].toLowerCase() : '';
    if ((attr === 'username' || attr === 'emails.value' || attr === 'applicationid') && typeof node['compValue'] === 'string') {
      node['compValue'] = node['compValue'].toLowerCase();
    }
    for (const v of Object.values(node)) {
      if (Array.isArray(v)) v.forEach(lowerValues);
      else lowerValues(v);
    }
  };
  lowerValues(ast);
  const test = compileFilter(ast);
  return (r) => {
    const view: Json = { ...r };
    for (const k of ['userName', 'applicationId']) if (typeof view[k] === 'string') view[k] = (view[k] as string).toLowerCase();
    if (Array.isArray(view['emails']))
      view['emails'] = (view['emails'] as Json[]).map((e) => ({ ...e, value: String(e['value']).toLowerCase() }));
    return test(view);
  };
}

function list(ctx: RequestContext, resources: Json[]): Json {
  const matching = resources.filter(matcher(ctx.query.str('filter')));
  const sortBy = ctx.query.str('sortBy');
  if (sortBy) {
    const key = sortBy;
    matching.sort((a, b) => String(a[key] ?? '').localeCompare(String(b[key] ?? '')));
    if (ctx.query.str('sortOrder') === 'descending') matching.reverse();
  }
  const startIndex = Math.max(1, ctx.query.int('startIndex') ?? 1);
  const count = ctx.query.int('count') ?? 10000;
  const page = matching.slice(startIndex - 1, startIndex - 1 + Math.max(0, count));
  const out: Json = {
    schemas: [LIST_SCHEMA],
    totalResults: matching.length,
    startIndex,
    itemsPerPage: page.length,
  };
  if (page.length > 0) {
    out['Resources'] = page.map((r) => project(r, ctx.query.str('attributes'), ctx.query.str('excludedAttributes')));
  }
  return out;
}

interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

function patchOperations(ctx: RequestContext): PatchOperation[] {
  const body = scimBody(ctx);
  const ops = body['Operations'] ?? body['operations'];
  if (!Array.isArray(ops)) throw new ScimError(400, 'Operations must be a list.', 'invalidSyntax');
  const schemas = body['schemas'];
  if (Array.isArray(schemas) && !schemas.includes(PATCH_SCHEMA))
    throw new ScimError(400, `Unsupported schemas: expected ${PATCH_SCHEMA}.`, 'invalidSyntax');
  return ops.map((o) => {
    if (!isObject(o)) throw new ScimError(400, 'Each operation must be an object.', 'invalidSyntax');
    const op = String(o['op'] ?? '').toLowerCase();
    if (op !== 'add' && op !== 'remove' && op !== 'replace')
      throw new ScimError(400, `Unsupported operation ${String(o['op'])}.`, 'invalidSyntax');
    return {
      op,
      ...(typeof o['path'] === 'string' ? { path: o['path'] } : {}),
      ...(o['value'] === undefined ? {} : { value: o['value'] }),
    } as PatchOperation;
  });
}

/** `members[value eq "123"]` → "123" */
function filteredValue(path: string, attribute: string): string | undefined {
  const m = new RegExp(`^${attribute}\\[\\s*value\\s+eq\\s+"([^"]*)"\\s*\\]$`, 'i').exec(path);
  return m?.[1];
}

function applyListPatch(current: string[], op: PatchOperation, attribute: string, read: (v: unknown) => string[]): string[] {
  const path = op.path ?? '';
  if (op.op === 'remove') {
    const only = filteredValue(path, attribute);
    if (only !== undefined) return current.filter((v) => v !== only);
    if (path.toLowerCase() === attribute) {
      if (op.value === undefined) return [];
      const drop = new Set(read(op.value));
      return current.filter((v) => !drop.has(v));
    }
    return current;
  }
  const values = read(op.value);
  if (op.op === 'replace') return values;
  return [...current, ...values.filter((v) => !current.includes(v))];
}

export function registerScim(routes: Routes, ws: Workspace): void {
  const p = ws.principals;

  // ---- Users
  routes.get(`${BASE}/Users`, 'scim.read', (ctx) =>
    list(
      ctx,
      [...p.users.values()].map((u) => userJson(ws, u)),
    ),
  );
  routes.get(`${BASE}/Users/:id`, 'scim.read', (ctx) => {
    const u = p.users.get(ctx.params['id'] ?? '');
    if (!u) throw notFoundDetail('Users', ctx.params['id']);
    return project(userJson(ws, u), ctx.query.str('attributes'), ctx.query.str('excludedAttributes'));
  });
  routes.post(`${BASE}/Users`, 'scim', (ctx) => {
    const b = scimBody(ctx);
    const userName = b['userName'];
    if (typeof userName !== 'string' || !userName.includes('@'))
      throw new ScimError(400, 'userName must be an email address.', 'invalidValue');
    const name = isObject(b['name']) ? b['name'] : {};
    const user = p.addUser({
      userName,
      displayName: typeof b['displayName'] === 'string' ? b['displayName'] : userName,
      ...(typeof name['givenName'] === 'string' ? { givenName: name['givenName'] } : {}),
      ...(typeof name['familyName'] === 'string' ? { familyName: name['familyName'] } : {}),
      ...(typeof b['externalId'] === 'string' ? { externalId: b['externalId'] } : {}),
      active: b['active'] !== false,
      entitlements: readEntitlements(b['entitlements']),
    });
    for (const gid of memberIds(ws, b['groups'])) p.groups.get(gid)?.members.push(user.id);
    return Reply.json(201, userJson(ws, user));
  });
  routes.put(`${BASE}/Users/:id`, 'scim', (ctx) => {
    const u = p.users.get(ctx.params['id'] ?? '');
    if (!u) throw notFoundDetail('Users', ctx.params['id']);
    const b = scimBody(ctx);
    // userName and emails cannot change; the service ignores them.
    if (typeof b['displayName'] === 'string') u.displayName = b['displayName'];
    u.active = b['active'] !== false;
    u.entitlements = readEntitlements(b['entitlements']);
    const name = isObject(b['name']) ? b['name'] : {};
    delete u.givenName;
    delete u.familyName;
    if (typeof name['givenName'] === 'string') u.givenName = name['givenName'];
    if (typeof name['familyName'] === 'string') u.familyName = name['familyName'];
    return userJson(ws, u);
  });
  routes.patch(`${BASE}/Users/:id`, 'scim', (ctx) => {
    const u = p.users.get(ctx.params['id'] ?? '');
    if (!u) throw notFoundDetail('Users', ctx.params['id']);
    for (const op of patchOperations(ctx)) patchPrincipal(ws, u, op);
    return Reply.empty(204);
  });
  routes.delete(`${BASE}/Users/:id`, 'scim', (ctx) => {
    const id = ctx.params['id'] ?? '';
    if (!p.users.has(id)) throw notFoundDetail('Users', ctx.params['id']);
    p.remove(id);
    return Reply.empty(204);
  });

  // ---- Groups
  routes.get(`${BASE}/Groups`, 'scim.read', (ctx) =>
    list(
      ctx,
      [...p.groups.values()].map((g) => groupJson(ws, g)),
    ),
  );
  routes.get(`${BASE}/Groups/:id`, 'scim.read', (ctx) => {
    const g = p.groups.get(ctx.params['id'] ?? '');
    if (!g) throw notFoundDetail('Groups', ctx.params['id']);
    return project(groupJson(ws, g), ctx.query.str('attributes'), ctx.query.str('excludedAttributes'));
  });
  routes.post(`${BASE}/Groups`, 'scim', (ctx) => {
    const b = scimBody(ctx);
    const displayName = b['displayName'];
    if (typeof displayName !== 'string' || displayName === '') throw new ScimError(400, 'displayName is required.', 'invalidValue');
    const group = p.addGroup({
      displayName,
      ...(typeof b['externalId'] === 'string' ? { externalId: b['externalId'] } : {}),
      entitlements: readEntitlements(b['entitlements']),
      members: memberIds(ws, b['members']),
    });
    return Reply.json(201, groupJson(ws, group));
  });
  routes.put(`${BASE}/Groups/:id`, 'scim', (ctx) => {
    const g = p.groups.get(ctx.params['id'] ?? '');
    if (!g) throw notFoundDetail('Groups', ctx.params['id']);
    const b = scimBody(ctx);
    if (typeof b['displayName'] === 'string' && b['displayName'] !== g.displayName) {
      if (g.builtIn) throw new ScimError(400, `Cannot rename built-in group ${g.displayName}.`);
      if (p.groupByName(b['displayName'])) throw new ScimError(409, `Group with name ${b['displayName']} already exists.`);
      g.displayName = b['displayName'];
    }
    g.members = memberIds(ws, b['members']);
    g.entitlements = readEntitlements(b['entitlements']);
    return groupJson(ws, g);
  });
  routes.patch(`${BASE}/Groups/:id`, 'scim', (ctx) => {
    const g = p.groups.get(ctx.params['id'] ?? '');
    if (!g) throw notFoundDetail('Groups', ctx.params['id']);
    for (const op of patchOperations(ctx)) {
      const path = (op.path ?? '').toLowerCase();
      if (op.path === undefined && isObject(op.value)) {
        // {op: add, value: {members: [...], entitlements: [...]}}
        for (const [k, v] of Object.entries(op.value)) {
          if (k === 'members')
            g.members = applyListPatch(g.members, { op: op.op, path: 'members', value: v }, 'members', (x) => memberIds(ws, x));
          else if (k === 'entitlements')
            g.entitlements = applyListPatch(
              g.entitlements,
              { op: op.op, path: 'entitlements', value: v },
              'entitlements',
              readEntitlements,
            );
          else if (k === 'displayName' && typeof v === 'string') g.displayName = v;
        }
      } else if (path.startsWith('members')) {
        g.members = applyListPatch(g.members, op, 'members', (x) => memberIds(ws, x));
      } else if (path.startsWith('entitlements')) {
        g.entitlements = applyListPatch(g.entitlements, op, 'entitlements', readEntitlements);
      } else if (path === 'displayname' && typeof op.value === 'string') {
        g.displayName = op.value;
      } else {
        throw new ScimError(400, `Unsupported PATCH path ${String(op.path)} for groups.`, 'invalidPath');
      }
    }
    return Reply.empty(204);
  });
  routes.delete(`${BASE}/Groups/:id`, 'scim', (ctx) => {
    const g = p.groups.get(ctx.params['id'] ?? '');
    if (!g) throw notFoundDetail('Groups', ctx.params['id']);
    if (g.builtIn) throw new ScimError(400, `Cannot delete built-in group ${g.displayName}.`);
    p.remove(g.id);
    return Reply.empty(204);
  });

  // ---- Service principals
  routes.get(`${BASE}/ServicePrincipals`, 'scim.read', (ctx) =>
    list(
      ctx,
      [...p.servicePrincipals.values()].map((sp) => servicePrincipalJson(ws, sp)),
    ),
  );
  routes.get(`${BASE}/ServicePrincipals/:id`, 'scim.read', (ctx) => {
    const sp = p.servicePrincipals.get(ctx.params['id'] ?? '');
    if (!sp) throw notFoundDetail('ServicePrincipals', ctx.params['id']);
    return project(servicePrincipalJson(ws, sp), ctx.query.str('attributes'), ctx.query.str('excludedAttributes'));
  });
  routes.post(`${BASE}/ServicePrincipals`, 'scim', (ctx) => {
    const b = scimBody(ctx);
    // Databricks-managed service principals get a generated application id.
    const applicationId = typeof b['applicationId'] === 'string' && b['applicationId'] !== '' ? b['applicationId'] : ws.ids.uuid();
    const sp = p.addServicePrincipal({
      applicationId,
      displayName: typeof b['displayName'] === 'string' ? b['displayName'] : applicationId,
      ...(typeof b['externalId'] === 'string' ? { externalId: b['externalId'] } : {}),
      active: b['active'] !== false,
      entitlements: readEntitlements(b['entitlements']),
    });
    for (const gid of memberIds(ws, b['groups'])) p.groups.get(gid)?.members.push(sp.id);
    return Reply.json(201, servicePrincipalJson(ws, sp));
  });
  routes.put(`${BASE}/ServicePrincipals/:id`, 'scim', (ctx) => {
    const sp = p.servicePrincipals.get(ctx.params['id'] ?? '');
    if (!sp) throw notFoundDetail('ServicePrincipals', ctx.params['id']);
    const b = scimBody(ctx);
    if (typeof b['displayName'] === 'string') sp.displayName = b['displayName'];
    sp.active = b['active'] !== false;
    sp.entitlements = readEntitlements(b['entitlements']);
    return servicePrincipalJson(ws, sp);
  });
  routes.patch(`${BASE}/ServicePrincipals/:id`, 'scim', (ctx) => {
    const sp = p.servicePrincipals.get(ctx.params['id'] ?? '');
    if (!sp) throw notFoundDetail('ServicePrincipals', ctx.params['id']);
    for (const op of patchOperations(ctx)) patchPrincipal(ws, sp, op);
    return Reply.empty(204);
  });
  routes.delete(`${BASE}/ServicePrincipals/:id`, 'scim', (ctx) => {
    const id = ctx.params['id'] ?? '';
    if (!p.servicePrincipals.has(id)) throw notFoundDetail('ServicePrincipals', ctx.params['id']);
    p.remove(id);
    return Reply.empty(204);
  });

  // ---- Me: the caller as a User; `attributes` / `excludedAttributes` apply (Terraform and
  // the Go SDK send `excludedAttributes=entitlements`; docs.databricks.com/api/scim/v1/me).
  routes.get(`${BASE}/Me`, 'scim.read', (ctx) => {
    const attributes = ctx.query.str('attributes');
    const excluded = ctx.query.str('excludedAttributes');
    if (ctx.caller.kind === 'servicePrincipal') {
      const sp = p.servicePrincipals.get(ctx.caller.id);
      if (!sp) throw notFoundDetail('ServicePrincipals');
      const asUser: UserRecord = {
        id: sp.id,
        userName: sp.applicationId,
        displayName: sp.displayName,
        active: sp.active,
        entitlements: sp.entitlements,
        roles: [],
      };
      return project(userJson(ws, asUser), attributes, excluded);
    }
    const u = p.users.get(ctx.caller.id);
    if (!u) throw notFoundDetail('Users');
    return project(userJson(ws, u), attributes, excluded);
  });
}

function patchPrincipal(ws: Workspace, target: UserRecord | ServicePrincipalRecord, op: PatchOperation): void {
  const path = (op.path ?? '').toLowerCase();
  if (op.path === undefined && isObject(op.value)) {
    for (const [k, v] of Object.entries(op.value)) patchPrincipal(ws, target, { op: op.op, path: k, value: v });
    return;
  }
  if (path.startsWith('entitlements')) {
    target.entitlements = applyListPatch(target.entitlements, op, 'entitlements', readEntitlements);
  } else if (path === 'displayname' && typeof op.value === 'string') {
    target.displayName = op.value;
  } else if (path === 'active') {
    target.active = op.value === true || op.value === 'true';
  } else if (path.startsWith('groups')) {
    const groups = applyListPatch(ws.principals.directGroupIds(target.id), op, 'groups', (x) => memberIds(ws, x));
    for (const g of ws.principals.groups.values()) {
      const member = g.members.includes(target.id);
      if (groups.includes(g.id) && !member) g.members.push(target.id);
      if (!groups.includes(g.id) && member) g.members = g.members.filter((m) => m !== target.id);
    }
  } else if (path === 'username' || path.startsWith('emails')) {
    // Ignored by the service: a user's name cannot change.
  } else {
    throw new ScimError(400, `Unsupported PATCH path ${String(op.path)}.`, 'invalidPath');
  }
}
