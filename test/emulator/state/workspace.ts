import type { EmulatorOptions } from '../options.js';
import { isNotebookLanguage } from '../notebook/model.js';
import { parseSource, renderSource } from '../notebook/source.js';
import { Random } from '../rng.js';
import { type ClusterRecord, Clusters } from './clusters.js';
import { Dbfs } from './dbfs.js';
import { CommandExecution, Runs } from './execution.js';
import type { FixtureMember, WorkspaceFixture } from './fixture.js';
import { GlobalInitScripts } from './globalInitScripts.js';
import { IdFactory } from './ids.js';
import { Jobs } from './jobs.js';
import { normalizeDbfsPath, normalizeWorkspacePath } from './paths.js';
import { type Grant, type InheritanceSource, PERMISSION_TYPES, type PermissionType, Permissions } from './permissions.js';
import { Policies } from './policies.js';
import { InstancePools } from './pools.js';
import { type PrincipalKind, Principals, type UserRecord, displayNameFromEmail } from './principals.js';
import { canonicalProvider, commitFor, Repos } from './repos.js';
import { Secrets } from './secrets.js';
import { type WsNode, WorkspaceTree } from './tree.js';

export interface AuthSettings {
  token: string | undefined;
  acceptEntraTokens: boolean;
  entraTenantId: string | undefined;
}

/** Workspace object types in the Permissions API, keyed by the tree's object type. */
export const WORKSPACE_PERMISSION_TYPE: Record<string, PermissionType | undefined> = {
  NOTEBOOK: 'notebooks',
  DIRECTORY: 'directories',
  FILE: 'files',
  REPO: 'repos',
};

/**
 * All state of one emulated workspace. Route handlers call into the stores; tests
 * can read them directly or load and dump the whole workspace as a fixture.
 */
export class Workspace {
  readonly workspaceId: string;
  readonly authSettings: AuthSettings;
  readonly now: () => number = () => Date.now();
  random!: Random;
  ids!: IdFactory;
  principals!: Principals;
  tree!: WorkspaceTree;
  dbfs!: Dbfs;
  pools!: InstancePools;
  policies!: Policies;
  clusters!: Clusters;
  jobs!: Jobs;
  runs!: Runs;
  commands!: CommandExecution;
  permissions!: Permissions;
  secrets!: Secrets;
  globalInitScripts!: GlobalInitScripts;
  repos!: Repos;

  constructor(private readonly options: EmulatorOptions) {
    const seed = options.seed ?? 1;
    this.workspaceId = options.workspaceId ?? String(new Random(seed * 31 + 7).digits(16));
    this.authSettings = {
      token: options.token,
      acceptEntraTokens: options.acceptEntraTokens ?? options.token === undefined,
      entraTenantId: options.entraTenantId,
    };
    this.init(options.adminUser ?? 'admin@example.com');
    if (options.fixture) this.loadFixture(options.fixture);
  }

