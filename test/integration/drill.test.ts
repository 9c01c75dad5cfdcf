import { spawnTs } from '../support/spawn.js';

test(
  'npm start: the local drill backs up the primary, fails over into the secondary, ' + 'verifies it and says what needs a human',
  async () => {
    const p = spawnTs('test/drill/main.ts', ['--size', 'tiny']);
    expect(await p.exit()).toBe(0);
    const out = p.stdout();
    expect(out).toMatch(/1\. Full backup of the primary\n {3}snapshot \S+: \d+ artifacts/);
    expect(out).toMatch(
      /2\. Incremental backup after one notebook changed\n {3}snapshot \S+: \d+ artifacts reused, \d+ read again, 1 new object\(s\)/,
    );
    expect(out).toMatch(/intact: \d+ objects/);
    expect(out).toMatch(/4\. Fail over into the secondary\n {3}succeeded: \d+ created, \d+ updated, \d+ unchanged, 0 skipped, 0 failed/);
    expect(out).toMatch(/5\. Verify the secondary against the snapshot \(the DR drill\)\n {3}No drift: /);
    expect(out).toMatch(/6\. Fail over again: a re-run must change nothing\n {3}nothing to do: \d+ unchanged/);
    expect(out).toContain('Summary: the drill passed');
    expect(out).toContain('What a person must still do in the DR workspace');
    expect(out).toMatch(/secrets of scope "data-engineering-secrets" need a value/);
  },
  60_000,
);

test('npm start -- --serve: the function app answers on loopback, and a queued dry run runs to the end', async () => {
  const p = spawnTs('test/drill/main.ts', ['--size', 'tiny', '--serve']);
  try {
    const [, base, key] = await p.waitFor(/the status page +(http:\/\/127\.0\.0\.1:\d+)\/api\/dashboard\?code=(\w+)/, 60_000);
    const page = await fetch(`${base}/api/dashboard?code=${key}`);
    expect(page.status).toBe(200);
    // The drill's own verify is the last drill on the page.
    expect(await page.text()).toMatch(/data-testid="drift"[\s\S]*?no drift/);
    const post = await fetch(`${base}/api/failover?code=${key}`, { method: 'POST', body: JSON.stringify({ dryRun: true }) });
    expect(post.status).toBe(202);
    const { runId } = (await post.json()) as { runId: string };
    let status = '';
    for (let i = 0; i < 100 && status !== 'succeeded' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = ((await (await fetch(`${base}/api/runs/${runId}?items=none&code=${key}`)).json()) as { run: { status: string } }).run.status;
    }
    expect(status).toBe('succeeded');
  } finally {
    p.child.kill('SIGTERM');
    await p.exit();
  }
}, 90_000);
