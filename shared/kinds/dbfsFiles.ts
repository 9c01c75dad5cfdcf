import { isApiError } from '../databricks/errors.js';
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
  description: 'DBFS files under configured prefixes and every DBFS path clusters, jobs or policies reference.',
  dependsOn: [],
  discoveryAfter: ['clusters', 'jobs', 'clusterPolicies'],
  references: [],
  async *list(ctx) {
    const found = new Map<string, FileInfo>();
    for (const prefix of ctx.settings.dbfsPrefixes) await walk(ctx, prefix, found);
    const referencedBy = new Map<string, string>();
    for (const kind of ['clusters', 'jobs', 'clusterPolicies'] as const) {
      for (const a of ctx.captured(kind)) {
        for (const ref of a.refs) if (ref.kind === 'dbfsFiles' && !referencedBy.has(ref.value)) referencedBy.set(ref.value, `${kind} ${a.key}`);
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
          uncaptured: { reason: `Referenced by ${by}, but it does not exist on DBFS.`, action: 'Fix the reference in the source workspace, or provide the file in the target.' },
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
      yield { key: f.path, sourceId: f.path, changeToken: `${size}:${f.modification_time ?? ''}`, meta: { path: f.path, size, modification_time: f.modification_time } };
    }
    yield* missing;
  },
  async export(ctx, item) {
    const read = async function* (): AsyncGenerator<Buffer> {
      for (let offset = 0; ; ) {
        const r = await ctx.client.get<{ bytes_read: number; data?: string }>('/api/2.0/dbfs/read', { path: item.key, offset, length: CHUNK }, { signal: ctx.signal });
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
};
