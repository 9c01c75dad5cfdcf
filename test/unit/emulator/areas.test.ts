import { AREAS } from '../../emulator/areas.js';
import type { AreaState } from '../../emulator/area.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../../emulator/generator/sampleWorkspace.js';
import { Workspace } from '../../emulator/state/workspace.js';

describe('the area list', () => {
  const keys = AREAS.map((a) => a.key);

  test('keys are unique and load order keeps references resolvable', () => {
    expect(new Set(keys).size).toBe(keys.length);
    // Group members name users and service principals; grants name objects of every area.
    expect(keys[0]).toBe('principals');
    expect(keys.indexOf('tree')).toBeLessThan(keys.indexOf('repos'));
    expect(keys.indexOf('pools')).toBeLessThan(keys.indexOf('clusters'));
    expect(keys.indexOf('policies')).toBeLessThan(keys.indexOf('clusters'));
    expect(keys.indexOf('clusters')).toBeLessThan(keys.indexOf('jobs'));
    expect(keys.indexOf('workspaceConf')).toBeLessThan(keys.indexOf('ipAccessLists'));
    expect(keys[keys.length - 1]).toBe('permissions');
  });

  test('each fixture section belongs to exactly one area, and every area state is on the workspace', () => {
    const ws = new Workspace({ fixture: generateSampleWorkspace({ seed: 2, ...SAMPLE_SIZES.tiny, security: true }) });
    const owner = new Map<string, string>();
    for (const a of AREAS) {
      const state = (ws as unknown as Record<string, AreaState>)[a.key];
      expect(state).toBeDefined();
      for (const section of Object.keys(state?.dump?.() ?? {})) {
        expect(owner.get(section)).toBeUndefined();
        owner.set(section, a.key);
      }
    }
    const dumped = Object.keys(ws.toFixture()).filter((k) => k !== 'version' && k !== 'adminUser');
    expect(new Set(dumped)).toEqual(new Set(owner.keys()));
    expect(owner.get('ipAccessLists')).toBe('ipAccessLists');
    expect(owner.get('workspaceConf')).toBe('workspaceConf');
    expect(owner.get('permissions')).toBe('permissions');
  });

  test('a new workspace issues ids in a stable order, whatever was loaded before', () => {
    const a = new Workspace({ seed: 9 }).toFixture();
    const b = new Workspace({ seed: 9 });
    b.loadFixture(generateSampleWorkspace({ seed: 1, ...SAMPLE_SIZES.tiny }));
    b.loadFixture({ version: 1 });
    expect(b.toFixture()).toEqual(a);
  });
});
