import { base, en, Faker } from '@faker-js/faker';

import { renderSource } from '../notebook/source.js';
import type { NotebookLanguage } from '../notebook/model.js';
import { Random } from '../rng.js';
import type {
  FixtureCluster,
  FixtureGroup,
  FixtureJob,
  FixturePermissions,
  FixtureUser,
  FixtureWorkspaceObject,
  WorkspaceFixture,
} from '../state/fixture.js';
import { IdFactory } from '../state/ids.js';
import { generateNotebook } from './notebooks.js';

/** How much of each kind of artifact to generate. */
export interface SampleSizes {
  users: number;
  groups: number;
  servicePrincipals: number;
  notebooks: number;
  files: number;
  repos: number;
  policies: number;
  pools: number;
  clusters: number;
  jobs: number;
  secretScopes: number;
  dbfsFiles: number;
  globalInitScripts: number;
  mounts: number;
  /** Fraction of clusters, jobs, notebooks and folders that get explicit grants. */
  permissionsFraction: number;
}

export interface SampleOptions extends SampleSizes {
  seed: number;
  /** @default 'admin@contoso.com' */
  adminUser?: string;
  /**
   * Also fill the security settings: IP access lists (enforced; one allow list covers
   * 127.0.0.0/8, so loopback clients keep working), a handful of workspace settings
   * and a token-usage grant to a group. Off by default: the backup does not capture
   * these yet, so workspaces compared after a failover must not have them.
   * @default false
   */
  security?: boolean;
}

export const SAMPLE_SIZES = {
  tiny: {
    users: 3,
    groups: 3,
    servicePrincipals: 1,
    notebooks: 12,
    files: 4,
    repos: 1,
    policies: 2,
    pools: 1,
    clusters: 3,
    jobs: 3,
    secretScopes: 1,
    dbfsFiles: 3,
    globalInitScripts: 1,
    mounts: 1,
    permissionsFraction: 0.5,
  },
  small: {
    users: 8,
    groups: 5,
    servicePrincipals: 2,
    notebooks: 60,
    files: 10,
    repos: 2,
    policies: 3,
    pools: 2,
    clusters: 8,
    jobs: 10,
    secretScopes: 3,
    dbfsFiles: 6,
    globalInitScripts: 2,
    mounts: 2,
    permissionsFraction: 0.4,
  },
  medium: {
    users: 20,
    groups: 10,
    servicePrincipals: 5,
    notebooks: 1000,
    files: 100,
    repos: 5,
    policies: 6,
    pools: 5,
    clusters: 30,
    jobs: 60,
    secretScopes: 8,
    dbfsFiles: 20,
    globalInitScripts: 3,
    mounts: 3,
    permissionsFraction: 0.3,
  },
  large: {
    users: 50,
    groups: 20,
    servicePrincipals: 10,
    notebooks: 5000,
    files: 300,
    repos: 10,
    policies: 10,
    pools: 10,
    clusters: 100,
    jobs: 200,
    secretScopes: 20,
    dbfsFiles: 40,
    globalInitScripts: 4,
    mounts: 4,
    permissionsFraction: 0.3,
  },
} satisfies Record<string, SampleSizes>;

export type SampleSize = keyof typeof SAMPLE_SIZES;

const LANGUAGE_WEIGHTS: Array<{ weight: number; value: NotebookLanguage }> = [
  { weight: 55, value: 'PYTHON' },
  { weight: 25, value: 'SQL' },
  { weight: 12, value: 'SCALA' },
  { weight: 8, value: 'R' },
];

/** Folder and notebook names that break naive tools: spaces, unicode, punctuation. */
const AWKWARD_NAMES = [
  'Q1 report (final) & notes',
  'Análisis de ventas',
  'データ品質',
  '50% sample',
  'a#b=c',
  "O'Brien's scratch",
  'résumé – ümlaut',
  'plus+minus',
  'emoji 🚀 launch',
  '[draft] ideas',
];

const TEAMS = ['data-engineering', 'data-science', 'analytics', 'platform', 'finance', 'marketing', 'ml-ops', 'security'];

const BASE_TIME = Date.UTC(2026, 0, 15, 10, 0, 0);

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'x'
  );
}

/**
 * A deterministic, realistic workspace for tests, the local drill and benchmarks:
 * the same seed and sizes always give the same fixture.
 */
