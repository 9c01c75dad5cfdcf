import { isApiError } from '../databricks/errors.js';
import { decide, plannedId, sha256 } from './import/helpers.js';
import type { ImportContext } from './import/types.js';
import type { BackupContext, KindHandler, Listed } from './types.js';

interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
  modification_time?: number;
}

const CHUNK = 1024 * 1024;
/** Files above this size are streamed rather than held in memory. */
export const STREAM_ABOVE = 8 * 1024 * 1024;

async function walk(ctx: BackupContext, path: string, out: Map<string, FileInfo>): Promise<boolean> {
  let files: FileInfo[];
  try {
    files = (await ctx.client.get<{ files?: FileInfo[] }>('/api/2.0/dbfs/list', { path }, { signal: ctx.signal })).files ?? [];
  } catch (error) {
    if (isApiError(error, 'not_found')) return false;
    throw error;
  }
  for (const f of files) {
    if (f.is_dir) {
      if (f.path !== path) await walk(ctx, f.path, out);
    } else {
      out.set(f.path, f);
    }
  }
  return true;
}

/**
 * DBFS files under the configured prefixes (init-script locations by default) and
 * every DBFS path that clusters, jobs or cluster policies reference (init scripts,
 * jars, wheels, Python files), read in 1 MB chunks.
 */
