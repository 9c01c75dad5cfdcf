import { spawnTs } from '../support/spawn.js';

test('npm start: the local drill backs up the primary, fails over into the secondary, verifies it and says what needs a human', async () => {
  const p = spawnTs('test/drill/main.ts', ['--size', 'tiny']);
  expect(await p.exit()).toBe(0);
  const out = p.stdout();
  expect(out).toMatch(/1\. Full backup of the primary\n {3}snapshot \S+: \d+ artifacts/);
  expect(out).toMatch(/2\. Incremental backup after one notebook changed\n {3}snapshot \S+: \d+ artifacts reused, \d+ read again, 1 new object\(s\)/);
  expect(out).toMatch(/intact: \d+ objects/);
  expect(out).toMatch(/4\. Fail over into the secondary\n {3}succeeded: \d+ created, \d+ updated, \d+ unchanged, 0 skipped, 0 failed/);
  expect(out).toMatch(/5\. Verify the secondary against the snapshot \(the DR drill\)\n {3}No drift: /);
  expect(out).toMatch(/6\. Fail over again: a re-run must change nothing\n {3}nothing to do: \d+ unchanged/);
  expect(out).toContain('Summary: the drill passed');
  expect(out).toContain('What a person must still do in the DR workspace');
  expect(out).toMatch(/secrets of scope "data-engineering-secrets" need a value/);
}, 60_000);
