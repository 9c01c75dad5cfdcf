import { readFileSync } from 'node:fs';

import { SETTINGS } from '../../shared/config/settings.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  test('the settings table lists exactly the settings the code reads, with their defaults', () => {
    const section = readme.slice(readme.indexOf('\n## Settings\n'), readme.indexOf('\n## ', readme.indexOf('\n## Settings\n') + 1));
    const rows = [...section.matchAll(/^\| `([A-Za-z_<>]+)` \| (.*?) \| /gm)].map((m) => ({
      name: m[1],
      default: (m[2] as string).replace(/`/g, ''),
    }));
    expect(rows.map((r) => r.name)).toEqual(SETTINGS.map((s) => s.name));
    for (const s of SETTINGS) expect(rows.find((r) => r.name === s.name)?.default).toBe('default' in s ? s.default : '');
  });

  test('the quick start is exactly two commands, and package.json has both', () => {
    const quick = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quick
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('#')[0]?.trim());
    expect(commands).toEqual(['npm start', 'npm test']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBeDefined();
    expect(pkg.scripts['test']).toBeDefined();
  });
});
