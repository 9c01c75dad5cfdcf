import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

import { SETTINGS } from '../../shared/config/settings.js';

const readme = readFileSync('README.md', 'utf8');

/** The pages whose relative links must resolve: the README, every page of docs/, and the READMEs they link with. */
const PAGES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'test/emulator/README.md',
  'infra/README.md',
];

/** A fenced code block, indented (in a list) or not. */
const FENCE = /^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm;

/** Markdown without code blocks and inline code, where `[x](y)` is not a link. */
function prose(markdown: string): string {
  return markdown.replace(FENCE, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchor: lowercase, punctuation dropped except hyphens and spaces, spaces → hyphens; repeats get -1, -2 … */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const m of markdown.replace(FENCE, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Every relative link of a page that does not resolve, as "page: target (why)". */
function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const m of prose(readFileSync(page, 'utf8')).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
    if (!existsSync(file)) {
      broken.push(`${page}: ${target} (no such file)`);
      continue;
    }
    if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue;
    if (!anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
  }
  return broken;
}

describe('README', () => {
  test('the settings table lists exactly the settings the code reads, with their defaults', () => {
    const section = readFileSync('docs/settings.md', 'utf8');
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

  test('is at most 300 lines: the details are in docs/', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
  });

  test('every relative link in the README and docs/ points to an existing file and heading', () => {
    expect(PAGES.flatMap(brokenLinks)).toEqual([]);
  });

  test("the link check follows GitHub's anchors and skips code", () => {
    expect(slug('2. Plan, fail over, verify')).toBe('2-plan-fail-over-verify');
    expect(slug("The function app's routes")).toBe('the-function-apps-routes');
    expect(slug('`snake_case` here')).toBe('snake_case-here');
    expect(anchors('# A\n```\n# not a heading\n```\n## A\n')).toEqual(new Set(['a', 'a-1']));
    expect(prose('[x](a.md) `[y](b.md)`\n```\n[z](c.md)\n```\n')).toContain('[x](a.md)');
    expect(prose('[x](a.md) `[y](b.md)`\n```\n[z](c.md)\n```\n')).not.toMatch(/b\.md|c\.md/);
  });
});
