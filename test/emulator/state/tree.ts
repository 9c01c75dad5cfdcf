import type { AreaState } from '../area.js';
import { alreadyExists, ApiError, invalidParameter, notFound } from '../errors.js';
import { isNotebookLanguage, type Notebook, type NotebookLanguage } from '../notebook/model.js';
import { parseSource, renderSource } from '../notebook/source.js';
import { baseName, normalizeWorkspacePath, parentOf } from './paths.js';
import type { Workspace } from './workspace.js';

/** The workspace tree's part of a fixture. */
export interface TreeSection {
  /** Workspace objects, parents before children; parent directories are created as needed. */
  workspace?: FixtureWorkspaceObject[];
}

export type FixtureWorkspaceObject =
  | { type: 'DIRECTORY'; path: string; objectId?: string }
  | {
      type: 'NOTEBOOK';
      path: string;
      language: 'PYTHON' | 'SCALA' | 'SQL' | 'R';
      /** The notebook in SOURCE format. */
      source: string;
      objectId?: string;
      createdAt?: number;
      modifiedAt?: number;
    }
  | { type: 'FILE' | 'LIBRARY'; path: string; contentBase64: string; objectId?: string; createdAt?: number; modifiedAt?: number };

export type ObjectType = 'NOTEBOOK' | 'DIRECTORY' | 'FILE' | 'REPO' | 'LIBRARY';

export interface WsNode {
  path: string;
  objectType: ObjectType;
  objectId: bigint;
  createdAt: number;
  modifiedAt: number;
  /** NOTEBOOK only. */
  notebook?: Notebook;
  /** FILE and LIBRARY. */
  content?: Buffer;
  /** REPO: the id in the Repos API. */
  repoId?: bigint;
  /** DIRECTORY and REPO. */
  children?: Map<string, WsNode>;
}

/** The SOURCE rendering of a notebook is what its `size` and 10 MB limit are measured on. */
export function notebookSize(notebook: Notebook): number {
  return Buffer.byteLength(renderSource(notebook), 'utf8');
}

export const MAX_NOTEBOOK_BYTES = 10 * 1024 * 1024;

export function notebookTooLarge(bytes: number): ApiError {
  return new ApiError(
    400,
    'MAX_NOTEBOOK_SIZE_EXCEEDED',
    `File size imported is (${bytes} bytes), exceeded max size (${MAX_NOTEBOOK_BYTES} bytes)`,
  );
}

/**
 * The workspace file tree (Workspace API 2.0): directories, notebooks, files, repos
 * and legacy libraries, each with an int64 object_id. The root directory has id 0.
 */
export class WorkspaceTree implements AreaState<TreeSection> {
  readonly root: WsNode;
  private readonly byId = new Map<bigint, WsNode>();
  private readonly now: () => number;

  constructor(private readonly ws: Workspace) {
    this.now = ws.now;
    const t = this.now();
    this.root = { path: '/', objectType: 'DIRECTORY', objectId: 0n, createdAt: t, modifiedAt: t, children: new Map() };
    this.byId.set(0n, this.root);
    // The folders every workspace has.
    this.mkdirs('/Users');
    this.mkdirs('/Repos');
    this.mkdirs('/Shared');
  }

  /** The root grants admins, and every user manages /Shared. */
  bootstrap(): void {
    this.ws.permissions.initialize('directories', '0', [{ kind: 'group_name', name: 'admins', level: 'CAN_MANAGE' }]);
    const shared = this.get('/Shared');
    this.ws.permissions.initialize('directories', String(shared.objectId), [{ kind: 'group_name', name: 'users', level: 'CAN_MANAGE' }]);
  }

  /** A new user's `/Users/<name>` and `/Repos/<name>`, which the user manages. */
  createHomeFolders(userName: string): void {
    for (const root of ['/Users', '/Repos']) {
      const dir = this.mkdirs(`${root}/${userName}`);
      this.ws.permissions.initialize('directories', String(dir.objectId), [{ kind: 'user_name', name: userName, level: 'CAN_MANAGE' }]);
    }
  }

