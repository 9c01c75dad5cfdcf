import { readFileSync, writeFileSync } from 'node:fs';

import { REGISTRY } from '../../shared/kinds/registry.js';
import { KIND_NAMES } from '../../shared/snapshot/names.js';

/**
 * The parts of docs/ that are generated from the code, between marker comments:
 * the kind table comes from each kind's declarations (description, natural key,
 * permission object type, dependencies). `npm run docs` rewrites them;
 * test/unit/docs.test.ts fails when they are stale.
 */
export const GENERATED: Array<{ file: string; marker: string; render: () => string }> = [
  { file: 'docs/backup.md', marker: 'kinds', render: kindTable },
];

export function kindTable(): string {
  const rows = KIND_NAMES.map((k) => {
    const h = REGISTRY[k];
    const deps = h.dependsOn.length === KIND_NAMES.length - 1 ? 'every other kind' : h.dependsOn.join(', ') || '–';
    const perms =
      h.permissions === undefined ? '–' : `\`${h.permissions.type}\`${h.permissions.fixed ? ` (${h.permissions.fixed.join(', ')})` : ''}`;
    return `| ${k} | ${h.description} | ${h.naturalKey} | ${perms} | ${deps} |`;
  });
  return [
    '| Kind | What is captured | Natural key | Permissions object type | Restored after |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** A document with each generated part replaced by its current rendering. */
export function regenerate(text: string, marker: string, body: string): string {
  const start = `<!-- generated:${marker} (npm run docs) -->`;
  const end = `<!-- /generated:${marker} -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`The markers ${start} … ${end} are missing.`);
  return `${text.slice(0, a + start.length)}\n\n${body}\n\n${text.slice(b)}`;
}

if (process.argv[1]?.endsWith('generateDocs.ts')) {
  for (const g of GENERATED) {
    const text = readFileSync(g.file, 'utf8');
    const next = regenerate(text, g.marker, g.render());
    if (next !== text) writeFileSync(g.file, next);
    console.log(`${g.file}: ${next === text ? 'current' : 'rewritten'}`);
  }
}
