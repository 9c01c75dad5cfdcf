/** Per-endpoint request counters, served at GET /__emulator/stats. */
export interface EndpointStats {
  count: number;
  /** The endpoint's rate-limit family. */
  family: string;
  /** Responses by status code; `drop` counts connections destroyed without an answer. */
  statuses: Record<string, number>;
}

export interface StatsSnapshot {
  total: number;
  /** Keyed by `METHOD /route/pattern`, e.g. `GET /api/2.0/workspace/export`. */
  endpoints: Record<string, EndpointStats>;
  /** Keyed by rate-limit family, e.g. `workspace.export`. */
  families: Record<string, number>;
  since: string;
}

export class Stats {
  private endpoints = new Map<string, EndpointStats>();
  private families = new Map<string, number>();
  private total = 0;
  private since = new Date();

  request(routeKey: string, family: string): void {
    this.total += 1;
    let entry = this.endpoints.get(routeKey);
    if (!entry) {
      entry = { count: 0, family, statuses: {} };
      this.endpoints.set(routeKey, entry);
    }
    entry.count += 1;
    this.families.set(family, (this.families.get(family) ?? 0) + 1);
  }

  outcome(routeKey: string, status: number | 'drop'): void {
    const entry = this.endpoints.get(routeKey);
    if (!entry) return;
    const key = String(status);
    entry.statuses[key] = (entry.statuses[key] ?? 0) + 1;
  }

  /** How many requests reached an endpoint, e.g. `count('GET', '/api/2.0/workspace/export')`. */
  count(method: string, route: string): number {
    return this.endpoints.get(`${method.toUpperCase()} ${route}`)?.count ?? 0;
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.total,
      endpoints: Object.fromEntries(
        [...this.endpoints].map(([k, v]) => [k, { count: v.count, family: v.family, statuses: { ...v.statuses } }]),
      ),
      families: Object.fromEntries(this.families),
      since: this.since.toISOString(),
    };
  }

  reset(): void {
    this.endpoints = new Map();
    this.families = new Map();
    this.total = 0;
    this.since = new Date();
  }
}