export const dbfsFiles: KindHandler = {
  kind: 'dbfsFiles',
  description:
    'DBFS files under `DR_DBFS_PREFIXES` and every DBFS path clusters, jobs or policies reference ' +
    '(init scripts, jars, wheels), streamed in 1 MB chunks.',
  naturalKey: 'DBFS path',
  rateLimits: [{ family: 'dbfs', pattern: /^\/api\/2\.0\/dbfs\//, perSecond: 30 }],
  dependsOn: [],
  discoveryAfter: ['clusters', 'jobs', 'clusterPolicies'],
  references: [],
  async *list(ctx) {
    const found = new Map<string, FileInfo>();
    for (const prefix of ctx.settings.dbfsPrefixes) await walk(ctx, prefix, found);
    const referencedBy = new Map<string, string>();
    for (const kind of ['clusters', 'jobs', 'clusterPolicies'] as const) {
      for (const a of ctx.captured(kind)) {
        for (const ref of a.refs)
          if (ref.kind === 'dbfsFiles' && !referencedBy.has(ref.value)) referencedBy.set(ref.value, `${kind} ${a.key}`);
      }
    }
    const missing: Listed[] = [];
    for (const [path, by] of referencedBy) {
      if (found.has(path)) continue;
      try {
        const info = await ctx.client.get<FileInfo>('/api/2.0/dbfs/get-status', { path }, { signal: ctx.signal });
        if (info.is_dir) await walk(ctx, path, found);
        else found.set(info.path, info);
      } catch (error) {
        if (!isApiError(error, 'not_found')) throw error;
        missing.push({
          key: path,
          sourceId: path,
          meta: { path, referencedBy: by },
          uncaptured: {
            reason: `Referenced by ${by}, but it does not exist on DBFS.`,
            action: 'Fix the reference in the source workspace, or provide the file in the target.',
          },
        });
      }
    }
    for (const f of [...found.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      const size = f.file_size ?? 0;
      if (size > ctx.settings.dbfsMaxFileBytes) {
        yield {
          key: f.path,
          sourceId: f.path,
          meta: { path: f.path, size },
          uncaptured: {
            reason: `The file is ${size} bytes, more than DR_DBFS_MAX_FILE_MB allows.`,
            action: 'Raise DR_DBFS_MAX_FILE_MB, or copy the file with azcopy to the DR region.',
          },
        };
        continue;
      }
      yield {
        key: f.path,
        sourceId: f.path,
        changeToken: `${size}:${f.modification_time ?? ''}`,
        meta: { path: f.path, size, modification_time: f.modification_time },
      };
    }
    yield* missing;
  },
  async export(ctx, item) {
    const read = async function* (): AsyncGenerator<Buffer> {
      for (let offset = 0; ; ) {
        const r = await ctx.client.get<{ bytes_read: number; data?: string }>(
          '/api/2.0/dbfs/read',
          { path: item.key, offset, length: CHUNK },
          { signal: ctx.signal },
        );
        if (!r.bytes_read) return;
        yield Buffer.from(r.data ?? '', 'base64');
        offset += r.bytes_read;
        if (r.bytes_read < CHUNK) return;
      }
    };
    // Small files are read once into memory; large ones are streamed (read to hash,
    // then read again while uploading), so memory stays flat whatever their size.
    if (Number(item.meta['size'] ?? 0) > STREAM_ABOVE) return { content: read };
    const chunks: Buffer[] = [];
    for await (const chunk of read()) chunks.push(chunk);
    return { content: Buffer.concat(chunks) };
  },
  /**
   * Written with put (up to 1 MB) or create / add-block / close, overwriting. The
   * target's size and modification time, recorded after each write, spare reading a
   * file back when nothing changed; otherwise the bytes are compared.
   */
  importer: {
    async import(ctx, artifact, content) {
      if (content === undefined) return { action: 'skip', note: 'The snapshot holds no content for it.' };
      const path = artifact.key;
      const existing = await dbfsStatus(ctx, path);
      if (existing?.is_dir) return { action: 'conflict', targetId: path, note: 'The target has a folder at this path.' };
      const tokenOf = (f: FileInfo): string => `${f.file_size ?? 0}:${f.modification_time ?? ''}`;
      let ours = false;
      if (existing) {
        const applied = ctx.applied('dbfsFiles', path);
        ours = applied?.token === tokenOf(existing);
        if (!ctx.thorough && ours && applied?.hash === artifact.hash)
          return { action: 'unchanged', targetId: path, token: tokenOf(existing) };
        if ((existing.file_size ?? 0) === content.length && sha256(await readAll(ctx, path)) === sha256(content)) {
          return { action: 'unchanged', targetId: path, token: tokenOf(existing) };
        }
      }
      const action = decide(ctx, existing !== undefined, false, ours);
      const note = existing ? 'The file differs in the target.' : undefined;
      if (ctx.dryRun || action === 'conflict')
        return { action, targetId: existing ? path : plannedId('DBFS file', path), ...(note ? { note } : {}) };
      await writeFile(ctx, path, content);
      const made = await dbfsStatus(ctx, path);
      return { action, targetId: path, ...(made ? { token: tokenOf(made) } : {}), ...(note ? { note } : {}) };
    },
  },
};

async function dbfsStatus(ctx: ImportContext, path: string): Promise<FileInfo | undefined> {
  try {
    return await ctx.client.get<FileInfo>('/api/2.0/dbfs/get-status', { path }, { signal: ctx.signal });
  } catch (error) {
    if (isApiError(error, 'not_found')) return undefined;
    throw error;
  }
}

async function readAll(ctx: ImportContext, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0; ; ) {
    const r = await ctx.client.get<{ bytes_read: number; data?: string }>(
      '/api/2.0/dbfs/read',
      { path, offset, length: CHUNK },
      { signal: ctx.signal },
    );
    if (!r.bytes_read) break;
    chunks.push(Buffer.from(r.data ?? '', 'base64'));
    offset += r.bytes_read;
    if (r.bytes_read < CHUNK) break;
  }
  return Buffer.concat(chunks);
}

/**
 * Write a whole file. A streamed upload whose add-block fails is started over (an
 * add-block repeated after a lost answer would append its data twice).
 */
async function writeFile(ctx: ImportContext, path: string, content: Buffer): Promise<void> {
  if (content.length <= CHUNK) {
    await ctx.client.post(
      '/api/2.0/dbfs/put',
      { path, contents: content.toString('base64'), overwrite: true },
      { signal: ctx.signal, idempotent: true },
    );
    return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { handle } = await ctx.client.post<{ handle: number | bigint }>(
        '/api/2.0/dbfs/create',
        { path, overwrite: true },
        { signal: ctx.signal, idempotent: true },
      );
      for (let offset = 0; offset < content.length; offset += CHUNK) {
        await ctx.client.post(
          '/api/2.0/dbfs/add-block',
          { handle, data: content.subarray(offset, offset + CHUNK).toString('base64') },
          { signal: ctx.signal },
        );
      }
      await ctx.client.post('/api/2.0/dbfs/close', { handle }, { signal: ctx.signal });
      return;
    } catch (error) {
      const retryable = isApiError(error) ? error.retryable : (error as { retryable?: boolean }).retryable === true;
      if (!retryable || attempt >= 3 || ctx.signal.aborted) throw error;
    }
  }
}
