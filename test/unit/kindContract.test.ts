import { contains, overlaps, refusedBy, type IpAccessList } from '../../shared/kinds/ipAccessLists.js';
import { permissionsKind } from '../../shared/kinds/permissions.js';
import { KIND_RATE_LIMITS, REGISTRY, withInboundReferences } from '../../shared/kinds/registry.js';
import { extractRefs } from '../../shared/kinds/refs.js';
import { remapIds } from '../../shared/kinds/import/remap.js';
import type { KindHandler } from '../../shared/kinds/types.js';
import { loosens, loosensFrom } from '../../shared/kinds/workspaceSettings.js';
import { KIND_NAMES } from '../../shared/snapshot/names.js';

describe('the kind contract', () => {
  test('every kind declares a description and a natural key; rate-limit families are declared once', () => {
    for (const k of KIND_NAMES) {
      expect(REGISTRY[k].description).toMatch(/^[A-Z].{10,}\.$/);
      expect(REGISTRY[k].naturalKey.length).toBeGreaterThan(2);
    }
    const families = KIND_RATE_LIMITS.map((r) => r.family);
    expect(new Set(families).size).toBe(families.length);
    expect(families).toEqual(expect.arrayContaining(['workspace.export', 'permissions.read', 'scim.read', 'secrets', 'dbfs']));
  });

  test('the permissions kind derives its targets and waits from the kinds that declare them', () => {
    const fake = (kind: string, permissions: KindHandler['permissions']): KindHandler =>
      ({ ...REGISTRY.jobs, kind, permissions }) as KindHandler;
    const p = permissionsKind([
      fake('jobs', { type: 'jobs' }),
      fake('instancePools', undefined),
      fake('workspaceSettings', { type: 'authorization', fixed: ['tokens'] }),
    ]);
    expect(p.dependsOn).toEqual(['users', 'groups', 'servicePrincipals', 'jobs']);
    expect(p.importer?.perObject).toEqual(['jobs']);
    expect(p.extraRefs?.({ object_type: 'jobs', object: '42' })).toEqual([{ kind: 'jobs', value: '42', by: 'key', field: 'object' }]);
    expect(p.extraRefs?.({ object_type: 'instance-pools', object: 'x' })).toEqual([]);
    // The real one: every declared type is a target, and the fixed token object waits for nothing.
    const real = REGISTRY.permissions;
    expect(real.dependsOn).not.toContain('workspaceSettings');
    expect(real.description).toContain('authorization');
    for (const k of KIND_NAMES)
      if (REGISTRY[k].permissions !== undefined && REGISTRY[k].permissions?.fixed === undefined) expect(real.dependsOn).toContain(k);
  });
});

describe('references declared by the kind referred to', () => {
  // A new kind (here a stand-in for SQL warehouses, under an existing name) wires a
  // field of jobs to itself without editing jobs.ts.
  const warehouses = {
    ...REGISTRY.instancePools,
    referencedFrom: [{ from: 'jobs' as const, path: 'settings.tasks[].sql_task.warehouse_id', by: 'id' as const }],
  };
  const kinds = withInboundReferences({ jobs: REGISTRY.jobs, instancePools: warehouses });

  test('the referring kind gains the reference and restores after the kind referred to; the handlers are not changed', () => {
    expect(kinds.jobs.references).toContainEqual({ path: 'settings.tasks[].sql_task.warehouse_id', kind: 'instancePools', by: 'id' });
    expect(kinds.jobs.dependsOn).toContain('instancePools');
    expect(kinds.jobs.dependsOn.filter((k) => k === 'instancePools')).toHaveLength(1);
    expect(REGISTRY.jobs.references).not.toContainEqual(expect.objectContaining({ path: 'settings.tasks[].sql_task.warehouse_id' }));
  });

  test('backup captures it and failover remaps it', () => {
    const job = { settings: { tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'w-1' } }] } };
    expect(extractRefs(job, kinds.jobs.references)).toContainEqual(
      expect.objectContaining({ kind: 'instancePools', value: 'w-1', by: 'id' }),
    );
    const out = remapIds(job, kinds.jobs.references, (kind, id) => (kind === 'instancePools' && id === 'w-1' ? 'w-dr' : id));
    expect(out).toEqual({ settings: { tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'w-dr' } }] } });
  });

  test('an unknown referring kind is refused by name', () => {
    const broken = { ...REGISTRY.instancePools, referencedFrom: [{ from: 'nope' as never, path: 'x', by: 'id' as const }] };
    expect(() => withInboundReferences({ instancePools: broken })).toThrow('instancePools.referencedFrom names an unknown kind "nope".');
  });
});