  load(fixture: TreeSection): void {
    for (const o of fixture.workspace ?? []) {
      const path = normalizeWorkspacePath(o.path);
      const objectId = o.objectId === undefined ? undefined : BigInt(o.objectId);
      if (o.type === 'DIRECTORY') {
        const existing = this.find(path);
        if (existing && objectId !== undefined && existing.objectId !== objectId) {
          // A home folder created with its user: adopt the fixture's id, grants included.
          const grants = this.ws.permissions.directGrants('directories', String(existing.objectId));
          this.ws.permissions.forget('directories', String(existing.objectId));
          this.rekey(existing, objectId);
          this.ws.permissions.initialize('directories', String(objectId), grants);
        } else {
          this.mkdirs(path, objectId);
        }
        continue;
      }
      this.mkdirs(parentOf(path));
      const times = {
        ...(objectId === undefined ? {} : { objectId }),
        ...(o.createdAt === undefined ? {} : { createdAt: o.createdAt }),
        ...(o.modifiedAt === undefined ? {} : { modifiedAt: o.modifiedAt }),
      };
      if (o.type === 'NOTEBOOK') {
        if (!isNotebookLanguage(o.language)) throw new Error(`Fixture notebook ${o.path}: bad language ${String(o.language)}`);
        this.put(path, { notebook: parseSource(o.source, o.language) }, false, times);
      } else {
        this.put(path, { content: Buffer.from(o.contentBase64, 'base64'), objectType: o.type }, false, times);
      }
    }
  }

  /** Everything but the root and Git folders (the repos area dumps those, and their content is a clone). */
  dump(): Required<TreeSection> {
    const out: FixtureWorkspaceObject[] = [];
    for (const node of this.walk()) {
      if (node.path === '/' || node.objectType === 'REPO') continue;
      if (this.ancestors(node).some((a) => a.objectType === 'REPO')) continue;
      const objectId = String(node.objectId);
      if (node.objectType === 'DIRECTORY') out.push({ type: 'DIRECTORY', path: node.path, objectId });
      else if (node.objectType === 'NOTEBOOK' && node.notebook) {
        out.push({
          type: 'NOTEBOOK',
          path: node.path,
          language: node.notebook.language,
          source: renderSource(node.notebook),
          objectId,
          createdAt: node.createdAt,
          modifiedAt: node.modifiedAt,
        });
      } else if (node.objectType === 'FILE' || node.objectType === 'LIBRARY') {
        out.push({
          type: node.objectType,
          path: node.path,
          contentBase64: (node.content ?? Buffer.alloc(0)).toString('base64'),
          objectId,
          createdAt: node.createdAt,
          modifiedAt: node.modifiedAt,
        });
      }
    }
    return { workspace: out };
  }

  find(path: string): WsNode | undefined {
    if (path === '/') return this.root;
    let node: WsNode | undefined = this.root;
    for (const part of path.slice(1).split('/')) {
      node = node?.children?.get(part);
      if (!node) return undefined;
    }
    return node;
  }

  get(path: string): WsNode {
    const node = this.find(path);
    if (!node) throw notFound(`Path (${path}) doesn't exist.`);
    return node;
  }

  byObjectId(id: bigint): WsNode | undefined {
    return this.byId.get(id);
  }

  /** Give an existing node another object id (fixture loading keeps ids stable). */
  rekey(node: WsNode, objectId: bigint): void {
    if (node.objectId === objectId) return;
    if (this.byId.has(objectId)) throw new Error(`object id ${objectId} is already used`);
    this.byId.delete(node.objectId);
    node.objectId = objectId;
    this.byId.set(objectId, node);
  }

  /** mkdir -p; existing directories are fine, a non-directory on the way is an error. */
  mkdirs(path: string, objectId?: bigint): WsNode {
    if (path === '/') return this.root;
    let node = this.root;
    let current = '';
    for (const part of path.slice(1).split('/')) {
      current += `/${part}`;
      const child = node.children?.get(part);
      if (child) {
        if (child.objectType !== 'DIRECTORY' && child.objectType !== 'REPO') {
          throw alreadyExists(`Cannot create directory ${path} because ${current} already exists and it is not a folder`);
        }
        node = child;
        continue;
      }
      const t = this.now();
      const dir: WsNode = {
        path: current,
        objectType: 'DIRECTORY',
        objectId: current === path && objectId !== undefined ? objectId : this.ws.ids.int64(),
        createdAt: t,
        modifiedAt: t,
        children: new Map(),
      };
      this.attach(node, dir);
      node = dir;
    }
    return node;
  }