  private init(adminUser: string): void {
    const seed = this.options.seed ?? 1;
    this.random = new Random(seed);
    this.ids = new IdFactory(this.random, this.options.int64Ids ?? 'realistic');
    this.tree = new WorkspaceTree(this.ids, this.now);
    this.principals = new Principals(this.ids, (user) => this.onUserCreated(user));
    this.permissions = new Permissions(this.principals);
    this.dbfs = new Dbfs(this.ids, this.now);
    this.pools = new InstancePools(this.ids, this.now);
    this.policies = new Policies(this.ids, this.now);
    this.clusters = new Clusters(
      this.ids,
      this.now,
      { startMs: this.options.clusterStartMs ?? 2000, stopMs: this.options.clusterStopMs ?? 500 },
      (id) => this.pools.has(id),
      (id) => this.policies.has(id),
      true,
    );
    this.jobs = new Jobs(this.ids, this.now, {
      clusterExists: (id) => void this.clusters.get(id),
      poolExists: (id) => this.pools.has(id),
      policyExists: (id) => this.policies.has(id),
      jobExists: (id) => this.jobs.records.has(id),
      principalExists: (kind, name) =>
        kind === 'user_name'
          ? this.principals.userByName(name) !== undefined
          : kind === 'group_name'
            ? this.principals.groupByName(name) !== undefined
            : this.principals.servicePrincipalByAppId(name) !== undefined,
    });
    this.runs = new Runs(this.ids, this.now, this.clusters, this.dbfs, this.options.runDurationMs ?? 1000, {
      createJobCluster: (spec, creator) => this.clusters.create({ ...spec }, this.creatorOf(creator), { source: 'JOB' }),
      notebookSource: (path) => {
        const node = this.tree.find(normalizeWorkspacePath(path));
        return node?.notebook ? renderSource(node.notebook) : undefined;
      },
      secretExists: (scope, key) => this.secretExists(scope, key),
      fileContent: (path) => {
        if (path.startsWith('dbfs:')) return this.dbfs.find(normalizeDbfsPath(path))?.content.toString('utf8');
        const node = this.tree.find(normalizeWorkspacePath(path.replace(/^file:/, '')));
        return node?.content?.toString('utf8');
      },
    });
    this.commands = new CommandExecution(this.random, this.now, this.clusters, this.dbfs, (scope, key) => this.secretExists(scope, key));
    this.secrets = new Secrets();
    this.globalInitScripts = new GlobalInitScripts(this.ids, this.now);
    this.repos = new Repos();

    // The root directory always grants admins; the default folders every workspace has.
    this.permissions.initialize('directories', '0', [{ kind: 'group_name', name: 'admins', level: 'CAN_MANAGE' }]);
    this.tree.mkdirs('/Users');
    this.tree.mkdirs('/Repos');
    const shared = this.tree.mkdirs('/Shared');
    this.principals.bootstrap(adminUser);
    this.permissions.initialize('directories', String(shared.objectId), [{ kind: 'group_name', name: 'users', level: 'CAN_MANAGE' }]);
    this.policies.seedDefaults();
    for (const p of this.policies.records.values()) {
      if (p.policyFamilyId === 'personal-vm') {
        this.permissions.initialize('cluster-policies', p.policyId, [{ kind: 'group_name', name: 'users', level: 'CAN_USE' }]);
      }
    }
  }

  private secretExists(scope: string, key: string): boolean {
    const s = this.secrets.scopes.get(scope.toLowerCase());
    // Key Vault-backed scopes hold their keys in the vault, which the emulator cannot see.
    return s !== undefined && (s.backendType === 'AZURE_KEYVAULT' || s.secrets.has(key));
  }

  /** Advance time-driven state (one-time runs). */
  tick(): void {
    this.runs.tick();
  }

  /** Users get a home folder and a Repos folder they manage. */
  private onUserCreated(user: UserRecord): void {
    if (!this.permissions) return;
    for (const root of ['/Users', '/Repos']) {
      const dir = this.tree.mkdirs(`${root}/${user.userName}`);
      this.permissions.initialize('directories', String(dir.objectId), [{ kind: 'user_name', name: user.userName, level: 'CAN_MANAGE' }]);
    }
  }

  creatorOf(userName: string): { userName: string; id: string } {
    const user = this.principals.userByName(userName);
    const sp = this.principals.servicePrincipalByAppId(userName);
    return { userName, id: user?.id ?? sp?.id ?? '' };
  }

  /** The grant a principal (by caller name) gets as creator. */
  creatorGrant(name: string, level: string): Grant {
    const kind: Grant['kind'] = this.principals.servicePrincipalByAppId(name) ? 'service_principal_name' : 'user_name';
    return { kind, name, level };
  }

