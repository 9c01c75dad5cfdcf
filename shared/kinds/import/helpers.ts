import { createHash } from 'node:crypto';

import { isApiError } from '../../databricks/errors.js';
import { canonicalJson, parseJson } from '../../codec/json.js';
import { idText, walkWorkspace, type WorkspaceObject } from '../discovery.js';
import type { KindName } from '../../snapshot/names.js';
import type { RefSpec } from '../types.js';
import { mapStorage } from '../../config/mappings.js';
import { remapIds } from './remap.js';
import type { ArtifactEntry } from '../../snapshot/types.js';
import type { ImportAction, ImportContext, ImportResult } from './types.js';

/** The snapshot content of a JSON artifact. */
export function doc<T = Record<string, unknown>>(content: Buffer | undefined): T {
  if (content === undefined) throw new Error('This artifact has no content.');
  return parseJson(content.toString('utf8')) as T;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a JSON value in canonical form (a change token for what the target holds). */
export function jsonHash(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * The action for an object: create it when the target lacks it, leave it when it
 * matches, otherwise update it or, under the 'report' conflict policy, report it.
 * An object the last failover wrote and nobody changed since (`ours`) is always
 * updated: the difference is a newer snapshot, not somebody's edit in the target.
 */
export function decide(ctx: ImportContext, exists: boolean, matches: boolean, ours = false): ImportAction {
  if (!exists) return 'create';
  if (matches) return 'unchanged';
  return ours || ctx.conflictPolicy === 'update' ? 'update' : 'conflict';
}

/** A placeholder id for an object a dry run would create. */
export function plannedId(kind: string, key: string): string {
  return `(new ${kind} ${key})`;
}

/** SCIM multi-valued `[{value}]` from a list of strings. */
export function scimValues(list: readonly string[] | undefined): Array<{ value: string }> {
  return (list ?? []).map((value) => ({ value }));
}

/** Top-level fields whose values differ, for a conflict or drift note. */
export function diffFields(expected: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].filter((k) => !sameJson(expected[k], actual[k])).sort();
}

/** The note of an object that differs, naming the fields. */
export function differs(what: string, fields: readonly string[]): string {
  return `${what} differs in the target${fields.length > 0 ? ` (${fields.join(', ')})` : ''}.`;
}

/** The target's workspace tree, by path; listed once per run and kept current by importers. */
export function workspaceInventory(ctx: ImportContext): Promise<Map<string, WorkspaceObject>> {
  return ctx.memo('workspace-tree', async () => {
    const out = new Map<string, WorkspaceObject>();
    await walkWorkspace(ctx, [], (o) => out.set(o.path, o));
    return out;
  });
}

/** Read one workspace object's status from the target (after a write, for its id). */
export async function workspaceStatus(ctx: ImportContext, path: string): Promise<WorkspaceObject | undefined> {
  try {
    return await ctx.client.get<WorkspaceObject>('/api/2.0/workspace/get-status', { path }, { signal: ctx.signal });
  } catch (error) {
    if (isApiError(error, 'not_found')) return undefined;
    throw error;
  }
}

export const workspaceId = (o: WorkspaceObject): string => idText(o.object_id);

/**
 * Create an object exactly once. A create is not repeated blindly after a lost
 * response (the client never retries a non-idempotent request): `find` looks for
 * what the lost request may have made (by tag or name), and only when nothing is
 * there is the create sent again.
 */
export async function createOnce<T>(ctx: ImportContext, create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      const ambiguous = isApiError(error) ? error.status >= 500 : (error as { retryable?: boolean }).retryable === true;
      if (!ambiguous || attempt >= 3 || ctx.signal.aborted) throw error;
      const found = await find();
      if (found !== undefined) return found;
      ctx.logger.debug('create retried after an ambiguous failure, nothing was made', { error: (error as Error).message });
    }
  }
}

/** The tag that marks a cluster or job with the id it had in the workspace it was copied from. */
export const SOURCE_TAG = 'DatabricksDrSourceId';

/**
 * A cluster spec as the target needs it: ids remapped, node types and storage
 * accounts mapped for the DR region. Shared by clusters and the job clusters of jobs.
 */
export function targetClusterSpec(
  ctx: ImportContext,
  spec: Record<string, unknown>,
  refs: readonly RefSpec[],
  at: string,
): Record<string, unknown> {
  const out = remapIds(spec, refs, (kind, id, field) => ctx.resolve(kind, id, at === '' ? field : `${at}.${field}`));
  for (const field of ['node_type_id', 'driver_node_type_id']) {
    const v = out[field];
    if (typeof v === 'string' && ctx.mappings.nodeTypes[v] !== undefined) out[field] = ctx.mappings.nodeTypes[v];
  }
  return mapStorageDeep(out, ctx) as Record<string, unknown>;
}

