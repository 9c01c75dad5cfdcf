import { invalidParameter } from '../errors.js';
import { isObject, type Json, type RequestContext, type Routes } from '../http.js';
import { normalizeWorkspacePath } from '../state/paths.js';
import { canonicalProvider, commitFor, GIT_PROVIDERS } from '../state/repos.js';
import type { Workspace } from '../state/workspace.js';

const REPO_PAGE = 100;

/** Repos 2.0 (Git folders; databricks-api.md §10.2). A repo's id is the object_id of its REPO node. */
export function registerRepos(routes: Routes, ws: Workspace): void {
  const repoJson = (id: bigint): Json => {
    const r = ws.repos.get(id);
    return {
      id: r.id,
      path: r.path,
      url: r.url,
      provider: r.provider,
      ...(r.branch === undefined ? {} : { branch: r.branch }),
      head_commit_id: r.headCommitId,
      ...(r.sparseCheckout ? { sparse_checkout: { patterns: r.sparseCheckout } } : {}),
    };
  };
  const repoId = (ctx: RequestContext): bigint => {
    const raw = ctx.params['id'] ?? '';
    if (!/^\d+$/.test(raw)) throw invalidParameter(`Invalid repo id ${raw}.`);
    return BigInt(raw);
  };

  routes.get('/api/2.0/repos', 'repos.list', (ctx) => {
    const prefix = ctx.query.str('path_prefix');
    const normalized = prefix ? normalizeWorkspacePath(prefix) : '/Repos';
    const all = [...ws.repos.records.values()]
      .filter(
        (r) =>
          r.path === normalized ||
          r.path.startsWith(normalized.endsWith('/') ? normalized : `${normalized}/`) ||
          (prefix !== undefined && r.path.startsWith(normalized)),
      )
      .sort((a, b) => a.path.localeCompare(b.path));
    const token = ctx.query.str('next_page_token');
    const offset = token
      ? Number(
          Buffer.from(token, 'base64url')
            .toString('utf8')
            .replace(/^repos:/, ''),
        )
      : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameter(`Invalid page token: ${String(token)}`);
    const page = all.slice(offset, offset + REPO_PAGE).map((r) => repoJson(r.id));
    const out: Json = {};
    if (page.length > 0) out['repos'] = page;
    if (offset + REPO_PAGE < all.length) out['next_page_token'] = Buffer.from(`repos:${offset + REPO_PAGE}`).toString('base64url');
    return out;
  });

  routes.get('/api/2.0/repos/:id', 'repos.get', (ctx) => repoJson(repoId(ctx)));

  routes.post('/api/2.0/repos', 'repos.create', (ctx) => {
    const url = ctx.body.str('url');
    if (!url) throw invalidParameter('Git repository URL missing for project');
    const providerInput = ctx.body.str('provider');
    if (!providerInput) throw invalidParameter(`Missing required field 'provider'. Supported providers: ${GIT_PROVIDERS.join(', ')}.`);
    const provider = canonicalProvider(providerInput);
    const name =
      url
        .replace(/\/+$/, '')
        .split('/')
        .pop()
        ?.replace(/\.git$/, '') ?? 'repo';
    const path = normalizeWorkspacePath(ctx.body.str('path') ?? `/Repos/${ctx.caller.name}/${name}`);
    if (path.startsWith('/Repos/') && path.split('/').length !== 4) {
      throw invalidParameter(`Repos under /Repos must be at /Repos/<folder>/<name>; got ${path}.`);
    }
    for (const r of ws.repos.records.values()) {
      if (r.path === path) {
        throw invalidParameter(
          `Repo ${path} already exists. If you would like to create two repos from the same remote Git repo, rename ` +
            `the first repo before creating the second one.`,
        );
      }
    }
    const sparse = ctx.body.obj('sparse_checkout');
    const patterns = isObject(sparse) && Array.isArray(sparse['patterns']) ? sparse['patterns'].map(String) : undefined;
    const id = ws.repos.create({ url, provider, path, ...(patterns ? { sparseCheckout: patterns } : {}) });
    return repoJson(id);
  });

  routes.patch('/api/2.0/repos/:id', 'repos.update', (ctx) => {
    const r = ws.repos.get(repoId(ctx));
    const branch = ctx.body.str('branch');
    const tag = ctx.body.str('tag');
    if (branch !== undefined && tag !== undefined) throw invalidParameter('Only one of branch or tag may be specified.');
    if (branch !== undefined) {
      r.branch = branch;
      delete r.tag;
      r.headCommitId = commitFor(r.url, branch);
    }
    if (tag !== undefined) {
      delete r.branch;
      r.tag = tag;
      r.headCommitId = commitFor(r.url, `tags/${tag}`);
    }
    const sparse = ctx.body.obj('sparse_checkout');
    if (isObject(sparse) && Array.isArray(sparse['patterns'])) r.sparseCheckout = sparse['patterns'].map(String);
    return {};
  });

  routes.delete('/api/2.0/repos/:id', 'repos.delete', (ctx) => {
    const r = ws.repos.get(repoId(ctx));
    ws.forgetNodes(ws.tree.delete(r.path, true));
    ws.repos.records.delete(r.id);
    return {};
  });
}
