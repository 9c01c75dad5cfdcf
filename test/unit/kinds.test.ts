import { withKindLimits } from '../../shared/app/services.js';
import { DEFAULT_RATE_LIMITS, familyFor } from '../../shared/databricks/families.js';
import { KIND_NAMES } from '../../shared/snapshot/names.js';
import { extractRefs, secretRefs } from '../../shared/kinds/refs.js';
import { discoveryOrder, importOrder, REGISTRY, topologicalOrder } from '../../shared/kinds/registry.js';
import { REALISTIC_RATE_LIMITS } from '../emulator/options.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { call } from '../support/http.js';

// The rate limits every client gets: the named families the artifact kinds declare.
const KIND_LIMITS = withKindLimits(DEFAULT_RATE_LIMITS);

describe('registry', () => {
  test('every kind has a handler named after it', () => {
    expect(Object.keys(REGISTRY).sort()).toEqual([...KIND_NAMES].sort());
    for (const k of KIND_NAMES) expect(REGISTRY[k].kind).toBe(k);
  });

  test('import order puts every kind after what it depends on', () => {
    const order = importOrder();
    expect(order).toHaveLength(KIND_NAMES.length);
    for (const k of order) for (const d of REGISTRY[k].dependsOn) expect(order.indexOf(d)).toBeLessThan(order.indexOf(k));
    // Workspace settings last: switching IP access lists on cannot shut out the rest of the run.
    expect(order.indexOf('workspaceSettings')).toBe(order.length - 1);
    expect(order.indexOf('users')).toBeLessThan(order.indexOf('groups'));
    expect(order.indexOf('clusters')).toBeLessThan(order.indexOf('jobs'));
  });

  test('discovery order lists DBFS after the kinds whose references it follows', () => {
    const order = discoveryOrder();
    for (const k of ['clusters', 'jobs', 'clusterPolicies'] as const) expect(order.indexOf(k)).toBeLessThan(order.indexOf('dbfsFiles'));
  });

  test('a cycle is refused and named', () => {
    expect(() => topologicalOrder(['users', 'groups'], (k) => (k === 'users' ? ['groups'] : ['users']))).toThrow(
      'Kind dependency cycle: users -> groups -> users',
    );
  });
});

describe('references', () => {
  test('job documents yield remappable references', () => {
    const job = {
      settings: {
        tasks: [
          {
            task_key: 'a',
            existing_cluster_id: '0101-000000-aaaaaaaa',
            notebook_task: { notebook_path: '/Workspace/Shared/etl' },
            libraries: [{ whl: 'dbfs:/FileStore/w.whl' }, { jar: '/Workspace/Shared/x.jar' }],
          },
          {
            task_key: 'b',
            run_job_task: { job_id: 42 },
            new_cluster: {
              instance_pool_id: 'pool-1',
              policy_id: 'P1',
              init_scripts: [{ dbfs: { destination: 'dbfs:/init.sh' } }, { abfss: { destination: 'abfss://c@a/x.sh' } }],
            },
          },
        ],
        job_clusters: [
          { job_cluster_key: 'jc', new_cluster: { driver_instance_pool_id: 'pool-2', spark_conf: { k: '{{secrets/etl/key}}' } } },
        ],
        run_as: { service_principal_name: 'app-1' },
      },
    };
    const refs = [...extractRefs(job, REGISTRY.jobs.references), ...(REGISTRY.jobs.extraRefs?.(job) ?? [])];
    const by = (kind: string) => refs.filter((r) => r.kind === kind).map((r) => [r.value, r.field]);
    expect(by('clusters')).toEqual([['0101-000000-aaaaaaaa', 'settings.tasks[0].existing_cluster_id']]);
    expect(by('notebooks')).toEqual([['/Shared/etl', 'settings.tasks[0].notebook_task.notebook_path']]);
    expect(by('jobs')).toEqual([['42', 'settings.tasks[1].run_job_task.job_id']]);
    expect(
      by('instancePools')
        .map((r) => r[0])
        .sort(),
    ).toEqual(['pool-1', 'pool-2']);
    expect(by('clusterPolicies')).toEqual([['P1', 'settings.tasks[1].new_cluster.policy_id']]);
    expect(
      by('dbfsFiles')
        .map((r) => r[0])
        .sort(),
    ).toEqual(['/FileStore/w.whl', '/init.sh']);
    expect(by('files').map((r) => r[0])).toEqual(['/Shared/x.jar']);
    expect(by('servicePrincipals')).toEqual([['app-1', 'settings.run_as.service_principal_name']]);
    expect(by('secretScopes')).toEqual([['etl', 'settings.job_clusters[0].new_cluster.spark_conf.k']]);
  });

  test('policy definitions, a JSON string, yield pool and init script references', () => {
    const refs =
      REGISTRY.clusterPolicies.extraRefs?.({
        definition: JSON.stringify({
          instance_pool_id: { type: 'fixed', value: 'pool-9' },
          'init_scripts.0.dbfs.destination': { type: 'fixed', value: 'dbfs:/i.sh' },
        }),
      }) ?? [];
    expect(refs.map((r) => `${r.kind}:${r.value}`).sort()).toEqual(['dbfsFiles:/i.sh', 'instancePools:pool-9']);
    expect(secretRefs({ a: ['x {{secrets/s1/k}} y {{secrets/s2/k}}'] }).map((r) => r.value)).toEqual(['s1', 's2']);
  });
});

describe('the client assumes the limits the service enforces', () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.stop());

  test('the default limits are the realistic preset', () => {
    expect(KIND_LIMITS.families).toEqual(REALISTIC_RATE_LIMITS.families);
    expect(KIND_LIMITS.defaultRead).toBe(REALISTIC_RATE_LIMITS.default);
    expect(KIND_LIMITS.defaultWrite).toBe(REALISTIC_RATE_LIMITS.defaultWrite);
  });

  test.each([
    ['GET', '/api/2.0/workspace/export?path=/x'],
    ['POST', '/api/2.0/workspace/import'],
    ['GET', '/api/2.0/permissions/jobs/1'],
    ['PUT', '/api/2.0/permissions/jobs/1'],
    ['GET', '/api/2.0/dbfs/read?path=/x'],
    ['POST', '/api/2.2/jobs/create'],
    ['POST', '/api/2.1/jobs/runs/submit'],
    ['GET', '/api/2.2/jobs/runs/get?run_id=1'],
    ['GET', '/api/2.0/preview/scim/v2/Users'],
    ['GET', '/api/2.0/secrets/list?scope=x'],
  ])('%s %s is in the same named family on both sides', async (method, path) => {
    emu.stats.reset();
    await call(emu.url, method, path, method === 'GET' ? {} : { body: {} });
    const [endpoint] = Object.values(emu.stats.snapshot().endpoints);
    expect(familyFor(method, path.split('?')[0] as string, KIND_LIMITS.rules)).toBe(endpoint?.family);
  });
});
