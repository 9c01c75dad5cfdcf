import pLimit from 'p-limit';

import type { QueryValue } from '../databricks/client.js';
import { isApiError } from '../databricks/errors.js';
import type { BackupContext } from './types.js';

/** One entry of `workspace/list`, with the fields the kinds use. */
export interface WorkspaceObject {
  path: string;
  object_type: string;
  object_id: number | bigint;
  language?: string;
  created_at?: number;
  modified_at?: number;
  size?: number;
}

/** Paths excluded by DR_EXCLUDE_PATHS (a prefix matches itself and everything below it). */
export function isExcluded(path: string, excluded: readonly string[]): boolean {
  return excluded.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
}

/**
 * A list that fills over time and can be read by several consumers at once, each
 * seeing every item: the workspace walk feeds it, and the notebook, file, folder,
 * repo and permission kinds start working on the first items while deeper folders
 * are still being listed.
 */
export class Broadcast<T> {
  readonly items: T[] = [];
  private closed = false;
  private error: unknown;
  private waiters: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  close(error?: unknown): void {
    this.closed = true;
    this.error = error;
    this.wake();
  }

  async *iterate(): AsyncGenerator<T> {
    for (let i = 0; ; ) {
      while (i < this.items.length) yield this.items[i++] as T;
      if (this.closed) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Walk the workspace tree from `/` (the API lists one level per call), many folders
 * at a time under the client's rate limits, and stream what it finds. Repos are not
 * entered: their content comes back by cloning. Done once per run and shared by the
 * folder, notebook, file, repo and permission kinds.
 */
export function workspaceTree(ctx: BackupContext): AsyncGenerator<WorkspaceObject> {
  const broadcast = ctx.memoSync('workspace-tree', () => {
    const out = new Broadcast<WorkspaceObject>();
    void walkWorkspace(ctx, ctx.settings.excludePaths, (o) => out.push(o)).then(
      () => out.close(),
      (error: unknown) => out.close(error),
    );
    return out;
  });
  return broadcast.iterate();
}

/** What listing needs: a client and the run's signal. */
export interface Lister {
  client: BackupContext['client'];
  signal: AbortSignal;
}

/**
 * List every workspace object below `/`, breadth-first and in parallel, calling
 * `found` for each. Folders deleted during the walk are skipped; repos are not entered.
 */
export async function walkWorkspace(lister: Lister, excludePaths: readonly string[], found: (o: WorkspaceObject) => void): Promise<void> {
  // Only the request holds a slot: a folder waiting for its children must not, or
  // deep trees would fill every slot with waiting parents.
  const limit = pLimit(32);
  const visit = async (path: string): Promise<void> => {
    let objects: WorkspaceObject[];
    try {
      const r = await limit(() =>
        lister.client.get<{ objects?: WorkspaceObject[] }>('/api/2.0/workspace/list', { path }, { signal: lister.signal }),
      );
      objects = r.objects ?? [];
    } catch (error) {
      if (isApiError(error, 'not_found')) return;
      throw error;
    }
    const children: Promise<void>[] = [];
    for (const o of objects) {
      if (isExcluded(o.path, excludePaths)) continue;
      found(o);
      if (o.object_type === 'DIRECTORY') children.push(visit(o.path));
    }
    await Promise.all(children);
  };
  await visit('/');
}

/** Every resource of a SCIM list, paged the way the SDKs do (startIndex + count). */
export async function scimList<T>(ctx: Lister, resource: 'Users' | 'Groups' | 'ServicePrincipals'): Promise<T[]> {
  const out: T[] = [];
  const count = 100;
  for (let startIndex = 1; ; ) {
    const page = await ctx.client.get<{ Resources?: T[]; startIndex?: number }>(
      `/api/2.0/preview/scim/v2/${resource}`,
      { startIndex, count },
      { signal: ctx.signal },
    );
    const items = page.Resources ?? [];
    if (items.length === 0) break;
    out.push(...items);
    startIndex = (page.startIndex ?? startIndex) + items.length;
  }
  return out;
}

/**
 * Every item of a list the API pages with `page_token` / `next_page_token` (clusters,
 * jobs), page by page; `field` names the array in each page.
 */
export async function* tokenPages(
  ctx: Lister,
  path: string,
  query: Record<string, QueryValue>,
  field: string,
): AsyncGenerator<Record<string, unknown>> {
  let token: string | undefined;
  do {
    const page = await ctx.client.get<Record<string, unknown>>(path, { ...query, page_token: token }, { signal: ctx.signal });
    for (const item of (page[field] as Array<Record<string, unknown>> | undefined) ?? []) yield item;
    token = (page['next_page_token'] as string | undefined) || undefined;
  } while (token);
}

/** The string form of an int64 id, whatever JSON number type it arrived as. */
export function idText(value: unknown): string {
  return typeof value === 'bigint' || typeof value === 'number' ? String(value) : String(value ?? '');
}

/** Drop keys whose values are undefined, so canonical JSON does not depend on them. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
