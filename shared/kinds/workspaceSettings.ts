import { KIND_NAMES } from '../snapshot/names.js';
import { decide, diffFields, doc, isOurs, jsonHash } from './import/helpers.js';
import type { ImportContext, ImportResult } from './import/types.js';
import { comparable, type IpAccessList, refusedBy } from './ipAccessLists.js';
import type { KindHandler } from './types.js';

/**
 * Which value of a workspace setting is the stricter one: 'on' ("true"), 'off'
 * ("false"), or 'lower' (a number, where 0 means no limit); and the value a key
 * never set reads as (the workspace's default), which is what the DR workspace has
 * until someone sets it: a snapshot never turns on what is off by default there. A failover copies the
 * primary's settings but never loosens the DR workspace: where the DR workspace is
 * stricter it keeps its value and says so. The keys are the documented ones
 * (Azure Databricks docs: workspace settings, tokens, IP access lists, verbose audit
 * logs, results storage) that `/api/2.0/workspace-conf` reads and writes.
 */
const STRICTER = {
  enableTokensConfig: ['off', 'true'],
  maxTokenLifetimeDays: ['lower', '0'],
  enableIpAccessLists: ['on', 'false'],
  enableResultsDownloading: ['off', 'true'],
  enableWebTerminal: ['off', 'true'],
  enableDbfsFileBrowser: ['off', 'false'],
  enableExportNotebook: ['off', 'true'],
  enableNotebookTableClipboard: ['off', 'true'],
  storeInteractiveNotebookResultsInCustomerAccount: ['on', 'false'],
  enableVerboseAuditLogs: ['on', 'false'],
  enableUploadDataUis: ['off', 'true'],
  enableDeprecatedGlobalInitScripts: ['off', 'false'],
  enforceUserIsolation: ['on', 'false'],
  'enable-X-Frame-Options': ['on', 'true'],
  'enable-X-Content-Type-Options': ['on', 'true'],
  'enable-X-XSS-Protection': ['on', 'true'],
} as const satisfies Record<string, readonly ['on' | 'off' | 'lower', string]>;

type SettingKey = keyof typeof STRICTER;

/** The settings this kind copies. */
export const WORKSPACE_SETTING_KEYS = Object.keys(STRICTER) as SettingKey[];

const KEY = 'workspace-conf';
const CONF = '/api/2.0/workspace-conf';

/**
 * Workspace settings (one artifact). Restored after every other kind, so that
 * switching on IP access lists or token limits cannot shut out the rest of the run;
 * IP access lists are switched on only when the lists then in force admit the DR
 * tool's own addresses, and personal access tokens are never switched off by a
 * failover (the DR tool or the people using the DR workspace may sign in with them).
 */
export const workspaceSettings: KindHandler = {
  kind: 'workspaceSettings',
  description: 'Workspace settings (tokens, IP access lists, downloads, web terminal, audit logs…), never loosened in the DR workspace.',
  naturalKey: 'the workspace (one artifact)',
  dependsOn: KIND_NAMES.filter((k) => k !== 'workspaceSettings'),
  // Who may use personal access tokens: grants are only ever added in the DR workspace.
  permissions: { type: 'authorization', fixed: ['tokens'] },
  references: [],
  async *list(ctx) {
    const values = await read(ctx, WORKSPACE_SETTING_KEYS);
    yield { key: KEY, sourceId: KEY, changeToken: jsonHash(values), meta: { keys: Object.keys(values).length }, data: values };
  },
  async export(_ctx, item) {
    return { content: item.data as Record<string, string> };
  },
  importer: {
    async import(ctx, artifact, content) {
      const wanted = pick(doc<Record<string, unknown>>(content));
      const current = await read(ctx, Object.keys(wanted));
      const patch: Record<string, string> = {};
      const held: string[] = [];
      for (const [key, value] of Object.entries(wanted)) {
        const now = current[key];
        if (now !== undefined && same(now, value)) continue;
        const reason = await holdBack(ctx, key, value, now);
        if (reason === undefined) patch[key] = value;
        else held.push(`${key}: ${reason}`);
      }
      const fields = diffFields(wanted, current);
      const base = decide(ctx, true, Object.keys(patch).length === 0, isOurs(ctx, 'workspaceSettings', artifact.key, current));
      const needsHuman =
        held.length === 0
          ? {}
          : {
              needsHuman: {
                reason: `Kept the DR workspace's values: ${held.join('; ')}`,
                action: 'Change these settings by hand if you mean to.',
              },
            };
      const result: ImportResult = {
        action: base,
        targetId: KEY,
        token: jsonHash({ ...current, ...patch }),
        ...(fields.length === 0 ? {} : { note: `Settings that differ: ${fields.join(', ')}.` }),
        ...needsHuman,
      };
      if (ctx.dryRun || base !== 'update') return result;
      await ctx.client.patch(CONF, patch, { signal: ctx.signal, idempotent: true });
      return result;
    },
  },
};

/** The settings' values in a workspace; keys never set are left out. */
async function read(ctx: Pick<ImportContext, 'client' | 'signal'>, keys: readonly string[]): Promise<Record<string, string>> {
  if (keys.length === 0) return {};
  const r = await ctx.client.get<Record<string, string | null>>(CONF, { keys: keys.join(',') }, { signal: ctx.signal });
  return pick(r);
}

/** The known settings of a document, as strings; anything else in it is ignored. */
function pick(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of WORKSPACE_SETTING_KEYS) {
    const v = Object.hasOwn(values, key) ? values[key] : undefined;
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

/** Booleans are accepted in any case ("TRue"), so they compare without it. */
function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Why the DR workspace keeps its own value of a setting, or undefined to write the snapshot's. */
async function holdBack(ctx: ImportContext, key: string, wanted: string, now: string | undefined): Promise<string | undefined> {
  if (loosensFrom(key as SettingKey, wanted, now)) {
    const effective = now ?? STRICTER[key as SettingKey][1];
    return `"${effective}"${now === undefined ? ' (its default)' : ''} is stricter than the snapshot's "${wanted}"`;
  }
  if (key === 'enableTokensConfig' && wanted.toLowerCase() === 'false')
    return 'a failover never switches personal access tokens off (the DR tool or its users may sign in with them)';
  if (key === 'enableIpAccessLists' && wanted.toLowerCase() === 'true') {
    const lists = [...(await ctx.inventory('ipAccessLists')).values()].map((t) => comparable(t.data as Partial<IpAccessList>));
    const refused = refusedBy(ctx.mappings.egressAddresses ?? [], lists);
    if (refused !== undefined) return `IP access lists stay off: ${refused}`;
  }
  return undefined;
}

/** Whether writing `wanted` would loosen the DR workspace's value, or its default when it has none. */
export function loosensFrom(key: SettingKey, wanted: string, now: string | undefined): boolean {
  return loosens(key, wanted, now ?? STRICTER[key][1]);
}

/** Whether writing `wanted` over `now` would make the setting less strict. */
export function loosens(key: SettingKey, wanted: string, now: string): boolean {
  switch (STRICTER[key][0]) {
    case 'on':
      return same(now, 'true') && !same(wanted, 'true');
    case 'off':
      return same(now, 'false') && !same(wanted, 'false');
    case 'lower': {
      const limit = Number(now);
      const next = Number(wanted);
      // 0 is no limit at all: the loosest value.
      return limit > 0 && (next === 0 || next > limit || Number.isNaN(next));
    }
  }
}