  /** Inherited grant sources for an object, nearest first. */
  inheritance(type: PermissionType, id: string): InheritanceSource[] {
    if (type === 'notebooks' || type === 'directories' || type === 'files' || type === 'repos') {
      if (type === 'directories' && id === '0') return [];
      const node = this.tree.byObjectId(BigInt(id));
      if (!node) return [];
      // A Git folder (REPO) among the ancestors passes on the repo's own grants.
      return this.tree.ancestors(node).map((a) =>
        a.objectType === 'REPO'
          ? { objectRef: `/repos/${a.objectId}`, grants: this.permissions.directGrants('repos', String(a.objectId)) }
          : {
              objectRef: a.objectId === 0n ? '/directories/' : `/directories/${a.objectId}`,
              grants: this.permissions.directGrants('directories', String(a.objectId)),
            },
      );
    }
    const admin: Grant = { kind: 'group_name', name: 'admins', level: PERMISSION_TYPES[type].adminLevel };
    return [{ objectRef: `/${type}/`, grants: [admin] }];
  }

  /** Remove the permission entries of deleted workspace nodes. */
  forgetNodes(nodes: WsNode[]): void {
    for (const n of nodes) {
      const type = WORKSPACE_PERMISSION_TYPE[n.objectType];
      if (type) this.permissions.forget(type, String(n.objectId));
      if (n.repoId !== undefined) this.repos.records.delete(n.repoId);
    }
  }

  /** Create a repo and its REPO workspace node (with a README, as a clone would have). */
  createRepo(input: {
    url: string;
    provider: string;
    path: string;
    branch?: string;
    sparseCheckout?: string[];
    id?: bigint;
    headCommitId?: string;
  }): bigint {
    const provider = canonicalProvider(input.provider);
    const id = input.id ?? this.ids.int64();
    const node = this.tree.addRepo(input.path, id, id);
    const branch = input.branch ?? 'main';
    this.repos.records.set(id, {
      id,
      path: input.path,
      url: input.url,
      provider,
      branch,
      headCommitId: input.headCommitId ?? commitFor(input.url, branch),
      ...(input.sparseCheckout ? { sparseCheckout: input.sparseCheckout } : {}),
    });
    this.tree.put(
      `${node.path}/README.md`,
      { content: Buffer.from(`# ${node.path.split('/').pop()}\n\nCloned from ${input.url}\n`) },
      false,
    );
    return id;
  }

  // ---------------------------------------------------------------------------
  // Fixtures

