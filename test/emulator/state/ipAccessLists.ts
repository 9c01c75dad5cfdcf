import type { AreaState } from '../area.js';
import { alreadyExists, ApiError, invalidParameter, invalidState, notFound } from '../errors.js';
import type { Workspace } from './workspace.js';

/** IP access lists' part of a fixture. */
export interface IpAccessListsSection {
  ipAccessLists?: FixtureIpAccessList[];
}

/** A list as the API shows it; ids and times are optional on input. */
export interface FixtureIpAccessList {
  list_id?: string;
  label: string;
  list_type: 'ALLOW' | 'BLOCK';
  ip_addresses: string[];
  /** @default true */
  enabled?: boolean;
  created_at?: number;
  /** SCIM id of the user who created the list. @default the admin user */
  created_by?: string;
  updated_at?: number;
  updated_by?: string;
}

export interface IpAccessListRecord {
  listId: string;
  label: string;
  listType: 'ALLOW' | 'BLOCK';
  ipAddresses: string[];
  enabled: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

/** For all lists together (docs: one CIDR counts as one value). */
export const MAX_IP_VALUES = 1000;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** `a.b.c.d` or `a.b.c.d/n` as a [network, mask] pair; undefined when it is neither. */
function parseRange(value: string): { base: number; bits: number } | undefined {
  const [ip, prefix, extra] = value.split('/');
  if (extra !== undefined || ip === undefined || !IPV4.test(ip)) return undefined;
  const bits = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits >= 0 && bits <= 32)) return undefined;
  return { base: ipv4ToInt(ip), bits };
}

function inRange(ip: number, range: { base: number; bits: number }): boolean {
  if (range.bits === 0) return true;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ip / size) === Math.floor(range.base / size);
}

/** The caller's address as IPv4 (`::ffff:a.b.c.d` is how Node reports IPv4 on a dual-stack socket). */
export function callerIpv4(remote: string | undefined): string | undefined {
  const ip = (remote ?? '').replace(/^::ffff:/i, '');
  return IPV4.test(ip) ? ip : undefined;
}

function validateAddresses(values: unknown): string[] {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw invalidParameter('ip_addresses must be a list of IP addresses or CIDR ranges.');
  return values.map((v) => {
    if (typeof v !== 'string') throw invalidParameter('ip_addresses must be a list of IP addresses or CIDR ranges.');
    // IP access lists support only IPv4 (docs: "Configure IP access lists for workspaces").
    if (v.includes(':')) throw invalidParameter(`IPv6 addresses are not supported: ${v}. IP access lists support only IPv4 addresses.`);
    if (!parseRange(v)) throw invalidParameter(`Invalid IP address or CIDR range: ${v}`);
    return v;
  });
}

/**
 * IP access lists (`/api/2.0/ip-access-lists`) and their enforcement. Rules from the
 * SDK documentation of IpAccessListsAPI: block lists first (a match rejects), then,
 * when at least one allow list exists, the address must match one; no allow list
 * means every address not blocked is allowed. Disabled lists do not count. Nothing is
 * enforced unless the workspace setting `enableIpAccessLists` is true.
 */
export class IpAccessLists implements AreaState<IpAccessListsSection> {
  readonly records = new Map<string, IpAccessListRecord>();

  constructor(private readonly ws: Workspace) {}

  get(id: string): IpAccessListRecord {
    const r = this.records.get(id);
    // Message as in Terraform's unit-test fixture (access/resource_ip_access_list_test.go).
    if (!r) throw notFound(`Can't find an IP access list with id: ${id}.`);
    return r;
  }

  list(): IpAccessListRecord[] {
    return [...this.records.values()].sort((a, b) => a.createdAt - b.createdAt || a.listId.localeCompare(b.listId));
  }

  /** Whether the enforced lists let `ip` in (true when the feature is off). */
  allows(ip: string | undefined, lists: Iterable<IpAccessListRecord> = this.records.values()): boolean {
    const enabled = [...lists].filter((l) => l.enabled);
    if (enabled.length === 0) return true;
    // A caller without an IPv4 address matches no list (the lists are IPv4 only).
    const n = ip === undefined ? undefined : ipv4ToInt(ip);
    const matches = (l: IpAccessListRecord): boolean =>
      n !== undefined && l.ipAddresses.some((v) => inRange(n, parseRange(v) as { base: number; bits: number }));
    if (enabled.some((l) => l.listType === 'BLOCK' && matches(l))) return false;
    const allowLists = enabled.filter((l) => l.listType === 'ALLOW');
    return allowLists.length === 0 || allowLists.some(matches);
  }

  /** Whether requests are checked at all: the workspace setting `enableIpAccessLists`. */
  enforced(): boolean {
    return this.ws.workspaceConf.isTrue('enableIpAccessLists');
  }

