import type { KindName } from '../../snapshot/names.js';

/**
 * Source id → target id, per kind: what a failover created or found for each object
 * it replayed. It is saved in blob storage as the failover goes, so a re-run (or the
 * failback) finds what it made instead of making it again.
 */
export class IdMap {
  private readonly maps = new Map<KindName, Map<string, string>>();

  get(kind: KindName, sourceId: string): string | undefined {
    return this.maps.get(kind)?.get(sourceId);
  }

  set(kind: KindName, sourceId: string, targetId: string): void {
    let m = this.maps.get(kind);
    if (!m) {
      m = new Map();
      this.maps.set(kind, m);
    }
    m.set(sourceId, targetId);
  }

  delete(kind: KindName, sourceId: string): void {
    this.maps.get(kind)?.delete(sourceId);
  }

  /** The source id that maps to a target id (for failback, which runs the other way). */
  reverse(kind: KindName, targetId: string): string | undefined {
    for (const [s, t] of this.maps.get(kind) ?? []) if (t === targetId) return s;
    return undefined;
  }

  size(kind?: KindName): number {
    if (kind) return this.maps.get(kind)?.size ?? 0;
    let n = 0;
    for (const m of this.maps.values()) n += m.size;
    return n;
  }

  toJSON(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [k, m] of this.maps) out[k] = Object.fromEntries(m);
    return out;
  }

  static fromJSON(value: unknown): IdMap {
    const map = new IdMap();
    if (value && typeof value === 'object') {
      for (const [kind, entries] of Object.entries(value as Record<string, Record<string, string>>)) {
        for (const [s, t] of Object.entries(entries ?? {})) map.set(kind as KindName, s, String(t));
      }
    }
    return map;
  }
}
