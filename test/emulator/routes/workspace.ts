import { ApiError, alreadyExists, badRequest, invalidParameter, notFound } from '../errors.js';
import { type RequestContext, Reply, type Routes } from '../http.js';
import { DbcParseError, type DbcEntry, parseDbc, renderDbc } from '../notebook/dbc.js';
import { JupyterParseError, parseJupyter, renderJupyter } from '../notebook/jupyter.js';
import { isNotebookLanguage, languageForExtension, type Notebook, SYNTAX } from '../notebook/model.js';
import { hasHeader, parseSource, renderSource } from '../notebook/source.js';
import { normalizeWorkspacePath } from '../state/paths.js';
import { MAX_NOTEBOOK_BYTES, notebookTooLarge, type WsNode } from '../state/tree.js';
import type { Workspace } from '../state/workspace.js';

const EXPORT_FORMATS = ['SOURCE', 'HTML', 'JUPYTER', 'DBC', 'R_MARKDOWN', 'AUTO', 'RAW'];
const IMPORT_FORMATS = ['SOURCE', 'HTML', 'JUPYTER', 'DBC', 'R_MARKDOWN', 'AUTO', 'RAW'];

/** Paths come back the way they were asked for: with or without the `/Workspace` prefix. */
function presenter(requested: unknown): (path: string) => string {
  const prefixed = typeof requested === 'string' && /^\/+Workspace(\/|$)/.test(requested) && !requested.startsWith('//');
  return (path) => (prefixed ? (path === '/' ? '/Workspace' : `/Workspace${path}`) : path);
}

export function objectInfo(node: WsNode, present: (p: string) => string = (p) => p): Record<string, unknown> {
  const info: Record<string, unknown> = {
    object_type: node.objectType,
    path: present(node.path),
    object_id: node.objectId,
    resource_id: String(node.objectId),
  };
  if (node.objectType === 'NOTEBOOK' || node.objectType === 'FILE' || node.objectType === 'LIBRARY') {
    if (node.notebook) info['language'] = node.notebook.language;
    info['created_at'] = node.createdAt;
    info['modified_at'] = node.modifiedAt;
  }
  if (node.objectType === 'FILE') info['size'] = node.content?.length ?? 0;
  return info;
}

function exportTooLarge(bytes: number): ApiError {
  const error = new ApiError(400, 'BAD_REQUEST', `Notebook size exceeded limit: ${bytes} > ${MAX_NOTEBOOK_BYTES}`);
  const body = error.body.bind(error);
  error.body = () => ({
    ...body(),
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'MAX_NOTEBOOK_SIZE_EXCEEDED', domain: '' }],
  });
  return error;
}

