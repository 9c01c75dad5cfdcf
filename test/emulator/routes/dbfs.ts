import { ApiError, invalidParameter, notFound } from '../errors.js';
import type { RequestContext, Routes } from '../http.js';
import { type DbfsNode, ONE_MB } from '../state/dbfs.js';
import { normalizeDbfsPath } from '../state/paths.js';
import type { Workspace } from '../state/workspace.js';

function fileInfo(n: DbfsNode): Record<string, unknown> {
  return { path: n.path, is_dir: n.isDir, file_size: n.isDir ? 0 : n.content.length, modification_time: n.modificationTime };
}

function decodeBase64(value: string | undefined, field: string): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(value)) throw invalidParameter(`${field} must be base64-encoded.`);
  return Buffer.from(value, 'base64');
}

/**
 * DBFS 2.0. Missing paths are reported with the path exactly as sent. Inside a mount
 * the REST API cannot reach the storage (a documented limitation), so it fails the
 * way the service does when it lacks the storage credential.
 */
export function registerDbfs(routes: Routes, ws: Workspace): void {
  const resolve = (raw: unknown, field = 'path'): string => {
    const path = normalizeDbfsPath(raw, field);
    for (const mount of ws.dbfs.mounts.keys()) {
      if (path.startsWith(`${mount}/`)) {
        throw new ApiError(
          400,
          'IO_ERROR',
          `Operation failed: "This request is not authorized to perform this operation using this permission.", 403, GET, ${path}`,
        );
      }
    }
    return path;
  };
  const existing = (raw: string, path: string): DbfsNode => {
    const node = ws.dbfs.find(path);
    if (!node) throw notFound(`No file or directory exists on path ${raw}.`);
    return node;
  };
  const insideMountList = (path: string): void => {
    if (ws.dbfs.mounts.has(path)) {
      throw new ApiError(
        400,
        'IO_ERROR',
        `Operation failed: "This request is not authorized to perform this operation using this permission.", 403, GET, ${path}`,
      );
    }
  };

  routes.get('/api/2.0/dbfs/list', 'dbfs', (ctx) => {
    const raw = ctx.query.required('path');
    const path = resolve(raw);
    existing(raw, path);
    insideMountList(path);
    const files = ws.dbfs.list(path).map(fileInfo);
    return files.length === 0 ? {} : { files };
  });

  routes.get('/api/2.0/dbfs/get-status', 'dbfs', (ctx) => {
    const raw = ctx.query.required('path');
    return fileInfo(existing(raw, resolve(raw)));
  });

  routes.get('/api/2.0/dbfs/read', 'dbfs', (ctx) => {
    const raw = ctx.query.required('path');
    const path = resolve(raw);
    const offset = ctx.query.int('offset') ?? 0;
    const length = ctx.query.int('length') ?? 512 * 1024;
    if (offset < 0) throw invalidParameter(`Cannot read with a negative offset: ${offset}`);
    if (length < 0) throw invalidParameter(`Cannot read with a negative length: ${length}`);
    if (length > ONE_MB) {
      throw new ApiError(400, 'MAX_READ_SIZE_EXCEEDED', `Cannot read more than ${ONE_MB} bytes at a time. Requested: ${length} bytes.`);
    }
    const node = existing(raw, path);
    if (node.isDir) throw invalidParameter(`Cannot read a directory: ${raw}`);
    const data = ws.dbfs.read(path, offset, length);
    return { bytes_read: data.length, data: data.toString('base64') };
  });

  routes.post('/api/2.0/dbfs/put', 'dbfs', (ctx: RequestContext) => {
    let raw: unknown;
    let contents: Buffer;
    let overwrite: boolean;
    if (ctx.multipart) {
      const f = ctx.multipart;
      const text = (v: string | Buffer | undefined): string | undefined => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
      raw = text(f['path']);
      // The legacy CLI names the file part `file` and sends overwrite as Python's "True"/"False"
      // (databricks-cli 0.18 sdk/service.py DbfsService.put, which the service accepts).
      const c = f['contents'] ?? f['content'] ?? f['file'];
      contents = c === undefined ? Buffer.alloc(0) : Buffer.isBuffer(c) ? c : Buffer.from(c, 'utf8');
      overwrite = text(f['overwrite'])?.toLowerCase() === 'true';
    } else {
      raw = ctx.body.get('path');
      contents = decodeBase64(ctx.body.str('contents'), 'contents');
      overwrite = ctx.body.bool('overwrite');
    }
    const path = resolve(raw);
    // The 1 MB limit is on the `contents` field; a posted file part may be larger (the API
    // 2.0 reference: "This parameter might be absent, and instead a posted file will be
    // used"; the legacy CLI uploads files up to 2 GB this way).
    if (!ctx.multipart && contents.length > ONE_MB) {
      throw new ApiError(
        400,
        'MAX_BLOCK_SIZE_EXCEEDED',
        `The 'contents' data cannot exceed ${ONE_MB} bytes. Found: ${contents.length} bytes. You might want to use ` +
          `streaming upload instead.`,
      );
    }
    ws.dbfs.write(path, contents, overwrite);
    return {};
  });

  routes.post('/api/2.0/dbfs/create', 'dbfs', (ctx) => {
    const path = resolve(ctx.body.get('path'));
    return { handle: ws.dbfs.open(path, ctx.body.bool('overwrite')) };
  });

  routes.post('/api/2.0/dbfs/add-block', 'dbfs', (ctx) => {
    const handle = ctx.body.num('handle');
    if (handle === undefined) throw invalidParameter("Missing required field 'handle'");
    const data = decodeBase64(ctx.body.str('data'), 'data');
    if (data.length > ONE_MB) {
      throw new ApiError(400, 'MAX_BLOCK_SIZE_EXCEEDED', `The 'data' data cannot exceed ${ONE_MB} bytes. Found: ${data.length} bytes.`);
    }
    ws.dbfs.addBlock(handle, data);
    return {};
  });

  routes.post('/api/2.0/dbfs/close', 'dbfs', (ctx) => {
    const handle = ctx.body.num('handle');
    if (handle === undefined) throw invalidParameter("Missing required field 'handle'");
    ws.dbfs.close(handle);
    return {};
  });

  routes.post('/api/2.0/dbfs/mkdirs', 'dbfs', (ctx) => {
    ws.dbfs.mkdirs(resolve(ctx.body.get('path')));
    return {};
  });

  routes.post('/api/2.0/dbfs/delete', 'dbfs', (ctx) => {
    const path = resolve(ctx.body.get('path'));
    if (ws.dbfs.mounts.has(path)) throw invalidParameter(`Cannot delete mount point ${path}; unmount it instead.`);
    // A non-empty directory without recursive is IO_ERROR (SDK docs of DbfsAPI.Delete).
    ws.dbfs.delete(path, ctx.body.bool('recursive'));
    return {};
  });

  routes.post('/api/2.0/dbfs/move', 'dbfs', (ctx) => {
    const source = resolve(ctx.body.get('source_path'), 'source_path');
    const destination = resolve(ctx.body.get('destination_path'), 'destination_path');
    if (!ws.dbfs.find(source)) throw notFound(`No file or directory exists on path ${String(ctx.body.get('source_path'))}.`);
    ws.dbfs.move(source, destination);
    return {};
  });
}
