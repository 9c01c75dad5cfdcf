import { createOnce, decide, diffFields, differs, doc, plannedId, SCIM, scimPatch, scimValues } from './import/helpers.js';
import { type ImportContext, type TargetObject, UnresolvedReference } from './import/types.js';
import { compact, scimList } from './discovery.js';
import type { KindName } from '../snapshot/names.js';
import { type ScimGroup, values } from './scim.js';
import type { KindHandler } from './types.js';

/**
 * Groups with members (users, service principals and nested groups, by natural key)
 * and entitlements. The built-in `admins` and `users` groups are kept with a flag:
 * failover merges their members instead of creating them.
 */
export const groups: KindHandler = {
  kind: 'groups',
  description: 'Groups with their members (users, service principals, nested groups) and entitlements; `admins` only gains members.',
  naturalKey: 'display name',
  dependsOn: ['users', 'servicePrincipals'],
  discoveryAfter: ['users', 'servicePrincipals'],
  references: [
    { path: 'members[].user', kind: 'users', by: 'key' },
    { path: 'members[].servicePrincipal', kind: 'servicePrincipals', by: 'key' },
    { path: 'members[].group', kind: 'groups', by: 'key' },
  ],
  async *list(ctx) {
    for (const g of await ctx.memo('scim-groups', () => scimList<ScimGroup>(ctx, 'Groups'))) {
      const builtIn = g.displayName === 'admins' || g.displayName === 'users';
      const accountLevel = g.meta?.resourceType === 'Group';
      yield { key: g.displayName, sourceId: g.id, meta: { displayName: g.displayName, builtIn, accountLevel }, data: g };
    }
  },
  async export(ctx, item) {
    const g = item.data as ScimGroup;
    const userById = new Map(ctx.captured('users').map((e) => [e.sourceId, e.key]));
    const spById = new Map(ctx.captured('servicePrincipals').map((e) => [e.sourceId, e.key]));
    const groupById = new Map((await ctx.memo('scim-groups', () => scimList<ScimGroup>(ctx, 'Groups'))).map((x) => [x.id, x.displayName]));
    const members = (g.members ?? [])
      .map((m) => {
        const id = String(m.value);
        const ref = m.$ref ?? '';
        if (ref.startsWith('Users/') || userById.has(id)) return { user: userById.get(id) ?? m.display ?? id };
        if (ref.startsWith('ServicePrincipals/') || spById.has(id)) return { servicePrincipal: spById.get(id) ?? id };
        return { group: groupById.get(id) ?? m.display ?? id };
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return {
      content: compact({
        displayName: g.displayName,
        externalId: g.externalId,
        members: members.length > 0 ? members : undefined,
        entitlements: values(g.entitlements),
        roles: values(g.roles),
        builtIn: item.meta['builtIn'] === true ? true : undefined,
        accountLevel: item.meta['accountLevel'] === true ? true : undefined,
      }),
    };
  },
  /**
   * Groups are created (or their entitlements set) in a first pass and their members
   * added in a second, once every group exists: groups contain groups. The built-in
   * groups exist everywhere: `users` holds every user by itself and `admins` is only
   * added to, never trimmed (it holds the identity running the failover).
   * Account-level groups are assigned to workspaces at the account, not created here.
   */
  importer: {
    async inventory(ctx) {
      const list = await scimList<ScimGroup>(ctx, 'Groups');
      return new Map<string, TargetObject>(list.map((g) => [g.displayName, { id: g.id, data: g }]));
    },
    async import(ctx, _artifact, content) {
      const d = doc<GroupDoc>(content);
      const inventory = await ctx.inventory('groups');
      const existing = inventory.get(d.displayName);
      if (!existing && d.accountLevel === true) {
        return {
          action: 'skip',
          note: 'An account-level group that is not assigned to the target workspace.',
          needsHuman: {
            reason: `Account group "${d.displayName}" is not in the target workspace.`,
            action: 'Assign the group to the DR workspace in the account console (or with the account API).',
          },
        };
      }
      if (!existing && d.builtIn === true) throw new Error(`The built-in group "${d.displayName}" is missing from the target workspace.`);
      const current = existing?.data as ScimGroup | undefined;
      const expected = { entitlements: d.entitlements ?? [] };
      const actual = current && { entitlements: values(current.entitlements) ?? [] };
      const fields = actual ? diffFields(expected, actual) : [];
      const action = decide(ctx, existing !== undefined, fields.length === 0 || d.accountLevel === true);
      if (ctx.dryRun || action === 'unchanged' || action === 'conflict') {
        return {
          action,
          targetId: existing?.id ?? plannedId('group', d.displayName),
          ...(action === 'unchanged' ? {} : { note: differs(`The group`, fields) }),
        };
      }
      if (existing) {
        await scimPatch(ctx, `Groups/${existing.id}`, [{ op: 'replace', path: 'entitlements', value: scimValues(expected.entitlements) }]);
        return { action, targetId: existing.id, note: differs('The group', fields) };
      }
      const created = await createOnce(
        ctx,
        () =>
          ctx.client.post<ScimGroup>(
            `${SCIM}/Groups`,
            {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
              displayName: d.displayName,
              entitlements: scimValues(d.entitlements),
            },
            { signal: ctx.signal },
          ),
        async () =>
          (
            await ctx.client.get<{ Resources?: ScimGroup[] }>(
              `${SCIM}/Groups`,
              { filter: `displayName eq "${d.displayName}"` },
              { signal: ctx.signal },
            )
          ).Resources?.[0],
      );
      inventory.set(d.displayName, { id: created.id, data: { ...created, members: [] } });
      return { action, targetId: created.id };
    },
    async secondPass(ctx, artifact, content) {
      const d = doc<GroupDoc>(content);
      if (d.displayName === 'users' && d.builtIn === true) return undefined;
      const inventory = await ctx.inventory('groups');
      const existing = inventory.get(d.displayName);
      if (!existing) return undefined;
      const wanted = new Map<string, string>();
      const unresolved: string[] = [];
      for (const m of d.members ?? []) {
        try {
          const id = memberId(ctx, m);
          wanted.set(id, memberLabel(m));
        } catch (error) {
          if (!(error instanceof UnresolvedReference)) throw error;
          unresolved.push(memberLabel(m));
        }
      }
      const current = new Set((existing.data as ScimGroup | undefined)?.members?.map((m) => String(m.value)) ?? []);
      const add = [...wanted.keys()].filter((id) => !current.has(id) && !id.startsWith('(new '));
      const plannedAdds = [...wanted.keys()].filter((id) => id.startsWith('(new ')).length;
      const remove = d.builtIn === true ? [] : [...current].filter((id) => !wanted.has(id));
      const note = unresolved.length > 0 ? `Members not in the target: ${unresolved.join(', ')}.` : undefined;
      if (add.length + plannedAdds + remove.length === 0)
        return unresolved.length > 0 ? { action: 'failed', note } : { action: 'unchanged' };
      const changes = `${add.length + plannedAdds} member(s) to add, ${remove.length} to remove`;
      const ours = ctx.applied('groups', artifact.key) !== undefined;
      const action = decide(ctx, true, false, ours);
      if (ctx.dryRun || action === 'conflict')
        return { action: unresolved.length > 0 ? 'failed' : action, note: note ?? `The group's members differ (${changes}).` };
      const ops: Array<{ op: 'add' | 'remove'; path?: string; value?: unknown }> = [];
      if (add.length > 0) ops.push({ op: 'add', value: { members: add.map((value) => ({ value })) } });
      for (const id of remove) ops.push({ op: 'remove', path: `members[value eq "${id}"]` });
      await scimPatch(ctx, `Groups/${existing.id}`, ops);
      existing.data = { ...(existing.data as ScimGroup), members: [...wanted.keys()].map((value) => ({ value })) };
      return unresolved.length > 0 ? { action: 'failed', note } : { action, note: `Members: ${changes}.` };
    },
  },
};

interface GroupDoc {
  displayName: string;
  members?: Array<{ user?: string; servicePrincipal?: string; group?: string }>;
  entitlements?: string[];
  builtIn?: boolean;
  accountLevel?: boolean;
}

function memberLabel(m: { user?: string; servicePrincipal?: string; group?: string }): string {
  return m.user ?? m.servicePrincipal ?? `group ${m.group ?? '?'}`;
}

/** A member's id in the target, through the snapshot's artifact of that principal. */
function memberId(ctx: ImportContext, m: { user?: string; servicePrincipal?: string; group?: string }): string {
  const [kind, key]: [KindName, string] =
    m.user !== undefined
      ? ['users', m.user]
      : m.servicePrincipal !== undefined
        ? ['servicePrincipals', m.servicePrincipal]
        : ['groups', m.group ?? ''];
  return ctx.resolveKey(kind, key, 'members');
}