export function generateSampleWorkspace(options: SampleOptions): WorkspaceFixture {
  const f = new Faker({ locale: [en, base], seed: options.seed });
  const random = new Random(options.seed + 1000);
  const ids = new IdFactory(random, 'realistic');
  const admin = options.adminUser ?? 'admin@contoso.com';
  const picks = <T>(items: readonly T[], n: number): T[] => f.helpers.arrayElements(items as T[], Math.min(n, items.length));

  // ---- Principals
  const users: FixtureUser[] = [];
  const seen = new Set<string>([admin]);
  while (users.length < options.users) {
    const first = f.person.firstName();
    const last = f.person.lastName();
    const userName = `${slug(first)}.${slug(last)}@contoso.com`;
    if (seen.has(userName)) continue;
    seen.add(userName);
    users.push({
      userName,
      displayName: `${first} ${last}`,
      givenName: first,
      familyName: last,
      entitlements: f.helpers.arrayElements(['allow-cluster-create', 'databricks-sql-access', 'allow-instance-pool-create'], {
        min: 0,
        max: 2,
      }),
    });
  }
  if (users.length > 1) {
    // One display name outside ASCII.
    (users[1] as FixtureUser).displayName = 'José Müller-Łukasiewicz';
  }
  const servicePrincipals = Array.from({ length: options.servicePrincipals }, (_, i) => ({
    applicationId: f.string.uuid(),
    displayName: `${['etl-runner', 'ml-deployer', 'reporting-bot', 'dr-automation'][i % 4]}${i >= 4 ? `-${i}` : ''}`,
    entitlements: ['allow-cluster-create', 'workspace-access'],
  }));
  const groupNames = TEAMS.slice(0, Math.max(1, options.groups - 1));
  while (groupNames.length < options.groups - 1) groupNames.push(`team-${groupNames.length}`);
  const groups: FixtureGroup[] = groupNames.map((name) => ({
    displayName: name,
    members: picks(users, Math.max(1, Math.ceil(users.length / 3))).map((u) => ({ userName: u.userName })),
    entitlements: f.helpers.arrayElements(['allow-cluster-create', 'databricks-sql-access'], { min: 0, max: 1 }),
  }));
  if (options.groups > 0) {
    // A parent group with nested groups and a service principal.
    groups.push({
      displayName: 'all-data-teams',
      members: [
        ...groupNames.slice(0, 3).map((g) => ({ group: g })),
        ...servicePrincipals.slice(0, 1).map((sp) => ({ applicationId: sp.applicationId })),
      ],
      entitlements: ['databricks-sql-access'],
    });
  }
  const allGroupNames = groups.map((g) => g.displayName);
  const principalGrant = (level: string): FixturePermissions['accessControlList'][number] => {
    const roll = random.next();
    if (roll < 0.5 && allGroupNames.length > 0) return { group_name: random.pick(allGroupNames), permission_level: level };
    if (roll < 0.85 && users.length > 0) return { user_name: random.pick(users).userName, permission_level: level };
    if (servicePrincipals.length > 0)
      return { service_principal_name: random.pick(servicePrincipals).applicationId, permission_level: level };
    return { group_name: 'users', permission_level: level };
  };

  // ---- Workspace tree
  const workspace: FixtureWorkspaceObject[] = [];
  const permissions: FixturePermissions[] = [];
  const folders: string[] = ['/Shared'];
  for (const team of TEAMS.slice(0, 4)) folders.push(`/Shared/${team}`, `/Shared/${team}/${f.word.noun()}`);
  for (const u of users.length > 0 ? users : [{ userName: admin }]) {
    const home = `/Users/${u.userName}`;
    folders.push(home, `${home}/projects`, `${home}/projects/${f.word.noun()}`, `${home}/scratch`);
  }
  folders.push(`/Users/${users[0]?.userName ?? admin}/${AWKWARD_NAMES[0]}`);
  AWKWARD_NAMES.slice(1, 5).forEach((name, i) => folders.push(`/Shared/${TEAMS[i % 4]}/${name}`));
  for (const folder of folders) {
    if (!folder.startsWith('/Users/') || folder.split('/').length > 3) workspace.push({ type: 'DIRECTORY', path: folder });
  }
  const dirGrants = folders.filter((p) => p.split('/').length > 3 && random.chance(options.permissionsFraction));
  for (const path of dirGrants) {
    permissions.push({
      objectType: 'directories',
      object: path,
      accessControlList: [principalGrant(random.pick(['CAN_READ', 'CAN_RUN', 'CAN_EDIT']))],
    });
  }

  const notebookPaths: Array<{ path: string; language: NotebookLanguage }> = [];
  // Folder paths are taken too: a notebook may not share a folder's name.
  const usedPaths = new Set<string>(folders);
  for (let i = 0; i < options.notebooks; i++) {
    const folder = random.pick(folders);
    const language = f.helpers.weightedArrayElement(LANGUAGE_WEIGHTS);
    let name = i % 17 === 5 ? (AWKWARD_NAMES[i % AWKWARD_NAMES.length] ?? 'nb') : `${f.word.verb()}_${f.word.noun()}`.toLowerCase();
    while (usedPaths.has(`${folder}/${name}`)) name = `${name}_${i}`;
    const path = `${folder}/${name}`;
    usedPaths.add(path);
    const notebook = generateNotebook(f, language, f.number.int({ min: 3, max: 12 }));
    const modifiedAt = BASE_TIME - f.number.int({ min: 0, max: 200 }) * 86_400_000 - f.number.int({ min: 0, max: 86_399_000 });
    workspace.push({
      type: 'NOTEBOOK',
      path,
      language,
      source: renderSource(notebook),
      createdAt: modifiedAt - f.number.int({ min: 0, max: 100 }) * 86_400_000,
      modifiedAt,
    });
    notebookPaths.push({ path, language });
    if (random.chance(options.permissionsFraction / 2)) {
      permissions.push({
        objectType: 'notebooks',
        object: path,
        accessControlList: [principalGrant(random.pick(['CAN_READ', 'CAN_RUN', 'CAN_EDIT', 'CAN_MANAGE']))],
      });
    }
  }

  const fileTemplates: Array<{ name: string; content: (i: number) => string }> = [
    { name: 'requirements.txt', content: () => 'pandas==2.2.2\nrequests>=2.31\ngreat-expectations==0.18.12\n' },
    { name: 'config.yaml', content: (i) => `env: prod\nbatch_size: ${100 * (i + 1)}\nsources:\n  - ${f.internet.domainName()}\n` },
    { name: 'utils.py', content: () => 'def chunk(items, n):\n    for i in range(0, len(items), n):\n        yield items[i:i + n]\n' },
    { name: 'README.md', content: () => `# ${f.company.catchPhrase()}\n\nOwned by ${f.person.fullName()}.\n` },
    { name: 'lookup.csv', content: () => `id,name\n${Array.from({ length: 20 }, (_, k) => `${k},${f.word.noun()}`).join('\n')}\n` },
    { name: 'install-tools.sh', content: () => '#!/bin/bash\nset -euo pipefail\npip install --quiet databricks-sdk==0.30.0\n' },
  ];
  for (let i = 0; i < options.files; i++) {
    const template = fileTemplates[i % fileTemplates.length] as (typeof fileTemplates)[number];
    const folder = i === 5 ? '/Shared/init-scripts' : random.pick(folders);
    if (i === 5) workspace.push({ type: 'DIRECTORY', path: folder });
    let path = `${folder}/${template.name}`;
    if (usedPaths.has(path)) path = `${folder}/${i}-${template.name}`;
    usedPaths.add(path);
    workspace.push({
      type: 'FILE',
      path,
      contentBase64: Buffer.from(template.content(i)).toString('base64'),
      createdAt: BASE_TIME - i * 3_600_000,
      modifiedAt: BASE_TIME - i * 3_600_000,
    });
    if (random.chance(options.permissionsFraction / 2)) {
      permissions.push({ objectType: 'files', object: path, accessControlList: [principalGrant(random.pick(['CAN_READ', 'CAN_EDIT']))] });
    }
  }
  if (options.files > 0) {
    // A legacy workspace library: it exists, but the API cannot export it.
    workspace.push({ type: 'DIRECTORY', path: '/Shared/libraries' });
    workspace.push({
      type: 'LIBRARY',
      path: '/Shared/libraries/legacy-utils-1.0',
      contentBase64: Buffer.from('legacy jar').toString('base64'),
    });
  }

  const repos = Array.from({ length: options.repos }, (_, i) => {
    const owner = users[i % Math.max(1, users.length)]?.userName ?? admin;
    const name = `${f.word.noun()}-${['pipelines', 'models', 'dashboards'][i % 3]}`.toLowerCase();
    return i % 3 === 2
      ? {
          path: `/Repos/${owner}/${name}`,
          url: `https://dev.azure.com/contoso/data/_git/${name}`,
          provider: 'azureDevOpsServices',
          branch: 'develop',
        }
      : { path: `/Repos/${owner}/${name}`, url: `https://github.com/contoso/${name}.git`, provider: 'gitHub', branch: 'main' };
  });

  // ---- DBFS: init scripts (one larger than 1 MB), jars, wheels
  const dbfs: NonNullable<WorkspaceFixture['dbfs']> = [];
  const initScripts: string[] = [];
  if (options.dbfsFiles > 0) {
    const large = [
      '#!/bin/bash',
      '# Bootstrap with an embedded certificate bundle and wheel cache (deliberately > 1 MB).',
      'set -euo pipefail',
      'cat > /tmp/bundle.b64 <<EOF',
    ];
    const blob = Buffer.alloc(1_200_000);
    for (let i = 0; i < blob.length; i++) blob[i] = random.int(0, 255);
    large.push(...(blob.toString('base64').match(/.{1,76}/g) ?? []), 'EOF', 'base64 -d /tmp/bundle.b64 > /tmp/bundle.tar', '');
    dbfs.push({ path: '/databricks/init-scripts/bootstrap-large.sh', contentBase64: Buffer.from(large.join('\n')).toString('base64') });
    initScripts.push('dbfs:/databricks/init-scripts/bootstrap-large.sh');
  }
  for (let i = 1; i < options.dbfsFiles; i++) {
    if (i % 3 === 1) {
      const path = `/databricks/init-scripts/${['install-drivers', 'set-proxy', 'mount-certs', 'tune-jvm'][i % 4]}-${i}.sh`;
      dbfs.push({
        path,
        contentBase64: Buffer.from(`#!/bin/bash\n# ${f.lorem.sentence()}\necho "init ${i}" >> /tmp/init.log\n`).toString('base64'),
      });
      initScripts.push(`dbfs:${path}`);
    } else if (i % 3 === 2) {
      const jar = Buffer.alloc(20_000 + i * 1000);
      for (let k = 0; k < jar.length; k++) jar[k] = random.int(0, 255);
      dbfs.push({ path: `/FileStore/jars/${f.word.noun().toLowerCase()}-udfs-${i}.jar`, contentBase64: jar.toString('base64') });
    } else {
      dbfs.push({
        path: `/FileStore/wheels/contoso_utils-1.${i}.0-py3-none-any.whl`,
        contentBase64: Buffer.from(`PK wheel ${i}`).toString('base64'),
      });
    }
  }
  const jars = dbfs.filter((d) => d.path.endsWith('.jar')).map((d) => `dbfs:${d.path}`);
  const wheels = dbfs.filter((d) => d.path.endsWith('.whl')).map((d) => `dbfs:${d.path}`);

  // ---- Pools and policies
  const nodeTypes = ['Standard_DS3_v2', 'Standard_DS4_v2', 'Standard_D4ds_v5', 'Standard_E8ds_v4', 'Standard_F8s_v2'];
  const sparkVersions = ['15.4.x-scala2.12', '16.4.x-scala2.12', '14.3.x-scala2.12', '16.4.x-photon-scala2.12'];
  const instancePools = Array.from({ length: options.pools }, (_, i) => ({
    instance_pool_id: ids.instancePoolId(BASE_TIME + i * 60_000),
    instance_pool_name: `${TEAMS[i % TEAMS.length]}-pool${i >= TEAMS.length ? `-${i}` : ''}`,
    node_type_id: random.pick(nodeTypes),
    min_idle_instances: i % 2,
    max_capacity: 10 + i * 5,
    idle_instance_autotermination_minutes: 30,
    preloaded_spark_versions: [random.pick(sparkVersions)],
    custom_tags: { team: TEAMS[i % TEAMS.length] as string, costcenter: String(1000 + i) },
    azure_attributes: { availability: i % 2 === 0 ? 'ON_DEMAND_AZURE' : 'SPOT_AZURE', spot_bid_max_price: -1 },
  }));
  const policies = Array.from({ length: options.policies }, (_, i) => {
    const policyId = ids.hex16();
    if (i % 3 === 2) {
      return {
        policy_id: policyId,
        name: `${TEAMS[i % TEAMS.length]} personal compute`,
        policy_family_id: 'personal-vm',
        policy_family_definition_overrides: JSON.stringify({ 'custom_tags.team': { type: 'fixed', value: TEAMS[i % TEAMS.length] } }),
        description: 'Personal compute with a team tag.',
      };
    }
    const definition: Record<string, unknown> = {
      spark_version: { type: 'allowlist', values: sparkVersions.slice(0, 2), defaultValue: sparkVersions[0] },
      'autoscale.max_workers': { type: 'range', maxValue: 8 + i * 4, defaultValue: 4 },
      autotermination_minutes: { type: 'range', minValue: 10, maxValue: 120, defaultValue: 60 },
      'custom_tags.team': { type: 'fixed', value: TEAMS[i % TEAMS.length] },
    };
    const pool = instancePools[i % Math.max(1, instancePools.length)];
    if (pool && i % 2 === 0) definition['instance_pool_id'] = { type: 'fixed', value: pool.instance_pool_id, hidden: true };
    if (initScripts[0] && i % 2 === 1) definition['init_scripts.0.dbfs.destination'] = { type: 'fixed', value: initScripts[0] };
    return {
      policy_id: policyId,
      name: `${TEAMS[i % TEAMS.length]} jobs policy${i >= TEAMS.length ? ` ${i}` : ''}`,
      definition: JSON.stringify(definition),
      description: f.company.catchPhrase(),
      max_clusters_per_user: 5,
    };
  });

  // ---- Clusters
  const scopes = Array.from(
    { length: options.secretScopes },
    (_, i) => `${TEAMS[i % TEAMS.length]}${i >= TEAMS.length ? `-${i}` : ''}-secrets`,
  );
  const clusters: FixtureCluster[] = [];
  for (let i = 0; i < options.clusters; i++) {
    const pool = i % 3 === 0 ? instancePools[i % Math.max(1, instancePools.length)] : undefined;
    const policy = i % 4 === 1 ? policies.find((p) => p.definition !== undefined && !p.definition.includes('instance_pool_id')) : undefined;
    const spec: Record<string, unknown> = {
      cluster_name:
        i % 11 === 3
          ? `${AWKWARD_NAMES[i % AWKWARD_NAMES.length]} cluster`
          : `${TEAMS[i % TEAMS.length]}-${f.word.adjective().toLowerCase()}-${i}`,
      spark_version: random.pick(sparkVersions),
      autotermination_minutes: random.pick([30, 60, 120]),
      spark_conf: {
        'spark.databricks.delta.preview.enabled': 'true',
        ...(scopes[0] ? { 'fs.azure.account.key.contosolake.dfs.core.windows.net': `{{secrets/${scopes[0]}/storage-key}}` } : {}),
      },
      spark_env_vars: { PYSPARK_PYTHON: '/databricks/python3/bin/python3' },
      custom_tags: { team: TEAMS[i % TEAMS.length] as string, env: random.pick(['prod', 'dev']) },
    };
    if (pool) spec['instance_pool_id'] = pool.instance_pool_id;
    else spec['node_type_id'] = random.pick(nodeTypes);
    if (policy) spec['policy_id'] = policy.policy_id;
    if (i % 2 === 0) spec['autoscale'] = { min_workers: 1, max_workers: 2 + (i % 6) };
    else spec['num_workers'] = i % 5;
    if (initScripts.length > 0 && i % 2 === 0) {
      spec['init_scripts'] = [
        { dbfs: { destination: random.pick(initScripts) } },
        ...(options.files > 5 ? [{ workspace: { destination: '/Shared/init-scripts/install-tools.sh' } }] : []),
      ];
    }
    if (i % 6 === 5 && users[0]) {
      spec['data_security_mode'] = 'SINGLE_USER';
      spec['single_user_name'] = users[i % users.length]?.userName;
    }
    if (i % 7 === 6) spec['cluster_log_conf'] = { dbfs: { destination: 'dbfs:/cluster-logs' } };
    const libraries: Array<Record<string, unknown>> = [];
    if (i % 2 === 0)
      libraries.push({ pypi: { package: random.pick(['pandas==2.2.2', 'scikit-learn==1.5.1', 'great-expectations==0.18.12']) } });
    if (i % 3 === 0) libraries.push({ maven: { coordinates: 'com.microsoft.azure:azure-eventhubs-spark_2.12:2.3.22' } });
    if (jars.length > 0 && i % 4 === 0) libraries.push({ jar: random.pick(jars) });
    if (wheels.length > 0 && i % 5 === 0) libraries.push({ whl: random.pick(wheels) });
    const source = i % 10 === 9 ? 'JOB' : i % 3 === 0 ? 'API' : 'UI';
    clusters.push({
      cluster_id: ids.clusterId(BASE_TIME + i * 97_000),
      spec,
      cluster_source: source,
      state: i % 5 === 0 && source !== 'JOB' ? 'RUNNING' : 'TERMINATED',
      pinned: source !== 'JOB' && i % 4 === 0,
      creator_user_name: users[i % Math.max(1, users.length)]?.userName ?? admin,
      libraries,
    });
  }
  const allPurpose = clusters.filter((c) => c.cluster_source !== 'JOB');

  // ---- Jobs
  const jobs: FixtureJob[] = [];
  const pythonNotebooks = notebookPaths.filter((n) => n.language === 'PYTHON');
  const anyNotebook = (): string => (notebookPaths.length > 0 ? random.pick(notebookPaths).path : '/Shared/missing');
  const jobNames = Array.from({ length: Math.max(1, Math.ceil(options.jobs / 3)) }, () =>
    `${f.hacker.verb()} ${f.hacker.noun()}`.replace(/^./, (c) => c.toUpperCase()),
  );
  for (let i = 0; i < options.jobs; i++) {
    const jobId = ids.int64();
    const taskCount = i % 9 === 8 ? 4 : 1 + (i % 3);
    const jobClusterSpec = (k: number): Record<string, unknown> => {
      const pool = instancePools[(i + k) % Math.max(1, instancePools.length)];
      const nc: Record<string, unknown> = {
        spark_version: random.pick(sparkVersions),
        num_workers: 2 + k,
        spark_conf: { 'spark.sql.shuffle.partitions': '64' },
        custom_tags: { job: `job-${i}` },
      };
      if (pool && k % 2 === 0) nc['instance_pool_id'] = pool.instance_pool_id;
      else nc['node_type_id'] = random.pick(nodeTypes);
      if (initScripts.length > 1 && k === 0) nc['init_scripts'] = [{ dbfs: { destination: initScripts[1] } }];
      return nc;
    };
    const jobClusters = i % 2 === 0 ? [{ job_cluster_key: 'main_cluster', new_cluster: jobClusterSpec(0) }] : [];
    const tasks: Array<Record<string, unknown>> = [];
    for (let t = 0; t < taskCount; t++) {
      const task: Record<string, unknown> = { task_key: t === 0 ? 'ingest' : `step_${t}` };
      if (t > 0) task['depends_on'] = [{ task_key: t === 1 ? 'ingest' : `step_${t - 1}` }];
      const compute = (i + t) % 3;
      if (compute === 0 && allPurpose.length > 0) task['existing_cluster_id'] = random.pick(allPurpose).cluster_id;
      else if (compute === 1 && jobClusters.length > 0) task['job_cluster_key'] = 'main_cluster';
      else task['new_cluster'] = jobClusterSpec(t);
      if (t === taskCount - 1 && i > 3 && i % 8 === 4 && jobs.length > 0) {
        // Orchestration: a task that runs another job.
        delete task['existing_cluster_id'];
        delete task['job_cluster_key'];
        delete task['new_cluster'];
        task['run_job_task'] = { job_id: Number((jobs[jobs.length - 1] as FixtureJob).job_id) };
      } else if ((i + t) % 5 === 4 && dbfs.some((d) => d.path.endsWith('.sh'))) {
        task['spark_python_task'] = {
          python_file: 'dbfs:/FileStore/scripts/run_pipeline.py',
          parameters: ['--date', '{{job.start_time.iso_date}}'],
        };
      } else {
        const nb = pythonNotebooks.length > 0 && t % 2 === 0 ? random.pick(pythonNotebooks).path : anyNotebook();
        task['notebook_task'] = { notebook_path: nb, base_parameters: { env: 'prod', run_date: '{{job.start_time.iso_date}}' } };
      }
      if (t === 0 && i % 3 === 0 && !task['run_job_task']) task['libraries'] = [{ pypi: { package: 'requests==2.32.3' } }];
      if (t === 0) task['max_retries'] = i % 3;
      tasks.push(task);
    }
    const settings: Record<string, unknown> = {
      name: random.chance(0.3) ? random.pick(jobNames) : `${random.pick(jobNames)} ${i}`,
      tags: { team: TEAMS[i % TEAMS.length] as string, ...(i % 4 === 0 ? { criticality: 'high' } : {}) },
      tasks,
      max_concurrent_runs: 1 + (i % 3),
      timeout_seconds: i % 4 === 0 ? 7200 : 0,
      email_notifications: i % 2 === 0 ? { on_failure: [users[0]?.userName ?? admin] } : {},
    };
    if (jobClusters.length > 0) settings['job_clusters'] = jobClusters;
    if (i % 6 === 0) settings['continuous'] = { pause_status: 'UNPAUSED' };
    else if (i % 6 === 1)
      settings['trigger'] = {
        pause_status: 'UNPAUSED',
        file_arrival: { url: `abfss://landing@contosolake.dfs.core.windows.net/${f.word.noun()}/` },
      };
    else if (i % 6 !== 5) {
      settings['schedule'] = {
        quartz_cron_expression: `0 ${i % 60} ${(i * 7) % 24} ? * *`,
        timezone_id: random.pick(['UTC', 'Europe/Amsterdam', 'America/New_York']),
        pause_status: i % 10 === 3 ? 'PAUSED' : 'UNPAUSED',
      };
    }
    if (servicePrincipals.length > 0 && i % 5 === 2)
      settings['run_as'] = { service_principal_name: random.pick(servicePrincipals).applicationId };
    if (i % 13 === 12) {
      settings['git_source'] = { git_url: 'https://github.com/contoso/pipelines.git', git_provider: 'gitHub', git_branch: 'main' };
    }
    if (i % 7 === 3)
      settings['parameters'] = [
        { name: 'env', default: 'prod' },
        { name: 'lookback_days', default: '7' },
      ];
    jobs.push({
      job_id: String(jobId),
      settings,
      creator_user_name: users[i % Math.max(1, users.length)]?.userName ?? admin,
      created_time: BASE_TIME - (options.jobs - i) * 3_600_000,
    });
    if (random.chance(options.permissionsFraction)) {
      permissions.push({
        objectType: 'jobs',
        object: String(jobId),
        accessControlList: [principalGrant(random.pick(['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE']))],
      });
    }
  }
  if (options.jobs > 0 && servicePrincipals[0]) {
    // One job owned by a service principal rather than its creator.
    permissions.push({
      objectType: 'jobs',
      object: (jobs[0] as FixtureJob).job_id as string,
      accessControlList: [
        { service_principal_name: servicePrincipals[0].applicationId, permission_level: 'IS_OWNER' },
        principalGrant('CAN_VIEW'),
      ],
    });
  }
  if (options.jobs > 0 && !dbfs.some((d) => d.path === '/FileStore/scripts/run_pipeline.py')) {
    dbfs.push({
      path: '/FileStore/scripts/run_pipeline.py',
      contentBase64: Buffer.from('import sys\nprint("pipeline", sys.argv[1:])\n').toString('base64'),
    });
  }

  for (const c of allPurpose) {
    if (random.chance(options.permissionsFraction)) {
      permissions.push({
        objectType: 'clusters',
        object: c.cluster_id as string,
        accessControlList: [principalGrant(random.pick(['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE']))],
      });
    }
  }
  for (const p of instancePools)
    permissions.push({ objectType: 'instance-pools', object: p.instance_pool_id, accessControlList: [principalGrant('CAN_ATTACH_TO')] });
  for (const p of policies)
    permissions.push({ objectType: 'cluster-policies', object: p.policy_id, accessControlList: [principalGrant('CAN_USE')] });
  for (const r of repos) {
    if (random.chance(0.5))
      permissions.push({ objectType: 'repos', object: r.path, accessControlList: [principalGrant(random.pick(['CAN_READ', 'CAN_RUN']))] });
  }

  // ---- Secrets, global init scripts, mounts
  const secretScopes = scopes.map((name, i) => ({
    name,
    secrets: Object.fromEntries(
      ['storage-key', 'api-key', 'jdbc-password', 'sp-client-secret'].slice(0, 2 + (i % 3)).map((k) => [k, f.string.alphanumeric(32)]),
    ),
    acls: Object.fromEntries([
      [admin, 'MANAGE' as const],
      ...(allGroupNames[i % Math.max(1, allGroupNames.length)]
        ? [[allGroupNames[i % allGroupNames.length] as string, 'READ' as const]]
        : []),
      ...(users[i % Math.max(1, users.length)] ? [[(users[i % users.length] as FixtureUser).userName, 'WRITE' as const]] : []),
    ]),
  }));
  if (options.secretScopes > 1) {
    secretScopes.push({
      name: 'kv-prod',
      backendType: 'AZURE_KEYVAULT',
      keyvault: {
        resource_id:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.KeyVault/vaults/kv-contoso-prod',
        dns_name: 'https://kv-contoso-prod.vault.azure.net/',
      },
      secrets: {},
      acls: { [admin]: 'MANAGE' },
    } as (typeof secretScopes)[number]);
  }
  const globalInitScripts = Array.from({ length: options.globalInitScripts }, (_, i) => ({
    name: ['install-monitoring-agent', 'configure-proxy', 'harden-ssh', 'set-timezone'][i % 4] as string,
    script: Buffer.from(`#!/bin/bash\n# Global init script ${i}\necho "global-init ${i}" >> /tmp/global-init.log\n`).toString('base64'),
    enabled: i !== 1,
    position: i,
  }));
  const mounts = Array.from({ length: options.mounts }, (_, i) => ({
    mountPoint: `/mnt/${['raw', 'curated', 'archive', 'landing'][i % 4]}${i >= 4 ? i : ''}`,
    source: `abfss://${['raw', 'curated', 'archive', 'landing'][i % 4]}@contosolake.dfs.core.windows.net/`,
    extraConfigs: {
      'fs.azure.account.auth.type': 'OAuth',
      'fs.azure.account.oauth.provider.type': 'org.apache.hadoop.fs.azurebfs.oauth2.ClientCredsTokenProvider',
      'fs.azure.account.oauth2.client.id': servicePrincipals[0]?.applicationId ?? '00000000-0000-0000-0000-000000000000',
      'fs.azure.account.oauth2.client.secret': `{{secrets/${scopes[0] ?? 'dr'}/sp-client-secret}}`,
      'fs.azure.account.oauth2.client.endpoint': 'https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/oauth2/token',
    },
  }));

  const fixture: WorkspaceFixture = {
    version: 1,
    adminUser: admin,
    users,
    servicePrincipals,
    groups,
    workspace,
    repos,
    dbfs,
    mounts,
    policies,
    instancePools,
    clusters,
    jobs,
    permissions,
    secretScopes,
    globalInitScripts,
  };
  // Last, and only when asked: the default fixture stays exactly what it was.
  if (options.security) addSecurity(fixture, f, allGroupNames);
  return fixture;
}