describe('IP access lists never shut out the DR tool', () => {
  const list = (list_type: 'ALLOW' | 'BLOCK', ip_addresses: string[], enabled = true): IpAccessList => ({
    label: `${list_type}-${ip_addresses.join()}`,
    list_type,
    ip_addresses,
    enabled,
  });

  test.each([
    ['10.1.2.3', '10.1.2.0/24', true],
    ['10.1.3.3', '10.1.2.0/24', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['::ffff:10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', 'not-an-address', false],
    ['10.1.2.3', '2001:db8::/32', false],
  ])('%s in %s: %s', (address, range, expected) => {
    expect(contains(range, address)).toBe(expected);
  });

  test('the DR tool\u2019s own ranges: an allow list must hold all of one, a block list refuses it when they overlap', () => {
    expect(contains('10.1.0.0/16', '10.1.2.0/28')).toBe(true);
    expect(contains('10.1.2.0/28', '10.1.0.0/16')).toBe(false);
    expect(overlaps('10.1.2.5', '10.1.2.0/28')).toBe(true);
    expect(overlaps('10.1.3.5', '10.1.2.0/28')).toBe(false);
    expect(refusedBy(['10.1.2.0/28'], [list('ALLOW', ['10.1.2.0/29'])])).toMatch(/No enabled allow list/);
    expect(refusedBy(['10.1.2.0/28'], [list('ALLOW', ['10.1.0.0/16']), list('BLOCK', ['10.1.2.7'])])).toMatch(/block list/);
    expect(refusedBy(['10.1.2.0/28'], [list('ALLOW', ['10.1.0.0/16'])])).toBeUndefined();
  });

  test('block lists first, then allow lists when any are enabled; disabled lists do not count', () => {
    expect(refusedBy(['10.0.0.1'], [])).toBeUndefined();
    expect(refusedBy(['10.0.0.1'], [list('ALLOW', ['192.0.2.0/24'], false)])).toBeUndefined();
    expect(refusedBy(['10.0.0.1'], [list('ALLOW', ['10.0.0.0/8'])])).toBeUndefined();
    expect(refusedBy(['10.0.0.1'], [list('ALLOW', ['192.0.2.0/24'])])).toMatch(/No enabled allow list would admit .* 10\.0\.0\.1/);
    expect(refusedBy(['10.0.0.1'], [list('ALLOW', ['10.0.0.0/8']), list('BLOCK', ['10.0.0.1'])])).toMatch(/block list .* would refuse/);
    expect(refusedBy(['10.0.0.1', '20.0.0.1'], [list('ALLOW', ['10.0.0.0/8'])])).toMatch(/20\.0\.0\.1/);
    // Unknown addresses: nothing shows that enabled lists are safe.
    expect(refusedBy([], [list('ALLOW', ['10.0.0.0/8'])])).toMatch(/not configured/);
  });
});

describe('workspace settings are never loosened', () => {
  test.each([
    ['enableIpAccessLists', 'false', 'true', true],
    ['enableIpAccessLists', 'true', 'false', false],
    ['enableResultsDownloading', 'true', 'FALSE', true],
    ['enableResultsDownloading', 'false', 'true', false],
    ['enableVerboseAuditLogs', 'false', 'True', true],
    ['maxTokenLifetimeDays', '90', '30', true],
    ['maxTokenLifetimeDays', '0', '30', true],
    ['maxTokenLifetimeDays', '30', '90', false],
    ['maxTokenLifetimeDays', '30', '0', false],
  ] as const)('%s: the snapshot says %s, the DR workspace has %s: loosens %s', (key, wanted, now, expected) => {
    expect(loosens(key, wanted, now)).toBe(expected);
  });
});

describe('a setting the DR workspace never set reads as its default', () => {
  test.each([
    ['enableDeprecatedGlobalInitScripts', 'true', true],
    ['enableDbfsFileBrowser', 'true', true],
    ['enable-X-Frame-Options', 'false', true],
    ['enableIpAccessLists', 'true', false],
    ['enableWebTerminal', 'true', false],
    ['maxTokenLifetimeDays', '90', false],
  ] as const)('%s: the snapshot says %s over an unset value: loosens %s', (key, wanted, expected) => {
    expect(loosensFrom(key, wanted, undefined)).toBe(expected);
  });
});
