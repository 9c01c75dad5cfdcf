import type { AreaState } from '../area.js';
import { alreadyExists, ApiError, invalidParameter, notFound } from '../errors.js';
import { baseName, normalizeDbfsPath, parentOf } from './paths.js';
import type { Workspace } from './workspace.js';

/** DBFS's part of a fixture: files and folders outside mounts, and the mounts. */
export interface DbfsSection {
  dbfs?: FixtureDbfsEntry[];
  mounts?: FixtureMount[];
}

export interface FixtureDbfsEntry {
  path: string;
  isDir?: boolean;
  contentBase64?: string;
  modificationTime?: number;
}

export interface FixtureMount {
  mountPoint: string;
  source: string;
  extraConfigs?: Record<string, string>;
}

export interface DbfsNode {
  path: string;
  isDir: boolean;
  content: Buffer;
  modificationTime: number;
}

export interface MountRecord {
  /** `/mnt/<name>` */
  mountPoint: string;
  source: string;
  extraConfigs: Record<string, string>;
  encryptionType: string;
}

interface OpenHandle {
  path: string;
  chunks: Buffer[];
  overwrite: boolean;
  lastUsed: number;
}

export const ONE_MB = 1024 * 1024;
/** Stream handles expire after 10 minutes without use. */
const HANDLE_IDLE_MS = 10 * 60 * 1000;

/** A flat DBFS namespace with implicit parent directories, streams and mounts. */
export class Dbfs implements AreaState<DbfsSection> {
  readonly nodes = new Map<string, DbfsNode>();
  readonly mounts = new Map<string, MountRecord>();
  private readonly handles = new Map<number, OpenHandle>();
  private readonly now: () => number;

  constructor(private readonly ws: Workspace) {
    this.now = ws.now;
    this.nodes.set('/', { path: '/', isDir: true, content: Buffer.alloc(0), modificationTime: 0 });
    this.mkdirs('/FileStore');
    this.mkdirs('/databricks');
    this.mkdirs('/mnt');
  }

  load(fixture: DbfsSection): void {
    for (const f of fixture.dbfs ?? []) {
      const path = normalizeDbfsPath(f.path);
      if (f.isDir) this.mkdirs(path);
      else this.write(path, Buffer.from(f.contentBase64 ?? '', 'base64'), true, f.modificationTime);
    }
    for (const m of fixture.mounts ?? []) {
      this.mount({ mountPoint: m.mountPoint, source: m.source, extraConfigs: m.extraConfigs ?? {}, encryptionType: '' });
    }
  }

  dump(): Required<DbfsSection> {
    const mountPoints = [...this.mounts.keys()];
    return {
      dbfs: [...this.nodes.values()]
        .filter((n) => n.path !== '/' && !mountPoints.some((m) => this.isUnder(n.path, m)))
        .map((n) =>
          n.isDir
            ? { path: n.path, isDir: true }
            : { path: n.path, contentBase64: n.content.toString('base64'), modificationTime: n.modificationTime },
        ),
      mounts: [...this.mounts.values()].map((m) => ({ mountPoint: m.mountPoint, source: m.source, extraConfigs: m.extraConfigs })),
    };
  }

  find(path: string): DbfsNode | undefined {
    return this.nodes.get(path);
  }

  get(path: string): DbfsNode {
    const node = this.nodes.get(path);
    if (!node) throw notFound(`No file or directory exists on path dbfs:${path}.`);
    return node;
  }