  /** Replace the whole workspace with the fixture's content. */
  loadFixture(fixture: WorkspaceFixture): void {
    if (fixture.version !== 1) throw new Error(`Unsupported fixture version ${String(fixture.version)}; expected 1.`);
    this.init(fixture.adminUser ?? this.options.adminUser ?? 'admin@example.com');
    const admin = this.principals.adminUserName();

    for (const u of fixture.users ?? []) {
      const existing = this.principals.userByName(u.userName);
      if (existing) {
        if (u.id !== undefined) this.principals.rekey(existing.id, u.id);
        continue;
      }
      this.principals.addUser({
        userName: u.userName,
        displayName: u.displayName ?? displayNameFromEmail(u.userName),
        ...(u.id === undefined ? {} : { id: u.id }),
        ...(u.givenName === undefined ? {} : { givenName: u.givenName }),
        ...(u.familyName === undefined ? {} : { familyName: u.familyName }),
        ...(u.externalId === undefined ? {} : { externalId: u.externalId }),
        active: u.active ?? true,
        entitlements: u.entitlements ?? [],
      });
    }
    for (const sp of fixture.servicePrincipals ?? []) {
      this.principals.addServicePrincipal({
        applicationId: sp.applicationId,
        displayName: sp.displayName,
        ...(sp.id === undefined ? {} : { id: sp.id }),
        ...(sp.externalId === undefined ? {} : { externalId: sp.externalId }),
        active: sp.active ?? true,
        entitlements: sp.entitlements ?? [],
      });
    }
    for (const g of fixture.groups ?? []) {
      const existing = this.principals.groupByName(g.displayName);
      if (existing) {
        if (g.id !== undefined) this.principals.rekey(existing.id, g.id);
        if (g.entitlements) existing.entitlements = g.entitlements;
        continue;
      }
      this.principals.addGroup({
        displayName: g.displayName,
        ...(g.id === undefined ? {} : { id: g.id }),
        ...(g.externalId === undefined ? {} : { externalId: g.externalId }),
        entitlements: g.entitlements ?? [],
      });
    }
    for (const g of fixture.groups ?? []) {
      const group = this.principals.groupByName(g.displayName);
      if (!group) continue;
      for (const m of g.members ?? []) {
        const id = this.memberId(m);
        if (!group.members.includes(id)) group.members.push(id);
      }
    }

    for (const o of fixture.workspace ?? []) {
      const path = normalizeWorkspacePath(o.path);
      const objectId = o.objectId === undefined ? undefined : BigInt(o.objectId);
      if (o.type === 'DIRECTORY') {
        const existing = this.tree.find(path);
        if (existing && objectId !== undefined && existing.objectId !== objectId) {
          // A home folder created with its user: adopt the fixture's id, grants included.
          const grants = this.permissions.directGrants('directories', String(existing.objectId));
          this.permissions.forget('directories', String(existing.objectId));
          this.tree.rekey(existing, objectId);
          this.permissions.initialize('directories', String(objectId), grants);
        } else {
          this.tree.mkdirs(path, objectId);
        }
        continue;
      }
      this.tree.mkdirs(path.slice(0, path.lastIndexOf('/')) || '/');
      const times = {
        ...(objectId === undefined ? {} : { objectId }),
        ...(o.createdAt === undefined ? {} : { createdAt: o.createdAt }),
        ...(o.modifiedAt === undefined ? {} : { modifiedAt: o.modifiedAt }),
      };
      if (o.type === 'NOTEBOOK') {
        if (!isNotebookLanguage(o.language)) throw new Error(`Fixture notebook ${o.path}: bad language ${String(o.language)}`);
        this.tree.put(path, { notebook: parseSource(o.source, o.language) }, false, times);
      } else {
        this.tree.put(path, { content: Buffer.from(o.contentBase64, 'base64'), objectType: o.type }, false, times);
      }
    }
    for (const r of fixture.repos ?? []) {
      const path = normalizeWorkspacePath(r.path);
      this.tree.mkdirs(path.slice(0, path.lastIndexOf('/')));
      this.createRepo({
        url: r.url,
        provider: r.provider,
        path,
        ...(r.branch === undefined ? {} : { branch: r.branch }),
        ...(r.sparseCheckout === undefined ? {} : { sparseCheckout: r.sparseCheckout }),
        ...(r.id === undefined ? {} : { id: BigInt(r.id) }),
        ...(r.headCommitId === undefined ? {} : { headCommitId: r.headCommitId }),
      });
    }
    for (const f of fixture.dbfs ?? []) {
      const path = normalizeDbfsPath(f.path);
      if (f.isDir) this.dbfs.mkdirs(path);
      else this.dbfs.write(path, Buffer.from(f.contentBase64 ?? '', 'base64'), true, f.modificationTime);
    }
    for (const m of fixture.mounts ?? []) {
      this.dbfs.mount({ mountPoint: m.mountPoint, source: m.source, extraConfigs: m.extraConfigs ?? {}, encryptionType: '' });
    }
    for (const p of fixture.policies ?? []) {
      const existing = [...this.policies.records.values()].find((x) => x.name === p.name);
      const body = { ...p } as Record<string, unknown>;
      delete body['policy_id'];
      delete body['creator_user_name'];
      if (existing) {
        if (p.policy_id !== undefined && p.policy_id !== existing.policyId) {
          const grants = this.permissions.directGrants('cluster-policies', existing.policyId);
          this.permissions.forget('cluster-policies', existing.policyId);
          this.policies.rekey(existing.policyId, p.policy_id);
          this.permissions.initialize('cluster-policies', p.policy_id, grants);
        }
        this.policies.edit(existing.policyId, body);
        continue;
      }
      this.policies.create(body, p.creator_user_name ?? admin, p.policy_id === undefined ? {} : { policyId: p.policy_id });
    }
    for (const pool of fixture.instancePools ?? []) {
      const body = { ...pool } as Record<string, unknown>;
      delete body['instance_pool_id'];
      const created = this.pools.create(body, this.principals.adminCaller().id, pool.instance_pool_id);
      this.permissions.initialize('instance-pools', created.id, [this.creatorGrant(admin, 'CAN_MANAGE')]);
    }
    for (const c of fixture.clusters ?? []) {
      const creatorName = c.creator_user_name ?? admin;
      const creator = this.creatorOf(creatorName);
      const spec = this.clusters.validateSpec({ ...c.spec }, creatorName, false);
      const record = this.clusters.create(spec, creator, {
        source: c.cluster_source ?? 'UI',
        state: c.state ?? 'TERMINATED',
        ...(c.cluster_id === undefined ? {} : { clusterId: c.cluster_id }),
        ...(c.terminated_time === undefined ? {} : { terminatedTime: c.terminated_time }),
        ...(c.pinned ? { pinnedBy: creator.id } : {}),
      });
      record.libraries = (c.libraries ?? []).map((library) => ({
        library,
        status: record.state === 'RUNNING' ? 'INSTALLED' : 'PENDING',
      }));
      this.permissions.initialize('clusters', record.clusterId, [this.creatorGrant(creatorName, 'CAN_MANAGE')]);
    }
    for (const j of fixture.jobs ?? []) {
      const creatorName = j.creator_user_name ?? admin;
      const record = this.jobs.create(j.settings, this.creatorOf(creatorName), {
        apiVersion: '2.1',
        ...(j.job_id === undefined ? {} : { jobId: BigInt(j.job_id) }),
        ...(j.created_time === undefined ? {} : { createdTime: j.created_time }),
      });
      this.permissions.initialize('jobs', String(record.jobId), [this.creatorGrant(creatorName, 'IS_OWNER')]);
    }
    for (const p of fixture.permissions ?? []) {
      const id = this.fixtureObjectId(p.objectType, p.object);
      const grants = this.permissions.parseAcl(p.objectType, { access_control_list: p.accessControlList });
      if (p.objectType === 'jobs' && !grants.some((g) => g.level === 'IS_OWNER')) {
        grants.push(...this.permissions.directGrants('jobs', id).filter((g) => g.level === 'IS_OWNER'));
      }
      this.permissions.replace(p.objectType, id, grants);
    }
    for (const s of fixture.secretScopes ?? []) {
      const scope = this.secrets.createScope(s.name, s.backendType ?? 'DATABRICKS', admin, undefined, s.keyvault);
      for (const [k, v] of Object.entries(s.secrets ?? {})) this.secrets.put(s.name, k, Buffer.from(v, 'utf8'), this.now());
      if (s.acls) {
        scope.acls.clear();
        for (const [principal, permission] of Object.entries(s.acls)) scope.acls.set(principal, permission);
      }
    }
    for (const g of fixture.globalInitScripts ?? []) {
      this.globalInitScripts.create(
        { name: g.name, script: g.script, enabled: g.enabled ?? false, position: g.position },
        admin,
        g.script_id,
      );
    }
  }

