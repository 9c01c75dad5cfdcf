import type { KindName } from '../../snapshot/names.js';
import type { ArtifactEntry } from '../../snapshot/types.js';
import { createOnce, decide, diffFields, differs, isOurs, jsonHash, plannedId } from './helpers.js';
import type { ImportContext, ImportResult, TargetObject } from './types.js';

/**
 * How a kind lists its objects in the target, by natural key. Declared once per kind
 * and used three times: as the failover's inventory (fetched once per run), to find
 * what a create with a lost response made, and (usually) by the backup's listing.
 */
export type TargetLister = (ctx: TargetScope) => Promise<Map<string, TargetObject>>;

/** What listing a workspace needs: a client and the run's abort signal (backup and failover contexts both have them). */
export type TargetScope = Pick<ImportContext, 'client' | 'signal'>;

/** One object to reconcile: what the snapshot wants, and how to write it. */
export interface Desired<W extends Record<string, unknown>> {
  kind: KindName;
  /** The object's key in the target listing (the natural key, normalized as the listing does). */
  key: string;
  /** Names the object in notes: "The pool". */
  what: string;
  /** Names it in a dry run's placeholder id: "pool". */
  noun: string;
  /** The desired state, in the comparable form the target reads back. */
  wanted: W;
  /**
   * The target object's comparable state (the same fields as `wanted`).
   * @default the listing's data, narrowed to the fields of `wanted`
   */
  current?(existing: TargetObject): W | Promise<W>;
  /**
   * Write `wanted` over an existing object. Returns a result instead when it cannot
   * (fields that cannot be edited: a conflict, never a replacement).
   */
  update(existing: TargetObject, fields: readonly string[]): Promise<void | ImportResult>;
  /** Create the object; returns its new id. Sent again only when `list` shows nothing was made. */
  create(): Promise<string>;
  /** What the inventory remembers about a written object. @default `wanted` */
  written?(id: string): unknown;
}

/**
 * The import skeleton every kind used to copy: look the object up in the target
 * listing, compare, decide (create, update, unchanged, or a conflict under the
 * 'report' policy), return the plan in a dry run, then edit or create exactly once
 * and keep the inventory current. Whether the target is as the last failover left
 * it (`isOurs`) is judged on the same comparable form.
 */
export async function reconcile<W extends Record<string, unknown>>(
  ctx: ImportContext,
  artifact: ArtifactEntry,
  list: TargetLister,
  d: Desired<W>,
): Promise<ImportResult> {
  const inventory = await ctx.inventory(d.kind);
  const existing = inventory.get(d.key);
  const current = existing === undefined ? undefined : await (d.current ?? narrowTo(d.wanted))(existing);
  const token = jsonHash(d.wanted);
  const fields = current === undefined ? [] : diffFields(d.wanted, current);
  const action = decide(ctx, existing !== undefined, fields.length === 0, isOurs(ctx, d.kind, artifact.key, current));
  const note = action === 'unchanged' || action === 'create' ? {} : { note: differs(d.what, fields) };
  if (ctx.dryRun || action === 'unchanged' || action === 'conflict')
    return { action, targetId: existing?.id ?? plannedId(d.noun, d.key), token, ...note };
  if (existing) {
    const refused = await d.update(existing, fields);
    if (refused) return refused;
    existing.data = d.written?.(existing.id) ?? d.wanted;
    return { action, targetId: existing.id, token, ...note };
  }
  const id = await createOnce(ctx, d.create, async () => (await list(ctx)).get(d.key)?.id);
  inventory.set(d.key, { id, data: d.written?.(id) ?? d.wanted });
  return { action, targetId: id, token };
}

/** The target's values of the fields `wanted` sets (the service adds defaults for the rest). */
function narrowTo<W extends Record<string, unknown>>(wanted: W): (existing: TargetObject) => W {
  return (existing) => {
    const data = (existing.data ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.keys(wanted).map((k) => [k, data[k]])) as W;
  };
}
