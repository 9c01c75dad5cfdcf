import type { KindName } from '../../snapshot/names.js';
import type { RefSpec } from '../types.js';

export type Resolver = (kind: KindName, sourceId: string, field: string) => string;

/**
 * Rewrite every id reference a document holds (the `by: 'id'` rows of its kind's
 * reference table) from source ids to target ids. Pure: returns a new document and
 * leaves the input alone. Numbers stay numbers (a job id in run_job_task).
 * The resolver throws UnresolvedReference for an id the target does not have.
 */
export function remapIds<T>(doc: T, specs: readonly RefSpec[], resolve: Resolver): T {
  const copy = structuredClone(doc);
  for (const spec of specs) {
    if (spec.by !== 'id') continue;
    rewrite(copy, spec.path.split('.'), '', (value, field) => {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return value;
      const raw = String(value);
      const normalized = spec.normalize ? spec.normalize(raw) : raw;
      if (normalized === undefined || normalized === '') return value;
      const target = resolve(spec.kind, normalized, field);
      if (typeof value === 'string') return target;
      if (!/^-?\d+$/.test(target)) return target;
      const n = Number(target);
      return Number.isSafeInteger(n) ? n : BigInt(target);
    });
  }
  return copy;
}

function rewrite(node: unknown, segments: string[], field: string, fn: (value: unknown, field: string) => unknown): void {
  if (node === null || typeof node !== 'object' || segments.length === 0) return;
  const [segment, ...rest] = segments as [string, ...string[]];
  const isArray = segment.endsWith('[]');
  const name = isArray ? segment.slice(0, -2) : segment;
  const obj = node as Record<string, unknown>;
  const join = (k: string): string => (field === '' ? k : `${field}.${k}`);
  const keys = name === '*' ? Object.keys(obj) : [name];
  for (const key of keys) {
    const child = obj[key];
    if (child === undefined || child === null) continue;
    if (isArray) {
      if (!Array.isArray(child)) continue;
      child.forEach((item, i) => {
        const f = `${join(key)}[${i}]`;
        if (rest.length === 0) child[i] = fn(item, f);
        else rewrite(item, rest, f, fn);
      });
    } else if (rest.length === 0) {
      obj[key] = fn(child, join(key));
    } else {
      rewrite(child, rest, join(key), fn);
    }
  }
}
