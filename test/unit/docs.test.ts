import { readFileSync } from 'node:fs';

import { GENERATED, regenerate } from '../support/generateDocs.js';

describe('generated docs', () => {
  test.each(GENERATED.map((g) => [g.file, g.marker, g] as const))('%s (%s) is current: run npm run docs', (file, marker, g) => {
    const text = readFileSync(file, 'utf8');
    expect(regenerate(text, marker, g.render())).toBe(text);
  });

  test('a stale table is found', () => {
    const g = GENERATED[0] as (typeof GENERATED)[number];
    const stale = regenerate(readFileSync(g.file, 'utf8'), g.marker, '| old |');
    expect(regenerate(stale, g.marker, g.render())).not.toBe(stale);
  });
});