/** IP access lists, workspace settings and a token-usage grant (see SampleOptions.security). */
function addSecurity(fixture: WorkspaceFixture, f: Faker, groupNames: string[]): void {
  const office = `${f.number.int({ min: 20, max: 200 })}.${f.number.int({ min: 0, max: 255 })}.${f.number.int({ min: 0, max: 255 })}`;
  fixture.ipAccessLists = [
    // Loopback must stay allowed: every test client of the emulator connects from it.
    { label: 'corporate-network', list_type: 'ALLOW', ip_addresses: ['127.0.0.0/8', `${office}.0/24`, '203.0.113.0/24'] },
    { label: 'azure-devops-agents', list_type: 'ALLOW', ip_addresses: ['198.51.100.16/28', '198.51.100.77'] },
    { label: 'known-bad', list_type: 'BLOCK', ip_addresses: ['203.0.113.66', '192.0.2.0/24'] },
    { label: 'retired-vpn', list_type: 'ALLOW', ip_addresses: ['100.64.12.0/22'], enabled: false },
  ];
  fixture.workspaceConf = {
    enableIpAccessLists: 'true',
    enableTokensConfig: 'true',
    maxTokenLifetimeDays: '90',
    enableResultsDownloading: 'false',
    enableWebTerminal: 'true',
    enableDbfsFileBrowser: 'false',
    enableExportNotebook: 'true',
    enableVerboseAuditLogs: 'true',
  };
  const group = groupNames[0] ?? 'users';
  (fixture.permissions ??= []).push({
    objectType: 'authorization',
    object: 'tokens',
    accessControlList: [{ group_name: group, permission_level: 'CAN_USE' }],
  });
}