function guidFor(ws: Workspace): (seed: string) => string {
  return (seed) => {
    // Deterministic per workspace and seed, so repeated exports are identical.
    let h = 0n;
    for (const ch of `${ws.workspaceId}:${seed}`) h = (h * 131n + BigInt(ch.codePointAt(0) ?? 0)) % (1n << 128n);
    const hex = h.toString(16).padStart(32, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}

function exportNode(ws: Workspace, node: WsNode, format: string): { bytes: Buffer; fileType?: string; ext: string } {
  const name = node.path.split('/').pop() ?? '';
  if (node.objectType === 'LIBRARY') throw invalidParameter(`Cannot export ${node.path}: this API does not support exporting a library.`);
  if (node.objectType === 'FILE') {
    if (!['SOURCE', 'AUTO', 'RAW'].includes(format)) {
      throw invalidParameter(`Cannot export workspace file ${node.path} in ${format} format; use SOURCE or AUTO.`);
    }
    const content = node.content ?? Buffer.alloc(0);
    if (content.length > MAX_NOTEBOOK_BYTES) {
      throw new ApiError(
        400,
        'BAD_REQUEST',
        `File size imported is (${content.length} bytes), exceeded max size (${MAX_NOTEBOOK_BYTES} bytes)`,
      );
    }
    return { bytes: content, ext: '' };
  }
  if (node.objectType === 'NOTEBOOK' && node.notebook) {
    const nb = node.notebook;
    const source = renderSource(nb);
    const size = Buffer.byteLength(source);
    if (size > MAX_NOTEBOOK_BYTES) throw exportTooLarge(size);
    switch (format) {
      case 'SOURCE':
      case 'AUTO':
        return { bytes: Buffer.from(source, 'utf8'), fileType: SYNTAX[nb.language].fileType, ext: SYNTAX[nb.language].extension };
      case 'JUPYTER': {
        const guid = guidFor(ws);
        const text = renderJupyter(nb, name, (i) => guid(`${node.objectId}#${i}`));
        return { bytes: Buffer.from(text, 'utf8'), fileType: 'ipynb', ext: '.ipynb' };
      }
      case 'DBC':
        return {
          bytes: Buffer.from(renderDbc('', [{ relativePath: name, name, objectId: node.objectId, notebook: nb }], guidFor(ws))),
          fileType: 'dbc',
          ext: '.dbc',
        };
      case 'HTML':
        return { bytes: Buffer.from(renderHtml(name, source), 'utf8'), fileType: 'html', ext: '.html' };
      default:
        throw invalidParameter(`Export format ${format} is not supported for ${nb.language} notebooks.`);
    }
  }
  // DIRECTORY and REPO: a DBC archive of the notebooks below, whatever format was asked.
  if (!['SOURCE', 'DBC', 'AUTO'].includes(format)) {
    throw invalidParameter(`Cannot export directory ${node.path} in ${format} format; use DBC, SOURCE or AUTO.`);
  }
  const entries: DbcEntry[] = [];
  let total = 0;
  for (const n of ws.tree.walk(node)) {
    if (n.objectType !== 'NOTEBOOK' || !n.notebook) continue;
    total += Buffer.byteLength(renderSource(n.notebook));
    const relativePath = n.path.slice(node.path === '/' ? 1 : node.path.length + 1);
    entries.push({ relativePath, name: n.path.split('/').pop() ?? '', objectId: n.objectId, notebook: n.notebook });
  }
  if (total > MAX_NOTEBOOK_BYTES) throw exportTooLarge(total);
  return { bytes: Buffer.from(renderDbc(name, entries, guidFor(ws))), fileType: 'dbc', ext: '.dbc' };
}

function renderHtml(name: string, source: string): string {
  const model = Buffer.from(encodeURIComponent(JSON.stringify({ name, source }))).toString('base64');
  return (
    `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8"/>\n<title>${name} - Databricks</title>\n</head>\n<body>\n` +
    `<script>var __DATABRICKS_NOTEBOOK_MODEL = '${model}';</script>\n</body>\n</html>\n`
  );
}

interface ImportRequest {
  path: unknown;
  format: string;
  language: unknown;
  overwrite: boolean;
  content: Buffer | undefined;
}

function readImport(ctx: RequestContext): ImportRequest {
  if (ctx.multipart) {
    const f = ctx.multipart;
    const text = (v: string | Buffer | undefined): string | undefined => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
    const content = f['content'];
    return {
      path: text(f['path']),
      format: (text(f['format']) ?? 'SOURCE') || 'SOURCE',
      language: text(f['language']),
      overwrite: text(f['overwrite']) === 'true',
      content: content === undefined ? undefined : Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
    };
  }
  const b = ctx.body;
  const content = b.str('content');
  if (content !== undefined && !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(content)) {
    throw invalidParameter('content must be base64-encoded.');
  }
  return {
    path: b.get('path'),
    format: b.str('format') ?? 'SOURCE',
    language: b.get('language'),
    overwrite: b.bool('overwrite'),
    content: content === undefined ? undefined : Buffer.from(content, 'base64'),
  };
}

/** What AUTO import makes of a name and content: a notebook (extension stripped) or a file. */
function autoDetect(path: string, content: Buffer): { path: string; notebook: Notebook } | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.ipynb')) {
    return { path: path.slice(0, -'.ipynb'.length), notebook: parseJupyter(content.toString('utf8')) };
  }
  const language = languageForExtension(path);
  if (!language) return undefined;
  const text = content.toString('utf8');
  if (!hasHeader(text, language)) return undefined;
  return { path: path.slice(0, -SYNTAX[language].extension.length), notebook: parseSource(text, language) };
}