  list(path: string): DbfsNode[] {
    const node = this.get(path);
    if (!node.isDir) return [node];
    const prefix = path === '/' ? '/' : `${path}/`;
    const out: DbfsNode[] = [];
    for (const [p, n] of this.nodes) {
      if (p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push(n);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  mkdirs(path: string): void {
    const parts = path.split('/').filter((p) => p !== '');
    let current = '';
    for (const part of parts) {
      current += `/${part}`;
      const existing = this.nodes.get(current);
      if (existing) {
        if (!existing.isDir) {
          throw alreadyExists(`Cannot create directory dbfs:${path} because a file already exists at dbfs:${current}`);
        }
        continue;
      }
      this.nodes.set(current, { path: current, isDir: true, content: Buffer.alloc(0), modificationTime: this.now() });
    }
  }

  write(path: string, content: Buffer, overwrite: boolean, modificationTime?: number): DbfsNode {
    const existing = this.nodes.get(path);
    if (existing) {
      if (existing.isDir) throw alreadyExists(`A directory already exists at the input path dbfs:${path}.`);
      if (!overwrite) throw alreadyExists(`A file or directory already exists at the input path dbfs:${path}.`);
    }
    this.mkdirs(parentOf(path));
    const node: DbfsNode = { path, isDir: false, content, modificationTime: modificationTime ?? this.now() };
    this.nodes.set(path, node);
    return node;
  }

  read(path: string, offset: number, length: number): Buffer {
    const node = this.get(path);
    if (node.isDir) throw invalidParameter(`Cannot read a directory: dbfs:${path}`);
    return node.content.subarray(Math.min(offset, node.content.length), Math.min(offset + length, node.content.length));
  }

  delete(path: string, recursive: boolean): void {
    const node = this.nodes.get(path);
    if (!node) return; // deleting a missing path succeeds, as on the service
    if (path === '/') throw invalidParameter('Cannot delete the root directory.');
    const prefix = `${path}/`;
    const children = [...this.nodes.keys()].filter((p) => p.startsWith(prefix));
    if (node.isDir && children.length > 0 && !recursive) {
      throw new ApiError(400, 'IO_ERROR', `Cannot delete a non-empty directory dbfs:${path}; use recursive=true.`);
    }
    for (const p of children) this.nodes.delete(p);
    this.nodes.delete(path);
  }

  move(source: string, destination: string): void {
    const node = this.get(source);
    if (this.nodes.has(destination)) {
      throw alreadyExists(`A file or directory already exists at the input path dbfs:${destination}.`);
    }
    if (!this.nodes.get(parentOf(destination))?.isDir) {
      throw notFound(`The parent directory of dbfs:${destination} does not exist.`);
    }
    const prefix = `${source}/`;
    for (const [p, n] of [...this.nodes]) {
      if (p === source || p.startsWith(prefix)) {
        const target = destination + p.slice(source.length);
        this.nodes.delete(p);
        this.nodes.set(target, { ...n, path: target });
      }
    }
    void node;
  }

  open(path: string, overwrite: boolean): number {
    const existing = this.nodes.get(path);
    if (existing && (existing.isDir || !overwrite)) {
      throw alreadyExists(`A file or directory already exists at the input path dbfs:${path}.`);
    }
    this.expireHandles();
    const handle = this.ws.ids.handle();
    this.handles.set(handle, { path, chunks: [], overwrite, lastUsed: this.now() });
    return handle;
  }

  addBlock(handle: number, data: Buffer): void {
    const open = this.handle(handle);
    open.chunks.push(data);
    open.lastUsed = this.now();
  }

  close(handle: number): void {
    const open = this.handle(handle);
    this.handles.delete(handle);
    this.write(open.path, Buffer.concat(open.chunks), open.overwrite);
  }

  mount(record: MountRecord): void {
    if (this.mounts.has(record.mountPoint)) {
      throw invalidParameter(`Directory already mounted: ${record.mountPoint}`);
    }
    this.mounts.set(record.mountPoint, record);
    this.mkdirs(record.mountPoint);
  }

  unmount(mountPoint: string): void {
    if (!this.mounts.delete(mountPoint)) throw invalidParameter(`Directory not mounted: ${mountPoint}`);
    this.delete(mountPoint, true);
  }

  isUnder(path: string, dir: string): boolean {
    return path === dir || path.startsWith(`${dir}/`);
  }

  name(path: string): string {
    return baseName(path);
  }

  private handle(handle: number): OpenHandle {
    this.expireHandles();
    const open = this.handles.get(handle);
    if (!open) throw notFound(`The handle ${handle} does not exist.`);
    return open;
  }

  private expireHandles(): void {
    const now = this.now();
    for (const [h, open] of this.handles) if (now - open.lastUsed > HANDLE_IDLE_MS) this.handles.delete(h);
  }
}
