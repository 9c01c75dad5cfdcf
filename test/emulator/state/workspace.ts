import { AREAS, type AreaStates } from '../areas.js';
import type { AreaState } from '../area.js';
import type { EmulatorOptions } from '../options.js';
import { Random } from '../rng.js';
import type { WorkspaceFixture } from './fixture.js';
import { IdFactory } from './ids.js';
import { type Grant, WORKSPACE_PERMISSION_TYPE } from './permissions.js';
import type { WsNode } from './tree.js';

export { WORKSPACE_PERMISSION_TYPE };

export interface AuthSettings {
  token: string | undefined;
  acceptEntraTokens: boolean;
  entraTenantId: string | undefined;
}

// The area states are properties of the workspace (`ws.jobs`, `ws.tree` …); their
// names and types come from the area list, so a new area needs no line here.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Workspace extends AreaStates {}

/**
 * One emulated workspace: the container that wires the API areas together (see
 * areas.ts). Each area keeps its own state, loads and dumps its own fixture
 * section and registers its own routes; the workspace holds what they share (ids,
 * the clock, the seed) and the few helpers that span areas.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Workspace {
  readonly workspaceId: string;
  readonly authSettings: AuthSettings;
  readonly now: () => number = () => Date.now();
  random!: Random;
  ids!: IdFactory;
  /** The user personal access tokens act as, as the options or the fixture name it. */
  adminUserName!: string;

  constructor(readonly options: EmulatorOptions) {
    const seed = options.seed ?? 1;
    this.workspaceId = options.workspaceId ?? String(new Random(seed * 31 + 7).digits(16));
    this.authSettings = {
      token: options.token,
      acceptEntraTokens: options.acceptEntraTokens ?? options.token === undefined,
      entraTenantId: options.entraTenantId,
    };
    this.reset(options.adminUser ?? 'admin@example.com');
    if (options.fixture) this.loadFixture(options.fixture);
  }

  /** A new, empty workspace: every area's state made afresh, then bootstrapped in area order. */
  private reset(adminUser: string): void {
    this.random = new Random(this.options.seed ?? 1);
    this.ids = new IdFactory(this.random, this.options.int64Ids ?? 'realistic');
    this.adminUserName = adminUser;
    const self = this as unknown as Record<string, AreaState>;
    for (const a of AREAS) self[a.key] = a.create(this) as AreaState;
    for (const a of AREAS) self[a.key]?.bootstrap?.();
  }

  /** Advance time-driven state (one-time runs). */
  tick(): void {
    this.runs.tick();
  }

  /** Replace the whole workspace with the fixture's content; areas load in area order. */
  loadFixture(fixture: WorkspaceFixture): void {
    if (fixture.version !== 1) throw new Error(`Unsupported fixture version ${String(fixture.version)}; expected 1.`);
    this.reset(fixture.adminUser ?? this.options.adminUser ?? 'admin@example.com');
    const self = this as unknown as Record<string, AreaState>;
    for (const a of AREAS) self[a.key]?.load?.(fixture);
  }

  /** Dump the workspace; `loadFixture(toFixture())` reproduces it, ids included. */
  toFixture(): WorkspaceFixture {
    const fixture: Record<string, unknown> = { version: 1, adminUser: this.principals.adminUserName() };
    const self = this as unknown as Record<string, AreaState>;
    for (const a of AREAS) Object.assign(fixture, self[a.key]?.dump?.());
    return fixture as unknown as WorkspaceFixture;
  }

  // ---------------------------------------------------------------------------
  // Helpers that span areas

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

  /** Forget what other areas keep about deleted workspace nodes: their grants and repos. */
  forgetNodes(nodes: WsNode[]): void {
    for (const n of nodes) {
      const type = WORKSPACE_PERMISSION_TYPE[n.objectType as keyof typeof WORKSPACE_PERMISSION_TYPE];
      if (type) this.permissions.forget(type, String(n.objectId));
      if (n.repoId !== undefined) this.repos.records.delete(n.repoId);
    }
  }
}
