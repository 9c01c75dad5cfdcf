import { permissionDenied } from '../errors.js';
import type { Json, RequestContext, Routes } from '../http.js';
import type { IpAccessListRecord } from '../state/ipAccessLists.js';
import type { Workspace } from '../state/workspace.js';

/** IpAccessListInfo (SDK model): user ids are int64 numbers, times epoch ms. */
function listJson(l: IpAccessListRecord): Json {
  const out: Json = {
    list_id: l.listId,
    label: l.label,
    address_count: l.ipAddresses.length,
    list_type: l.listType,
    created_at: l.createdAt,
    created_by: BigInt(l.createdBy),
    updated_at: l.updatedAt,
    updated_by: BigInt(l.updatedBy),
    enabled: l.enabled,
  };
  // Empty arrays are left out, as proto3 JSON does.
  if (l.ipAddresses.length > 0) out['ip_addresses'] = l.ipAddresses;
  return out;
}

/**
 * IP Access Lists 2.0 (databricks-sdk-go service/settings, IpAccessListsAPI; docs
 * "Configure IP access lists for workspaces"). No paging. Create takes no `enabled`
 * (new lists are enabled); PUT needs label, list_type and enabled; PATCH changes what
 * it names. The docs say update and replace return the list; the SDKs ignore it.
 * Workspace admins only. The check of requests against the lists is in server.ts.
 */
export function registerIpAccessLists(routes: Routes, ws: Workspace): void {
  const lists = ws.ipAccessLists;
  const admin = (ctx: RequestContext): { id: string; ip: string } => {
    if (!ctx.caller.isAdmin) throw permissionDenied('Only workspace admins can manage IP access lists.');
    return { id: ctx.caller.id, ip: ctx.ip };
  };
  const input = (ctx: RequestContext) => ({
    label: ctx.body.get('label'),
    list_type: ctx.body.get('list_type'),
    ip_addresses: ctx.body.get('ip_addresses'),
    enabled: ctx.body.get('enabled'),
  });

  routes.get('/api/2.0/ip-access-lists', 'ip-access-lists.list', (ctx) => {
    admin(ctx);
    const all = lists.list().map(listJson);
    return all.length === 0 ? {} : { ip_access_lists: all };
  });
  routes.post('/api/2.0/ip-access-lists', 'ip-access-lists.create', (ctx) => {
    const by = admin(ctx);
    const { label, list_type, ip_addresses } = input(ctx);
    return { ip_access_list: listJson(lists.create({ label, list_type, ip_addresses }, by)) };
  });
  routes.get('/api/2.0/ip-access-lists/:id', 'ip-access-lists.get', (ctx) => {
    admin(ctx);
    return { ip_access_list: listJson(lists.get(ctx.params['id'] ?? '')) };
  });
  routes.put('/api/2.0/ip-access-lists/:id', 'ip-access-lists.replace', (ctx) => {
    const by = admin(ctx);
    return { ip_access_list: listJson(lists.change(ctx.params['id'] ?? '', input(ctx), 'replace', by)) };
  });
  routes.patch('/api/2.0/ip-access-lists/:id', 'ip-access-lists.update', (ctx) => {
    const by = admin(ctx);
    return { ip_access_list: listJson(lists.change(ctx.params['id'] ?? '', input(ctx), 'update', by)) };
  });
  routes.delete('/api/2.0/ip-access-lists/:id', 'ip-access-lists.delete', (ctx) => {
    admin(ctx);
    lists.delete(ctx.params['id'] ?? '');
    return {};
  });
}