  private memberId(m: FixtureMember): string {
    if ('userName' in m) {
      const u = this.principals.userByName(m.userName);
      if (!u) throw new Error(`Fixture group member user ${m.userName} does not exist`);
      return u.id;
    }
    if ('group' in m) {
      const g = this.principals.groupByName(m.group);
      if (!g) throw new Error(`Fixture group member group ${m.group} does not exist`);
      return g.id;
    }
    const sp = this.principals.servicePrincipalByAppId(m.applicationId);
    if (!sp) throw new Error(`Fixture group member service principal ${m.applicationId} does not exist`);
    return sp.id;
  }

  private fixtureObjectId(type: PermissionType, object: string): string {
    if (type === 'notebooks' || type === 'directories' || type === 'files' || type === 'repos') {
      const node = this.tree.find(normalizeWorkspacePath(object));
      if (!node) throw new Error(`Fixture permissions: ${type} ${object} does not exist`);
      return String(node.objectId);
    }
    return object;
  }

  /** Dump the workspace; `loadFixture(toFixture())` reproduces it, ids included. */
  toFixture(): WorkspaceFixture {
    const admin = this.principals.adminUserName();
    const memberRef = (id: string): FixtureMember => {
      const kind: PrincipalKind | undefined = this.principals.kindOf(id);
      if (kind === 'user') return { userName: this.principals.users.get(id)?.userName ?? '' };
      if (kind === 'group') return { group: this.principals.groups.get(id)?.displayName ?? '' };
      return { applicationId: this.principals.servicePrincipals.get(id)?.applicationId ?? '' };
    };
    const fixture: WorkspaceFixture = {
      version: 1,
      adminUser: admin,
      users: [...this.principals.users.values()].map((u) => ({
        id: u.id,
        userName: u.userName,
        displayName: u.displayName,
        active: u.active,
        entitlements: u.entitlements,
        ...(u.givenName === undefined ? {} : { givenName: u.givenName }),
        ...(u.familyName === undefined ? {} : { familyName: u.familyName }),
        ...(u.externalId === undefined ? {} : { externalId: u.externalId }),
      })),
      servicePrincipals: [...this.principals.servicePrincipals.values()].map((sp) => ({
        id: sp.id,
        applicationId: sp.applicationId,
        displayName: sp.displayName,
        active: sp.active,
        entitlements: sp.entitlements,
      })),
      groups: [...this.principals.groups.values()].map((g) => ({
        id: g.id,
        displayName: g.displayName,
        members: g.members.map(memberRef),
        entitlements: g.entitlements,
      })),
      workspace: [],
      repos: [...this.repos.records.values()].map((r) => ({
        id: String(r.id),
        path: r.path,
        url: r.url,
        provider: r.provider,
        ...(r.branch === undefined ? {} : { branch: r.branch }),
        headCommitId: r.headCommitId,
        ...(r.sparseCheckout ? { sparseCheckout: r.sparseCheckout } : {}),
      })),
      dbfs: [...this.dbfs.nodes.values()]
        .filter((n) => n.path !== '/' && ![...this.dbfs.mounts.keys()].some((m) => this.dbfs.isUnder(n.path, m)))
        .map((n) =>
          n.isDir
            ? { path: n.path, isDir: true }
            : { path: n.path, contentBase64: n.content.toString('base64'), modificationTime: n.modificationTime },
        ),
      mounts: [...this.dbfs.mounts.values()].map((m) => ({ mountPoint: m.mountPoint, source: m.source, extraConfigs: m.extraConfigs })),
      policies: [...this.policies.records.values()].map((p) => ({
        policy_id: p.policyId,
        name: p.name,
        ...(p.policyFamilyId === undefined ? { definition: p.definition } : { policy_family_id: p.policyFamilyId }),
        ...(p.policyFamilyDefinitionOverrides === undefined
          ? {}
          : { policy_family_definition_overrides: p.policyFamilyDefinitionOverrides }),
        ...(p.description === undefined ? {} : { description: p.description }),
        ...(p.maxClustersPerUser === undefined ? {} : { max_clusters_per_user: p.maxClustersPerUser }),
        ...(p.libraries === undefined ? {} : { libraries: p.libraries }),
        ...(p.creatorUserName === undefined ? {} : { creator_user_name: p.creatorUserName }),
      })),
      instancePools: [...this.pools.records.values()].map((p) => ({
        ...(p.spec as { instance_pool_name: string; node_type_id: string }),
        instance_pool_id: p.id,
      })),
      clusters: [...this.clusters.records.values()]
        .filter((c) => !c.permanentlyDeleted)
        .map((c: ClusterRecord) => ({
          cluster_id: c.clusterId,
          spec: c.spec,
          cluster_source: c.source,
          state: c.state === 'RUNNING' || c.state === 'RESIZING' ? 'RUNNING' : 'TERMINATED',
          pinned: c.pinnedBy !== undefined,
          creator_user_name: c.creatorUserName,
          ...(c.terminatedTime === undefined ? {} : { terminated_time: c.terminatedTime }),
          libraries: c.libraries.filter((l) => l.status !== 'UNINSTALL_ON_RESTART').map((l) => l.library),
        })),
      jobs: [...this.jobs.records.values()].map((j) => ({
        job_id: String(j.jobId),
        settings: j.settings,
        creator_user_name: j.creatorUserName,
        created_time: j.createdTime,
      })),
      permissions: [],
      secretScopes: [...this.secrets.scopes.values()].map((s) => ({
        name: s.name,
        backendType: s.backendType,
        ...(s.keyvault ? { keyvault: s.keyvault } : {}),
        secrets: Object.fromEntries([...s.secrets].map(([k, v]) => [k, v.value.toString('utf8')])),
        acls: Object.fromEntries(s.acls),
      })),
      globalInitScripts: this.globalInitScripts.list().map((g) => ({
        script_id: g.scriptId,
        name: g.name,
        script: g.script,
        enabled: g.enabled,
        position: g.position,
      })),
    };
    for (const node of this.tree.walk()) {
      if (node.path === '/') continue;
      if (this.isInsideRepo(node)) continue;
      if (node.objectType === 'REPO') continue;
      const objectId = String(node.objectId);
      if (node.objectType === 'DIRECTORY') fixture.workspace?.push({ type: 'DIRECTORY', path: node.path, objectId });
      else if (node.objectType === 'NOTEBOOK' && node.notebook) {
        fixture.workspace?.push({
          type: 'NOTEBOOK',
          path: node.path,
          language: node.notebook.language,
          source: renderSource(node.notebook),
          objectId,
          createdAt: node.createdAt,
          modifiedAt: node.modifiedAt,
        });
      } else if (node.objectType === 'FILE' || node.objectType === 'LIBRARY') {
        fixture.workspace?.push({
          type: node.objectType,
          path: node.path,
          contentBase64: (node.content ?? Buffer.alloc(0)).toString('base64'),
          objectId,
          createdAt: node.createdAt,
          modifiedAt: node.modifiedAt,
        });
      }
    }
    for (const type of Object.keys(PERMISSION_TYPES) as PermissionType[]) {
      const ids: string[] =
        type === 'clusters'
          ? [...this.clusters.records.keys()]
          : type === 'jobs'
            ? [...this.jobs.records.keys()].map(String)
            : type === 'instance-pools'
              ? [...this.pools.records.keys()]
              : type === 'cluster-policies'
                ? [...this.policies.records.keys()]
                : [...this.tree.walk()].filter((n) => WORKSPACE_PERMISSION_TYPE[n.objectType] === type).map((n) => String(n.objectId));
      for (const id of ids) {
        if (type === 'directories' && id === '0') continue;
        const grants = this.permissions.directGrants(type, id);
        if (grants.length === 0) continue;
        const object =
          type === 'notebooks' || type === 'directories' || type === 'files' || type === 'repos'
            ? (this.tree.byObjectId(BigInt(id))?.path ?? id)
            : id;
        fixture.permissions?.push({
          objectType: type,
          object,
          accessControlList: grants.map((g) => ({ [g.kind]: g.name, permission_level: g.level })),
        });
      }
    }
    return fixture;
  }

  private isInsideRepo(node: WsNode): boolean {
    return this.tree.ancestors(node).some((a) => a.objectType === 'REPO');
  }
}
