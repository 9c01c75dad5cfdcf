/**
 * The status page in a real browser: Debian's headless Chromium, driven by
 * playwright-core, reading the page the dashboard function serves through the
 * loopback host, on a function app whose runs really happened (a failover, a drill
 * that found drift, a rejected request). The test saves a screenshot to
 * test-results/dashboard.png.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';

import { type Browser, chromium } from 'playwright-core';

import { backupOnce } from '../support/backupHarness.js';
import { type HttpHost, startHttpHost } from '../support/functionsHost.js';
import { type Ops, startOps } from '../support/opsHarness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-results/dashboard.png';

let ops: Ops;
let host: HttpHost;
let browser: Browser;
const runs: Record<string, string> = {};

async function post(route: string, body: unknown): Promise<string> {
  const r = await fetch(`${host.url}/api/${route}?code=${host.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as { runId: string; detail?: string };
  if (r.status !== 202) throw new Error(`POST /api/${route}: ${r.status} ${json.detail}`);
  return json.runId;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is not at ${CHROMIUM}. Install Debian's package (apt-get install chromium; .ci/run does), or set CHROMIUM_PATH.`,
    );
  ops = await startOps(71);
  await ops.useEnv();
  host = await startHttpHost(await ops.httpFunctions());
  // Snapshots over time, a failover, a drill after somebody edited the DR workspace, and a request that was refused.
  await backupOnce(ops.primary.url, ops.store);
  runs['failover'] = await post('failover', { reason: 'quarterly DR drill' });
  await ops.deliverFailover();
  const node = [...ops.secondary.workspace.tree.walk()].find((n) => n.objectType === 'NOTEBOOK');
  node?.notebook?.cells.push({ command: 'print("edited in the DR workspace")' });
  if (node) node.modifiedAt = Date.now();
  runs['verify'] = await post('verify', {});
  await ops.deliverFailover();
  const sender = ops.client.createSender('dr-failover');
  await sender.sendMessages({ body: { schema: 'databricks-dr/failover-request', version: 1, target: 'tertiary' }, messageId: 'refused-1' });
  await sender.close();
  await ops.deliverFailover();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await ops?.close();
});

test('the status page shows the recovery point, the runs and the drift, and links to each run', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const response = await page.goto(`${host.url}/api/dashboard?code=${host.key}`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");

  await expect(page.title()).resolves.toBe('databricks-dr status: Needs attention');
  expect(await page.getByTestId('overall').textContent()).toBe('Needs attention');
  const findings = await page.getByTestId('findings').locator('li').allTextContents();
  expect(findings).toEqual([
    expect.stringMatching(/^1 of the last \d+ runs failed or were rejected \(newest: refused-1\)\.$/),
    expect.stringMatching(
      new RegExp(`^The last drill \\(${runs['verify']}\\) found 1 object in the DR workspace that differs from the snapshot\\.$`),
    ),
  ]);

  const rp = page.getByTestId('recovery-point');
  expect(await rp.locator('.value').textContent()).toMatch(/^\d+ s ago$/);
  expect(await rp.getAttribute('class')).toContain('ok');
  expect(await page.getByTestId('drift').locator('.value').textContent()).toBe('1 object drifted');
  expect(await page.getByTestId('workspace-primary').locator('.value').textContent()).toMatch(/^ok \d+ ms$/);
  expect(await page.getByTestId('workspace-secondary').locator('.value').textContent()).toMatch(/^ok \d+ ms$/);

  // The chart: a line of recovery-point age with a dot per snapshot, and the RPO.
  const chart = page.getByTestId('recovery-chart');
  expect(await chart.locator('path.age').count()).toBe(1);
  expect(await chart.locator('circle.snap').count()).toBe(2);
  expect(await chart.locator('line.rpo').count()).toBe(1);

  // Runs, newest first, with their results.
  const rows = page.getByTestId('runs').locator('tbody tr');
  const table = await rows.evaluateAll((trs) =>
    trs.map((tr) => [
      tr.getAttribute('data-run'),
      tr.querySelector('td:nth-child(2)')?.textContent,
      tr.querySelector('.pill')?.textContent,
    ]),
  );
  expect(table).toEqual([
    ['refused-1', 'failover', 'rejected'],
    [runs['verify'], 'verify', 'drift'],
    [runs['failover'], 'failover', 'succeeded'],
  ]);
  expect(await page.getByTestId('snapshots').locator('tbody tr').count()).toBe(2);

  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

  // A click on a run opens its record and report (the key travels with the link).
  await page.locator(`tr[data-run="${runs['failover']}"] a`).click();
  await page.waitForURL(new RegExp(`/api/runs/${runs['failover']?.replace('.', '\\.')}\\?code=`));
  const run = JSON.parse((await page.locator('body').textContent()) ?? '{}') as { run: { status: string; reason: string } };
  expect(run.run).toMatchObject({ status: 'succeeded', reason: 'quarterly DR drill' });
  await page.close();
}, 60_000);

test('without the function key the page is refused', async () => {
  // The host answers 401 with an empty body, which Chromium shows as its own error page.
  const page = await browser.newPage();
  await expect(page.goto(`${host.url}/api/dashboard`)).rejects.toThrow(/ERR_HTTP_RESPONSE_CODE_FAILURE/);
  expect((await page.request.get(`${host.url}/api/dashboard`)).status()).toBe(401);
  expect((await page.request.get(`${host.url}/api/dashboard?code=wrong`)).status()).toBe(401);
  await page.close();
});
