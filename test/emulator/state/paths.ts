import { invalidParameter } from '../errors.js';

/**
 * Normalise a workspace path the way the service does: `/Workspace/...` is an alias
 * of `/...`, repeated slashes collapse, and a trailing slash is ignored.
 */
export function normalizeWorkspacePath(raw: unknown, field = 'path'): string {
  if (typeof raw !== 'string' || raw === '') throw invalidParameter(`Missing required field: ${field}`);
  if (!raw.startsWith('/')) throw invalidParameter(`Path (${raw}) is not absolute. Paths must start with "/".`);
  let path = raw.replace(/\/{2,}/g, '/');
  if (path === '/Workspace' || path === '/Workspace/') return '/';
  if (path.startsWith('/Workspace/')) path = path.slice('/Workspace'.length);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Normalise a DBFS path: `dbfs:/x` and `/x` are the same file. */
export function normalizeDbfsPath(raw: unknown, field = 'path'): string {
  if (typeof raw !== 'string' || raw === '') throw invalidParameter(`Missing required field: ${field}`);
  let path = raw.startsWith('dbfs:') ? raw.slice('dbfs:'.length) : raw;
  if (!path.startsWith('/')) throw invalidParameter(`Path must be absolute: ${raw}`);
  path = path.replace(/\/{2,}/g, '/');
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}
