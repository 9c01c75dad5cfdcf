import ipaddr from 'ipaddr.js';

import { isApiError } from '../databricks/errors.js';
import type { ArtifactEntry } from '../snapshot/types.js';
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
    /**
     * Every list is checked before it is written: the lists as they will be right after
     * that write (a new list starts enabled, whatever it is then set to) must still admit
     * the DR tool while the workspace enforces them. Lists that admit the tool are
     * written first, block lists last, so no write in between shuts it out.
     */
    async importAll(ctx, artifacts) {
      const results = new Map<string, ImportResult>();
      const wanted: Array<{ artifact: ArtifactEntry; list: IpAccessList }> = [];
      const labels = new Set<string>();
      for (const a of artifacts) {
        const list = comparable(doc<ListInfo>(await ctx.read(a)));
        // The key is the label: a list is never written under another list's name.
        if (list.label !== a.key || labels.has(list.label)) {
          results.set(a.key, { action: 'failed', note: `The snapshot's list "${a.key}" is labelled "${list.label}" or repeated.` });
          continue;
        }
        labels.add(list.label);
        wanted.push({ artifact: a, list });
      }
      const egress = ctx.mappings.egressAddresses ?? [];
      const admitsTool = (l: IpAccessList): boolean =>
        l.list_type === 'ALLOW' && egress.every((e) => l.ip_addresses.some((r) => contains(r, e)));
      const rank = (l: IpAccessList): number => (l.list_type === 'BLOCK' ? 2 : admitsTool(l) ? 0 : 1);
      wanted.sort((x, y) => rank(x.list) - rank(y.list));
      const inventory = await ctx.inventory('ipAccessLists');
      const state = new Map([...inventory].map(([label, t]) => [label, comparable(t.data as ListInfo)]));
      const enforcing = await enforced(ctx);
      for (const { artifact, list } of wanted) {
        const during = new Map(state).set(list.label, state.has(list.label) ? list : { ...list, enabled: true });
        const refused = enforcing ? refusedBy(egress, [...during.values()]) : undefined;
        if (refused !== undefined) {
          results.set(artifact.key, { action: 'skip', note: refused, needsHuman: { reason: refused, action: LOCKOUT_ACTION } });
          continue;
        }
        try {
          results.set(artifact.key, await reconcileList(ctx, artifact, list));
          state.set(list.label, list);
        } catch (error) {
          // One list's refusal fails that list only; the lists already written keep their records.
          if (!isApiError(error) || ctx.signal.aborted) throw error;
          results.set(artifact.key, { action: 'failed', note: error.message });
        }
      }
      return results;
    },
  },
};

const LOCKOUT_ACTION =
  'Add the DR tool\u2019s outbound addresses (egressAddresses in DR_FAILOVER_MAPPINGS) to an allow list in the DR workspace, ' +
  'or write the lists by hand.';

function reconcileList(ctx: ImportContext, artifact: ArtifactEntry, list: IpAccessList): Promise<ImportResult> {
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
export function comparable(l: Partial<ListInfo>): IpAccessList {
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
 * Why these lists, enforced, would refuse one of the DR tool's own addresses or
 * ranges; or undefined when every one gets in. A range is refused when an enabled
 * block list overlaps it, or when there are enabled allow lists and none holds all of
 * it (the service's rule: block lists first, then allow lists when any exist). With no
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
    const blocked = enabled.find((l) => l.list_type === 'BLOCK' && l.ip_addresses.some((r) => overlaps(r, address)));
    if (blocked) return `The block list "${blocked.label}" would refuse the DR tool\u2019s address ${address}.`;
    if (allows.length > 0 && !allows.some((l) => l.ip_addresses.some((r) => contains(r, address))))
      return `No enabled allow list would admit the DR tool\u2019s address ${address}.`;
  }
  return undefined;
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An address ("10.1.2.3", IPv4-mapped IPv6 too) or a CIDR range as one range; undefined when malformed. */
function range(text: string): Range | undefined {
  try {
    if (text.includes('/')) {
      const [net, bits] = ipaddr.parseCIDR(text);
      return net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
        ? [(net as ipaddr.IPv6).toIPv4Address(), bits - 96]
        : [net, bits];
    }
    const ip = ipaddr.process(text);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** Whether the range `outer` holds every address of `inner`; malformed entries hold nothing. */
export function contains(outer: string, inner: string): boolean {
  const o = range(outer);
  const i = range(inner);
  return o !== undefined && i !== undefined && o[0].kind() === i[0].kind() && i[1] >= o[1] && i[0].match(o[0], o[1]);
}

/** Whether two ranges share an address. */
export function overlaps(a: string, b: string): boolean {
  return contains(a, b) || contains(b, a);
}
