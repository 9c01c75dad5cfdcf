import ipaddr from 'ipaddr.js';

import { doc } from './import/helpers.js';
import { reconcile, type TargetScope } from './import/reconcile.js';
import type { ImportContext, ImportResult, TargetObject } from './import/types.js';
import type { KindHandler } from './types.js';

/** An IP access list as the API reads it (IpAccessListInfo). */
interface ListInfo {
  list_id: string;
  label: string;
  list_type: 'ALLOW' | 'BLOCK';
  ip_addresses?: string[];
  enabled?: boolean;
  updated_at?: number;
}

/** What the snapshot holds of a list, and what a failover compares. */
export interface IpAccessList extends Record<string, unknown> {
  label: string;
  list_type: 'ALLOW' | 'BLOCK';
  ip_addresses: string[];
  enabled: boolean;
}

const PATH = '/api/2.0/ip-access-lists';

/**
 * IP access lists, by label. They guard the DR workspace itself, so a failover
 * never writes a set of lists that would refuse the DR tool's own outbound
 * addresses (`egressAddresses` in the mappings) while the workspace enforces them:
 * that would lock out the run, and the people who need the workspace, in the middle
 * of an outage. Lists are written disabled-or-enabled as recorded; turning
 * enforcement on is the workspace settings kind's job, with the same check.
 */
export const ipAccessLists: KindHandler = {
  kind: 'ipAccessLists',
  description: 'IP access lists (allow and block), never written so that they would shut out the DR tool.',
  naturalKey: 'label',
  dependsOn: [],
  references: [],
  async *list(ctx) {
    for (const l of await listLists(ctx)) {
      yield { key: l.label, sourceId: l.list_id, changeToken: String(l.updated_at ?? ''), meta: { list_type: l.list_type }, data: l };
    }
  },
  async export(_ctx, item) {
    return { content: comparable(item.data as ListInfo) };
  },
  importer: {
    inventory: target,
    async importAll(ctx, artifacts) {
      const wanted = new Map<string, IpAccessList>();
      for (const a of artifacts) wanted.set(a.key, comparable(doc<ListInfo>(await ctx.read(a))));
      const results = new Map<string, ImportResult>();
      const inventory = await ctx.inventory('ipAccessLists');
      const after = new Map([...inventory].map(([label, t]) => [label, comparable(t.data as ListInfo)]));
      for (const [label, list] of wanted) after.set(label, list);
      const refused = (await enforced(ctx)) ? refusedBy(ctx.mappings.egressAddresses ?? [], [...after.values()]) : undefined;
      for (const a of artifacts) {
        const list = wanted.get(a.key) as IpAccessList;
        if (refused !== undefined) {
          results.set(a.key, {
            action: 'skip',
            note: refused,
            needsHuman: { reason: refused, action: LOCKOUT_ACTION },
          });
          continue;
        }
        results.set(a.key, await reconcileList(ctx, a, list));
      }
      return results;
    },
  },
};

const LOCKOUT_ACTION =
  'Add the DR tool\u2019s outbound addresses (egressAddresses in DR_FAILOVER_MAPPINGS) to an allow list in the DR workspace, ' +
  'or write the lists by hand.';

function reconcileList(ctx: ImportContext, artifact: Parameters<typeof reconcile>[1], list: IpAccessList): Promise<ImportResult> {
  return reconcile(ctx, artifact, target, {
    kind: 'ipAccessLists',
    key: list.label,
    what: 'The IP access list',
    noun: 'IP access list',
    wanted: list,
    current: (existing) => comparable(existing.data as ListInfo),
    async update(existing) {
      await ctx.client.put(`${PATH}/${existing.id}`, list, { signal: ctx.signal, idempotent: true });
    },
    async create() {
      const { enabled, ...body } = list;
      const made = await ctx.client.post<{ ip_access_list: ListInfo }>(PATH, body, { signal: ctx.signal });
      const id = made.ip_access_list.list_id;
      // A new list is enabled; one recorded as disabled is disabled right after.
      if (!enabled) await ctx.client.patch(`${PATH}/${id}`, { enabled: false }, { signal: ctx.signal, idempotent: true });
      return id;
    },
    written: (id) => ({ ...list, list_id: id }),
  });
}

/** The fields a list is compared on; addresses sorted (their order means nothing). */
function comparable(l: Partial<ListInfo>): IpAccessList {
  return {
    label: String(l.label),
    list_type: l.list_type === 'BLOCK' ? 'BLOCK' : 'ALLOW',
    ip_addresses: [...(l.ip_addresses ?? [])].sort(),
    enabled: l.enabled !== false,
  };
}

async function listLists(ctx: TargetScope): Promise<ListInfo[]> {
  return (await ctx.client.get<{ ip_access_lists?: ListInfo[] }>(PATH, undefined, { signal: ctx.signal })).ip_access_lists ?? [];
}

/** The target's lists by label. */
async function target(ctx: TargetScope): Promise<Map<string, TargetObject>> {
  return new Map((await listLists(ctx)).map((l) => [l.label, { id: l.list_id, data: l }]));
}

/** Whether the target workspace enforces its IP access lists now. */
export async function enforced(ctx: TargetScope): Promise<boolean> {
  const r = await ctx.client.get<Record<string, string | null>>(
    '/api/2.0/workspace-conf',
    { keys: 'enableIpAccessLists' },
    { signal: ctx.signal },
  );
  return r['enableIpAccessLists']?.toLowerCase() === 'true';
}

/**
 * Why these lists, enforced, would refuse one of the DR tool's own addresses; or
 * undefined when every address gets in. An address is refused when an enabled block
 * list holds it, or when there are enabled allow lists and none holds it (the
 * service's rule: block lists first, then allow lists when any exist). With no
 * known addresses, any enabled list is refused: nothing shows it is safe.
 */
export function refusedBy(egress: readonly string[], lists: readonly IpAccessList[]): string | undefined {
  const enabled = lists.filter((l) => l.enabled);
  if (enabled.length === 0) return undefined;
  if (egress.length === 0)
    return (
      'The DR workspace enforces IP access lists and the DR tool\u2019s outbound addresses are not configured, ' +
      'so nothing shows these lists would let it in.'
    );
  const allows = enabled.filter((l) => l.list_type === 'ALLOW');
  for (const address of egress) {
    const blocked = enabled.find((l) => l.list_type === 'BLOCK' && l.ip_addresses.some((r) => covers(r, address)));
    if (blocked) return `The block list "${blocked.label}" would refuse the DR tool\u2019s address ${address}.`;
    if (allows.length > 0 && !allows.some((l) => l.ip_addresses.some((r) => covers(r, address))))
      return `No enabled allow list would admit the DR tool\u2019s address ${address}.`;
  }
  return undefined;
}

/** Whether an address or CIDR range (as the lists hold them) covers an address; malformed entries cover nothing. */
export function covers(range: string, address: string): boolean {
  try {
    const ip = ipaddr.process(address);
    if (!range.includes('/')) return ipaddr.process(range).toString() === ip.toString();
    const [net, bits] = ipaddr.parseCIDR(range);
    return ip.kind() === net.kind() && ip.match(net, bits);
  } catch {
    return false;
  }
}
