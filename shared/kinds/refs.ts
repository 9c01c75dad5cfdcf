import type { Ref } from '../snapshot/types.js';
import type { RefSpec } from './types.js';

/** Every value at a spec path, with the concrete field path it was found at. */
export function valuesAt(doc: unknown, path: string): Array<{ field: string; value: unknown }> {
  const segments = path.split('.');
  let current: Array<{ field: string; value: unknown }> = [{ field: '', value: doc }];
  for (const segment of segments) {
    const next: Array<{ field: string; value: unknown }> = [];
    const isArray = segment.endsWith('[]');
    const name = isArray ? segment.slice(0, -2) : segment;
    for (const { field, value } of current) {
      if (value === null || typeof value !== 'object') continue;
      const join = (k: string): string => (field === '' ? k : `${field}.${k}`);
      if (name === '*') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) next.push({ field: join(k), value: v });
        continue;
      }
      const child = (value as Record<string, unknown>)[name];
      if (child === undefined || child === null) continue;
      if (isArray) {
        if (Array.isArray(child)) child.forEach((v, i) => next.push({ field: `${join(name)}[${i}]`, value: v }));
      } else {
        next.push({ field: join(name), value: child });
      }
    }
    current = next;
  }
  return current;
}

export function extractRefs(doc: unknown, specs: readonly RefSpec[]): Ref[] {
  const refs: Ref[] = [];
  for (const spec of specs) {
    for (const { field, value } of valuesAt(doc, spec.path)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') continue;
      const raw = String(value);
      const normalized = spec.normalize ? spec.normalize(raw) : raw;
      if (normalized === undefined || normalized === '') continue;
      refs.push({ kind: spec.kind, value: normalized, by: spec.by, field });
    }
  }
  return refs;
}

const SECRET_REF = /\{\{secrets\/([A-Za-z0-9_.@-]+)\/([A-Za-z0-9_.-]+)\}\}/g;

/** `{{secrets/<scope>/<key>}}` references anywhere in a document's strings. */
export function secretRefs(doc: unknown, at = ''): Ref[] {
  const refs: Ref[] = [];
  const walk = (value: unknown, field: string): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(SECRET_REF)) refs.push({ kind: 'secretScopes', value: m[1] as string, by: 'key', field });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${field}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, field === '' ? k : `${field}.${k}`);
    }
  };
  walk(doc, at);
  return refs;
}

/** `dbfs:/x` → `/x`; anything else is not a DBFS reference. */
export function dbfsPath(value: string): string | undefined {
  return value.startsWith('dbfs:/') ? value.slice('dbfs:'.length) : undefined;
}

/** A workspace path, with or without `/Workspace`; other schemes are not workspace references. */
export function workspacePath(value: string): string | undefined {
  if (!value.startsWith('/') || value.startsWith('/Volumes/') || value.startsWith('/dbfs/')) return undefined;
  return value.startsWith('/Workspace/') ? value.slice('/Workspace'.length) : value;
}

/** References every cluster spec holds (clusters, job clusters, task clusters). */
export function clusterSpecRefs(prefix: string): RefSpec[] {
  const p = prefix === '' ? '' : `${prefix}.`;
  return [
    { path: `${p}policy_id`, kind: 'clusterPolicies', by: 'id' },
    { path: `${p}instance_pool_id`, kind: 'instancePools', by: 'id' },
    { path: `${p}driver_instance_pool_id`, kind: 'instancePools', by: 'id' },
    { path: `${p}single_user_name`, kind: 'users', by: 'key', normalize: (v) => (v.includes('@') ? v : undefined) },
    { path: `${p}init_scripts[].dbfs.destination`, kind: 'dbfsFiles', by: 'key', normalize: dbfsPath },
    { path: `${p}init_scripts[].workspace.destination`, kind: 'files', by: 'key', normalize: workspacePath },
  ];
}

/** References of a library spec list (cluster libraries, task libraries). */
export function libraryRefs(prefix: string): RefSpec[] {
  const p = prefix === '' ? '' : `${prefix}.`;
  const refs: RefSpec[] = [];
  for (const field of ['jar', 'egg', 'whl', 'requirements']) {
    refs.push({ path: `${p}[].${field}`.replace('.[]', '[]'), kind: 'dbfsFiles', by: 'key', normalize: dbfsPath });
    refs.push({ path: `${p}[].${field}`.replace('.[]', '[]'), kind: 'files', by: 'key', normalize: workspacePath });
  }
  return refs;
}
