import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import type { StatsSnapshot } from '../emulator/stats.js';
import { api, call } from '../support/http.js';

describe('rate limits', () => {
  test('requests over a family limit get 429 REQUEST_LIMIT_EXCEEDED with Retry-After', async () => {
    const emu = await startEmulator({ rateLimits: { families: { 'workspace.export': 5 }, default: 1000 } });
    try {
      await api(emu.url).post('/api/2.0/workspace/import', {
        path: '/Shared/n',
        content: Buffer.from('x').toString('base64'),
        language: 'PYTHON',
      });
      const results = await Promise.all(
        Array.from({ length: 12 }, () => call(emu.url, 'GET', '/api/2.0/workspace/export', { query: { path: '/Shared/n' } })),
      );
      const ok = results.filter((r) => r.status === 200).length;
      const throttled = results.filter((r) => r.status === 429);
      expect(ok).toBe(5);
      expect(throttled).toHaveLength(7);
      expect(throttled[0]?.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(Number(throttled[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Other families are not affected.
      expect((await call(emu.url, 'GET', '/api/2.0/workspace/get-status', { query: { path: '/Shared/n' } })).status).toBe(200);
      // After a quiet second the bucket is full again, and holds no more than its capacity.
      await new Promise((r) => setTimeout(r, 1100));
      const later = await Promise.all(
        Array.from({ length: 7 }, () => call(emu.url, 'GET', '/api/2.0/workspace/export', { query: { path: '/Shared/n' } })),
      );
      expect(later.filter((r) => r.status === 200).length).toBe(5);
      const stats = emu.stats.snapshot();
      expect(stats.endpoints['GET /api/2.0/workspace/export']?.statuses['429']).toBe(9);
    } finally {
      await emu.stop();
    }
  });

  test('the realistic preset applies the documented limits; Retry-After can be switched off', async () => {
    const emu = await startEmulator({
      preset: 'realistic',
      latency: { fixedMs: 0, jitterMs: 0 },
      rateLimits: { families: { 'jobs.create': 20 }, default: 30, retryAfter: false },
    });
    try {
      // A bucket of 20 at 20/s: 40 requests at once get 20 answers, plus one for each
      // token that refilled while they arrived (a busy machine spreads them out).
      const started = performance.now();
      const r = await Promise.all(Array.from({ length: 40 }, () => call(emu.url, 'POST', '/api/2.2/jobs/create', { body: { name: 'x' } })));
      const refilled = Math.floor(((performance.now() - started) / 1000) * 20);
      const ok = r.filter((x) => x.status === 200).length;
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThanOrEqual(20 + refilled);
      const limited = r.find((x) => x.status === 429);
      expect(limited?.headers.get('retry-after')).toBeNull();
    } finally {
      await emu.stop();
    }
  });
});

describe('latency', () => {
  test('fixed latency plus jitter is added to every request', async () => {
    const emu = await startEmulator({ latency: { fixedMs: 60, jitterMs: 20 } });
    try {
      const times: number[] = [];
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        await call(emu.url, 'GET', '/api/2.0/clusters/spark-versions');
        times.push(performance.now() - t);
      }
      expect(Math.min(...times)).toBeGreaterThanOrEqual(59);
      expect(Math.max(...times)).toBeLessThan(1000);
      // jitter makes the latencies differ
      expect(new Set(times.map((t) => Math.round(t))).size).toBeGreaterThan(1);
    } finally {
      await emu.stop();
    }
  });
});

describe('random errors and dropped connections', () => {
  let emu: EmulatorHandle;
  afterEach(() => emu.stop());

  test('5xx errors are injected at the configured rate, including the gateway HTML page', async () => {
    emu = await startEmulator({ errors: { rate500: 0.1, rate503: 0.2, htmlShare: 0.5 }, seed: 7 });
    const n = 1000;
    const statuses: number[] = [];
    let html = 0;
    for (let i = 0; i < n; i++) {
      const r = await call(emu.url, 'GET', '/api/2.0/clusters/spark-versions');
      statuses.push(r.status);
      if (r.status === 503 && (r.headers.get('content-type') ?? '').includes('text/html')) {
        html += 1;
        expect(r.text).toContain('No webapps are available to handle your request. Please try again later.');
      }
      if (r.status === 500) expect(r.json.error_code).toBe('INTERNAL_ERROR');
    }
    const rate500 = statuses.filter((s) => s === 500).length / n;
    const rate503 = statuses.filter((s) => s === 503).length / n;
    expect(rate500).toBeGreaterThan(0.07);
    expect(rate500).toBeLessThan(0.13);
    expect(rate503).toBeGreaterThan(0.16);
    expect(rate503).toBeLessThan(0.24);
    expect(html / (rate503 * n)).toBeGreaterThan(0.35);
    expect(html / (rate503 * n)).toBeLessThan(0.65);
  });

  test('dropped connections fail at the socket level', async () => {
    emu = await startEmulator({ dropRate: 0.3, seed: 3 });
    let dropped = 0;
    for (let i = 0; i < 100; i++) {
      try {
        await call(emu.url, 'GET', '/api/2.0/clusters/spark-versions');
      } catch (error) {
        dropped += 1;
        expect((error as Error).message).toBe('fetch failed');
      }
    }
    expect(dropped).toBeGreaterThan(15);
    expect(dropped).toBeLessThan(45);
    expect(emu.stats.snapshot().endpoints['GET /api/2.0/clusters/spark-versions']?.statuses['drop']).toBe(dropped);
  });

  test('scripted faults hit exactly the requests they name, also over the control endpoint', async () => {
    emu = await startEmulator();
    const control = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inject: { method: 'GET', path: '/api/2.0/workspace/list', status: 503, times: 2, after: 1, html: true } }),
    });
    expect(control.status).toBe(200);
    const seq = [];
    for (let i = 0; i < 5; i++) seq.push((await call(emu.url, 'GET', '/api/2.0/workspace/list', { query: { path: '/' } })).status);
    expect(seq).toEqual([200, 503, 503, 200, 200]);
    emu.faults.inject({ path: 're:^/api/2\\.\\d/jobs/', status: 429, retryAfter: 3 });
    const limited = await call(emu.url, 'GET', '/api/2.2/jobs/list');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await call(emu.url, 'GET', '/api/2.2/jobs/list')).status).toBe(200);
  });
});

describe('stats endpoint', () => {
  test('counts requests per endpoint and family, outside /api, and resets', async () => {
    const emu = await startEmulator();
    try {
      for (let i = 0; i < 3; i++) await call(emu.url, 'GET', '/api/2.0/workspace/get-status', { query: { path: '/' } });
      await call(emu.url, 'GET', '/api/2.0/workspace/get-status', { query: { path: '/missing' } });
      const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as StatsSnapshot;
      expect(stats.endpoints['GET /api/2.0/workspace/get-status']).toEqual({
        count: 4,
        family: 'workspace.get-status',
        statuses: { '200': 3, '404': 1 },
      });
      expect(stats.families['workspace.get-status']).toBe(4);
      expect(stats.total).toBe(4);
      await fetch(`${emu.url}/__emulator/stats/reset`, { method: 'POST' });
      expect(((await (await fetch(`${emu.url}/__emulator/stats`)).json()) as StatsSnapshot).total).toBe(0);
    } finally {
      await emu.stop();
    }
  });
});
