import { spawnTs } from '../support/spawn.js';

test('npm start: the local drill backs up the emulated primary, verifies it and says what needs a human', async () => {
  const p = spawnTs('test/drill/main.ts', ['--size', 'tiny']);
  expect(await p.exit()).toBe(0);
  const out = p.stdout();
  expect(out).toMatch(/1\. Full backup of the primary\n {3}snapshot \S+: \d+ artifacts/);
  expect(out).toMatch(/2\. Incremental backup after one notebook changed\n {3}snapshot \S+: \d+ artifacts reused, \d+ read again, 1 new object\(s\)/);
  expect(out).toMatch(/intact: \d+ objects/);
  expect(out).toContain('What a person would have to do after a failover');
  expect(out).toContain('Secret values cannot be read through the API');
}, 60_000);