export function registerWorkspace(routes: Routes, ws: Workspace): void {
  routes.get('/api/2.0/workspace/list', 'workspace.list', (ctx) => {
    const raw = ctx.query.required('path');
    const present = presenter(raw);
    const node = ws.tree.get(normalizeWorkspacePath(raw));
    const after = ctx.query.int('notebooks_modified_after');
    const children = node.children ? [...node.children.values()].sort((a, b) => (a.path < b.path ? -1 : 1)) : [node];
    const objects = children
      .filter((c) => after === undefined || c.objectType !== 'NOTEBOOK' || c.modifiedAt > after)
      .map((c) => objectInfo(c, present));
    return objects.length === 0 ? {} : { objects };
  });

  routes.get('/api/2.0/workspace/get-status', 'workspace.get-status', (ctx) => {
    const raw = ctx.query.required('path');
    const node = ws.tree.get(normalizeWorkspacePath(raw));
    const info = objectInfo(node, presenter(raw));
    if (ctx.query.bool('return_git_info') && node.repoId !== undefined) {
      const repo = ws.repos.get(node.repoId);
      info['git_info'] = { id: repo.id, path: repo.path, branch: repo.branch, head_commit_id: repo.headCommitId, url: repo.url };
    }
    if (ctx.query.bool('return_export_info') && node.objectType === 'NOTEBOOK') info['repos_export_format'] = 'SOURCE';
    return info;
  });

  routes.get('/api/2.0/workspace/export', 'workspace.export', (ctx) => {
    const raw = ctx.query.required('path');
    const format = ctx.query.str('format') ?? 'SOURCE';
    if (!EXPORT_FORMATS.includes(format)) {
      throw invalidParameter(`Invalid export format ${format}. Supported formats: ${EXPORT_FORMATS.join(', ')}.`);
    }
    const outputs = ctx.query.str('outputs');
    if (outputs !== undefined && !['ALL', 'NONE', 'DATABRICKS'].includes(outputs)) {
      throw invalidParameter(`Invalid value for outputs: ${outputs}. Expected ALL or NONE.`);
    }
    const node = ws.tree.get(normalizeWorkspacePath(raw));
    const exported = exportNode(ws, node, format);
    if (ctx.query.bool('direct_download')) {
      const name = `${node.path.split('/').pop() || 'workspace'}${exported.ext}`;
      return Reply.raw(exported.bytes, 'application/octet-stream', {
        'content-disposition': `attachment; filename="${encodeURIComponent(name)}"`,
      });
    }
    return {
      content: exported.bytes.toString('base64'),
      ...(exported.fileType === undefined ? {} : { file_type: exported.fileType }),
    };
  });

  routes.post('/api/2.0/workspace/import', 'workspace.import', (ctx) => {
    const req = readImport(ctx);
    const path = normalizeWorkspacePath(req.path);
    if (!IMPORT_FORMATS.includes(req.format)) {
      throw invalidParameter(`Invalid import format ${req.format}. Supported formats: ${IMPORT_FORMATS.join(', ')}.`);
    }
    if (req.content === undefined || req.content.length === 0) throw invalidParameter('No input data source provided');
    if (req.content.length > MAX_NOTEBOOK_BYTES) throw notebookTooLarge(req.content.length);
    const language = req.language;
    if (language !== undefined && language !== '' && !isNotebookLanguage(language)) {
      throw invalidParameter(`Invalid language ${String(language)}. Supported languages: PYTHON, SCALA, SQL, R.`);
    }
    try {
      switch (req.format) {
        case 'SOURCE': {
          if (!isNotebookLanguage(language)) {
            // Without a language, SOURCE content is taken as an archive of a directory.
            if (req.content[0] === 0x50 && req.content[1] === 0x4b) return importDbc(ws, path, req.content);
            throw invalidParameter('The zip archive contains no items.');
          }
          const node = ws.tree.put(path, { notebook: parseSource(req.content.toString('utf8'), language) }, req.overwrite);
          return { object_id: node.objectId };
        }
        case 'JUPYTER': {
          const target = path.toLowerCase().endsWith('.ipynb') ? path.slice(0, -'.ipynb'.length) : path;
          const nb = parseJupyter(req.content.toString('utf8'), isNotebookLanguage(language) ? language : 'PYTHON');
          const node = ws.tree.put(target, { notebook: nb }, req.overwrite);
          return { object_id: node.objectId };
        }
        case 'AUTO': {
          const detected = autoDetect(path, req.content);
          const node = detected
            ? ws.tree.put(detected.path, { notebook: detected.notebook }, req.overwrite)
            : ws.tree.put(path, { content: req.content }, req.overwrite);
          return { object_id: node.objectId };
        }
        case 'RAW': {
          const node = ws.tree.put(path, { content: req.content }, req.overwrite);
          return { object_id: node.objectId };
        }
        case 'DBC':
          if (req.overwrite) throw invalidParameter('Overwrite is not supported for the DBC format.');
          return importDbc(ws, path, req.content);
        default:
          throw invalidParameter(`The Databricks emulator does not import the ${req.format} format.`);
      }
    } catch (error) {
      if (error instanceof JupyterParseError || error instanceof DbcParseError) throw invalidParameter(error.message);
      throw error;
    }
  });

  routes.post('/api/2.0/workspace/mkdirs', 'workspace.mkdirs', (ctx) => {
    ws.tree.mkdirs(normalizeWorkspacePath(ctx.body.get('path')));
    return {};
  });

  routes.post('/api/2.0/workspace/delete', 'workspace.delete', (ctx) => {
    const path = normalizeWorkspacePath(ctx.body.get('path'));
    const node = ws.tree.get(path);
    if (node.repoId !== undefined && node.objectType === 'REPO' && !ctx.body.bool('recursive') && (node.children?.size ?? 0) > 0) {
      throw badRequest(`Cannot delete repo ${path} with the Workspace API without recursive=true; use the Repos API.`);
    }
    ws.forgetNodes(ws.tree.delete(path, ctx.body.bool('recursive')));
    return {};
  });

  // Current SDKs read this while resolving their configuration.
  routes.get('/.well-known/databricks-config', 'well-known', (ctx) =>
    Reply.json(200, { oidc_endpoint: `http://${String(ctx.headers.host)}/oidc`, workspace_id: ws.workspaceId, cloud: 'AZURE' }),
  );
}

function importDbc(ws: Workspace, path: string, content: Buffer): Record<string, unknown> {
  if (ws.tree.find(path)) throw alreadyExists(`Path (${path}) already exists.`);
  const notebooks = parseDbc(content);
  const single = notebooks.length === 1 && !notebooks[0]?.relativePath.includes('/');
  if (single) {
    const node = ws.tree.put(path, { notebook: (notebooks[0] as { notebook: Notebook }).notebook }, false);
    return { object_id: node.objectId };
  }
  const parent = path.slice(0, path.lastIndexOf('/')) || '/';
  if (!ws.tree.find(parent)) throw notFound(`The parent folder (${parent}) does not exist.`);
  const root = ws.tree.mkdirs(path);
  for (const { relativePath, notebook } of notebooks) {
    // Archives carry their own top folder; it becomes `path`.
    const inner = relativePath.includes('/') ? relativePath.slice(relativePath.indexOf('/') + 1) : relativePath;
    const target = `${path}/${inner}`;
    ws.tree.mkdirs(target.slice(0, target.lastIndexOf('/')));
    ws.tree.put(target, { notebook }, false);
  }
  return { object_id: root.objectId };
}