  create(input: { label: unknown; list_type: unknown; ip_addresses: unknown }, by: { id: string; ip?: string }): IpAccessListRecord {
    const t = this.ws.now();
    const record: IpAccessListRecord = {
      listId: this.ws.ids.uuid(),
      ...this.validate(input, undefined),
      enabled: true,
      createdAt: t,
      createdBy: by.id,
      updatedAt: t,
      updatedBy: by.id,
    };
    this.commit(record, by.ip);
    return record;
  }

  /** PUT replaces label, type, addresses and enabled; PATCH changes the fields it names. */
  change(
    id: string,
    input: { label?: unknown; list_type?: unknown; ip_addresses?: unknown; enabled?: unknown },
    mode: 'replace' | 'update',
    by: { id: string; ip?: string },
  ): IpAccessListRecord {
    const current = this.get(id);
    const merged =
      mode === 'replace'
        ? input
        : {
            label: input.label ?? current.label,
            list_type: input.list_type ?? current.listType,
            ip_addresses: input.ip_addresses ?? current.ipAddresses,
            enabled: input.enabled ?? current.enabled,
          };
    if (mode === 'replace' && (merged.enabled === undefined || merged.enabled === null)) {
      throw invalidParameter("Missing required field 'enabled'");
    }
    const enabled = merged.enabled;
    if (typeof enabled !== 'boolean' && enabled !== 'true' && enabled !== 'false') throw invalidParameter('enabled must be true or false.');
    const next: IpAccessListRecord = {
      ...current,
      ...this.validate(merged, id),
      enabled: enabled === true || enabled === 'true',
      updatedAt: this.ws.now(),
      updatedBy: by.id,
    };
    this.commit(next, by.ip);
    return next;
  }

  delete(id: string): void {
    this.get(id);
    this.records.delete(id);
  }

  /**
   * Store a new or changed list after the checks that look at every list: the
   * 1000-value quota (400 QUOTA_EXCEEDED) and, when the feature is on, that the
   * caller would not lock itself out (400 INVALID_STATE), both documented on the
   * API. Their message wording is the emulator's.
   */
  private commit(record: IpAccessListRecord, callerIp: string | undefined): void {
    const after = new Map(this.records);
    after.set(record.listId, record);
    const total = [...after.values()].reduce((n, l) => n + l.ipAddresses.length, 0);
    if (total > MAX_IP_VALUES) {
      throw new ApiError(
        400,
        'QUOTA_EXCEEDED',
        `The IP access lists would hold ${total} IP addresses and CIDR ranges; at most ${MAX_IP_VALUES} are allowed.`,
      );
    }
    if (callerIp !== undefined && this.enforced() && !this.allows(callerIpv4(callerIp), after.values())) {
      throw invalidState(`Your current IP ${callerIp} will not be allowed to access the workspace under the resulting IP access lists.`);
    }
    this.records.set(record.listId, record);
  }

  private validate(
    input: { label?: unknown; list_type?: unknown; ip_addresses?: unknown },
    exceptId: string | undefined,
  ): Pick<IpAccessListRecord, 'label' | 'listType' | 'ipAddresses'> {
    const label = input.label;
    if (typeof label !== 'string' || label.trim() === '') throw invalidParameter('label cannot be empty.');
    const listType = input.list_type;
    if (listType !== 'ALLOW' && listType !== 'BLOCK') {
      throw invalidParameter(`Invalid list_type ${String(listType)}. Supported values: ALLOW, BLOCK.`);
    }
    for (const r of this.records.values()) {
      if (r.listId !== exceptId && r.listType === listType && r.label === label) {
        // As in Terraform's unit-test fixture for a duplicate (unverified against the service).
        throw alreadyExists(`IP access list with type (${listType}) and label (${label}) already exists`);
      }
    }
    return { label, listType, ipAddresses: validateAddresses(input.ip_addresses) };
  }

  load(fixture: IpAccessListsSection): void {
    const admin = this.ws.principals.adminCaller().id;
    for (const l of fixture.ipAccessLists ?? []) {
      const t = l.created_at ?? this.ws.now();
      // Fixtures are trusted: no lock-out check, but the same validation and quota.
      const record: IpAccessListRecord = {
        listId: l.list_id ?? this.ws.ids.uuid(),
        ...this.validate(l, undefined),
        enabled: l.enabled ?? true,
        createdAt: t,
        createdBy: l.created_by ?? admin,
        updatedAt: l.updated_at ?? t,
        updatedBy: l.updated_by ?? l.created_by ?? admin,
      };
      this.commit(record, undefined);
    }
  }

  dump(): IpAccessListsSection {
    if (this.records.size === 0) return {};
    return {
      ipAccessLists: this.list().map((l) => ({
        list_id: l.listId,
        label: l.label,
        list_type: l.listType,
        ip_addresses: l.ipAddresses,
        enabled: l.enabled,
        created_at: l.createdAt,
        created_by: l.createdBy,
        updated_at: l.updatedAt,
        updated_by: l.updatedBy,
      })),
    };
  }
}