  /**
   * Create or replace a notebook or file at `path`. The parent must exist. An
   * existing object is replaced only with `overwrite`, and only by one of the same
   * type; a directory is never replaced.
   */
  put(
    path: string,
    value: { notebook: Notebook } | { content: Buffer; objectType?: 'FILE' | 'LIBRARY' },
    overwrite: boolean,
    options: { objectId?: bigint; createdAt?: number; modifiedAt?: number } = {},
  ): WsNode {
    if (path === '/') throw invalidParameter('Cannot import to the root directory.');
    const parentPath = parentOf(path);
    const parent = this.find(parentPath);
    if (!parent) throw notFound(`The parent folder (${parentPath}) does not exist.`);
    if (!parent.children) throw invalidParameter(`The parent (${parentPath}) is not a folder.`);
    const name = baseName(path);
    const existing = parent.children.get(name);
    const objectType: ObjectType = 'notebook' in value ? 'NOTEBOOK' : (value.objectType ?? 'FILE');
    const t = options.modifiedAt ?? this.now();
    if (existing) {
      if (!overwrite) throw alreadyExists(`Path (${path}) already exists.`);
      if (existing.objectType !== objectType) throw alreadyExists(`Node named '${name}' already exists`);
      if ('notebook' in value) {
        existing.notebook = value.notebook;
      } else {
        existing.content = value.content;
      }
      existing.modifiedAt = Math.max(t, existing.modifiedAt + 1);
      return existing;
    }
    const node: WsNode = {
      path,
      objectType,
      objectId: options.objectId ?? this.ws.ids.int64(),
      createdAt: options.createdAt ?? t,
      modifiedAt: t,
      ...('notebook' in value ? { notebook: value.notebook } : { content: value.content }),
    };
    this.attach(parent, node);
    return node;
  }

  /** Add a REPO node (a directory-like object owned by the Repos API). */
  addRepo(path: string, repoId: bigint, objectId?: bigint): WsNode {
    const parentPath = parentOf(path);
    const parent = this.find(parentPath);
    if (!parent?.children) throw notFound(`The parent folder (${parentPath}) does not exist.`);
    if (parent.children.has(baseName(path))) throw alreadyExists(`Path (${path}) already exists.`);
    const t = this.now();
    const node: WsNode = {
      path,
      objectType: 'REPO',
      objectId: objectId ?? this.ws.ids.int64(),
      createdAt: t,
      modifiedAt: t,
      repoId,
      children: new Map(),
    };
    this.attach(parent, node);
    return node;
  }

  delete(path: string, recursive: boolean): WsNode[] {
    if (path === '/') throw invalidParameter('Cannot delete the root directory.');
    const node = this.get(path);
    if (node.children && node.children.size > 0 && !recursive) {
      throw new ApiError(400, 'DIRECTORY_NOT_EMPTY', `Folder (${path}) is not empty`);
    }
    const removed = [...this.walk(node)];
    for (const n of removed) this.byId.delete(n.objectId);
    this.find(parentOf(path))?.children?.delete(baseName(path));
    return removed;
  }

  /** The node and all its descendants, parents before children. */
  *walk(node: WsNode = this.root): Generator<WsNode> {
    yield node;
    if (node.children) {
      for (const child of [...node.children.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
        yield* this.walk(child);
      }
    }
  }

  /** Ancestors from the parent up to the root. */
  ancestors(node: WsNode): WsNode[] {
    const out: WsNode[] = [];
    let path = node.path;
    while (path !== '/') {
      path = parentOf(path);
      const parent = this.find(path);
      if (parent) out.push(parent);
    }
    return out;
  }

  private attach(parent: WsNode, node: WsNode): void {
    parent.children?.set(baseName(node.path), node);
    this.byId.set(node.objectId, node);
  }
}

export function languageOf(node: WsNode): NotebookLanguage | undefined {
  return node.notebook?.language;
}
