import { kindsView } from '../../shared/cli/render.js';
import { importOrder, REGISTRY } from '../../shared/kinds/registry.js';

describe('databricks-dr kinds', () => {
  test('lists every kind in restore order, as its module declares it', () => {
    const { kinds } = kindsView().json() as { kinds: Array<{ kind: string; description: string; permissions?: string }> };
    expect(kinds.map((k) => k.kind)).toEqual(importOrder());
    for (const k of kinds) expect(k.description).toBe(REGISTRY[k.kind as keyof typeof REGISTRY].description);
    expect(kinds.find((k) => k.kind === 'workspaceSettings')).toMatchObject({ permissions: 'authorization', fixed: ['tokens'] });
    const text = kindsView().text();
    expect(text).toContain('ipAccessLists (key: label)');
    expect(text.trimEnd().split('\n')).toHaveLength(kinds.length * 2);
  });
});