/** Storage account names rewritten in every string (and map key) of a document. */
export function mapStorageDeep(value: unknown, ctx: ImportContext): unknown {
  if (Object.keys(ctx.mappings.storageAccounts).length === 0) return value;
  if (typeof value === 'string') return mapStorage(value, ctx.mappings);
  if (Array.isArray(value)) return value.map((v) => mapStorageDeep(v, ctx));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[mapStorage(k, ctx.mappings)] = mapStorageDeep(v, ctx);
    return out;
  }
  return value;
}

export const SCIM = '/api/2.0/preview/scim/v2';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A SCIM PATCH with these operations. */
export function scimPatch(
  ctx: ImportContext,
  path: string,
  operations: Array<{ op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown }>,
): Promise<unknown> {
  return ctx.client.patch(`${SCIM}/${path}`, { schemas: [PATCH_OP], Operations: operations }, { signal: ctx.signal, idempotent: true });
}

/**
 * Whether the target object is exactly as the last failover left it (its comparable
 * form hashes to the recorded token): then a difference comes from a newer snapshot,
 * not from somebody's change in the target.
 */
export function isOurs(ctx: ImportContext, kind: Parameters<ImportContext['applied']>[0], key: string, current: unknown): boolean {
  const token = ctx.applied(kind, key)?.token;
  return token !== undefined && current !== undefined && token === jsonHash(current);
}

/**
 * Make the target hold a notebook or workspace file byte for byte. The target tree
 * (listed once) says whether the path exists; when the last failover wrote this
 * very content and the object has not changed since (same object_id and
 * modified_at), nothing is read; otherwise the target's bytes are exported and
 * compared. Writes are imports with overwrite, then a get-status for the new id.
 */
export async function importWorkspaceObject(
  ctx: ImportContext,
  artifact: ArtifactEntry,
  content: Buffer | undefined,
  type: 'NOTEBOOK' | 'FILE',
): Promise<ImportResult> {
  const what = type === 'NOTEBOOK' ? 'notebook' : 'file';
  const uncaptured = ctx.uncaptured(artifact.kind, artifact.key);
  if (content === undefined || (content.length === 0 && uncaptured)) {
    return {
      action: 'skip',
      note: uncaptured?.reason ?? 'The snapshot holds no content for it.',
      ...(uncaptured ? { needsHuman: { reason: uncaptured.reason, ...(uncaptured.action ? { action: uncaptured.action } : {}) } } : {}),
    };
  }
  const tree = await workspaceInventory(ctx);
  const existing = tree.get(artifact.key);
  if (existing && existing.object_type !== type) {
    return {
      action: 'conflict',
      targetId: workspaceId(existing),
      note: `The target has a ${existing.object_type.toLowerCase()} at this path, not a ${what}.`,
    };
  }
  const tokenOf = (o: WorkspaceObject): string => `${workspaceId(o)}:${o.modified_at ?? ''}`;
  let ours = false;
  if (existing) {
    const token = tokenOf(existing);
    const applied = ctx.applied(artifact.kind, artifact.key);
    ours = applied?.token === token;
    if (!ctx.thorough && ours && applied?.hash === artifact.hash) return { action: 'unchanged', targetId: workspaceId(existing), token };
    const current = await ctx.client.getBytes(
      '/api/2.0/workspace/export',
      { path: artifact.key, format: type === 'NOTEBOOK' ? 'SOURCE' : 'AUTO', direct_download: true },
      { signal: ctx.signal },
    );
    if (current.equals(content)) return { action: 'unchanged', targetId: workspaceId(existing), token };
  }
  const action = decide(ctx, existing !== undefined, false, ours);
  const note = existing ? `The ${what}'s content differs in the target.` : undefined;
  if (ctx.dryRun || action === 'conflict')
    return { action, targetId: existing ? workspaceId(existing) : plannedId(what, artifact.key), ...(note ? { note } : {}) };
  const language = artifact.meta['language'];
  await ctx.client.post(
    '/api/2.0/workspace/import',
    {
      path: artifact.key,
      format: type === 'NOTEBOOK' ? 'SOURCE' : 'RAW',
      ...(type === 'NOTEBOOK' && typeof language === 'string' ? { language } : {}),
      content: content.toString('base64'),
      overwrite: true,
    },
    // Importing the same bytes again over the same path is harmless.
    { signal: ctx.signal, idempotent: true },
  );
  const made = await workspaceStatus(ctx, artifact.key);
  if (!made) throw new Error(`The ${what} was not there after the import.`);
  tree.set(artifact.key, made);
  return { action, targetId: workspaceId(made), token: tokenOf(made), ...(note ? { note } : {}) };
}

/**
 * Workspace objects wait for their own folder only, not for every folder: a notebook
 * is imported as soon as its parent exists (the import does not make parents).
 */
export const PARENT_FOLDER = {
  perObject: ['directories'] as KindName[],
  needs: (a: ArtifactEntry): Array<{ kind: KindName; key: string }> => [
    { kind: 'directories', key: a.key.slice(0, a.key.lastIndexOf('/')) || '/' },
  ],
};
