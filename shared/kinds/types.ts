import type { BackupSettings } from '../config/config.js';
import type { KindImporter } from './import/types.js';
import type { DatabricksClient } from '../databricks/client.js';
import type { Logger } from '../log/logger.js';
import type { ArtifactEntry, Ref } from '../snapshot/types.js';
import type { KindName } from '../snapshot/names.js';
import type { WorkspaceObject } from './discovery.js';

/** One object found by a kind's listing. */
export interface Listed {
  /** Natural key, unique within the kind. */
  key: string;
  sourceId: string;
  /** Changes whenever the object changes; when it matches the previous run, the object is not exported again. */
  changeToken?: string;
  meta: Record<string, unknown>;
  /** What the listing already returned, so export can avoid another request. */
  data?: unknown;
  /** The object exists but cannot be captured; recorded in the manifest with the reason. */
  uncaptured?: { reason: string; action?: string };
  /** A metadata-only artifact (a directory): nothing to export. */
  noContent?: boolean;
}

/** The content of one exported object: raw bytes, or a JSON document stored canonically. */
export interface Exported {
  /**
   * The content; or, for something too large to hold in memory (a big DBFS file), a
   * function that reads it in chunks, called up to twice.
   */
  content: Buffer | Record<string, unknown> | (() => AsyncIterable<Buffer>);
  /** Fields to add to the listing's metadata. */
  meta?: Record<string, unknown>;
  /**
   * Not a failure of the object but something a person must do after a failover
   * (secret values to re-enter, for instance).
   */
  uncaptured?: { reason: string; action?: string };
}

/**
 * A declarative reference: the value at `path` in an exported document points at an
 * object of `kind`, by its source id or its natural key. The same rows drive
 * dependency discovery in backup and id remapping in failover.
 *
 * Paths are dot-separated; `[]` walks every array element and `*` every map value,
 * e.g. `tasks[].new_cluster.instance_pool_id` or `spark_conf.*`.
 */
export interface RefSpec {
  path: string;
  kind: KindName;
  by: 'id' | 'key';
  /** Map the raw value to the referenced id/key, or undefined when it does not point at that kind. */
  normalize?: (value: string) => string | undefined;
}

export interface BackupContext {
  client: DatabricksClient;
  logger: Logger;
  settings: BackupSettings;
  signal: AbortSignal;
  /** 1 for a workspace's first snapshot, then +1 per committed snapshot. */
  runNumber: number;
  /** Artifacts of kinds already finished in this run. */
  captured(kind: KindName): readonly ArtifactEntry[];
  /** The entry this key had in the previous snapshot (or in the checkpoint of an unfinished run). */
  previous(kind: KindName, key: string): ArtifactEntry | undefined;
  /** Resolves when these kinds (those selected for this run) are done. */
  after(kinds: readonly KindName[]): Promise<void>;
  /** Share an expensive discovery (SCIM lists) between kinds. */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** The same for values that are not promises (the streaming workspace walk). */
  memoSync<T>(key: string, make: () => T): T;
}

/**
 * How the Permissions API protects a kind's objects (`/api/2.0/permissions/<type>/<id>`).
 * The permissions kind derives its targets, dependencies and per-object waits from
 * these declarations; no other kind lists them.
 */
export interface PermissionTarget {
  /** The object type in the Permissions API path. */
  type: string;
  /**
   * For workspace objects: the object_type in the workspace tree, and the change token
   * the kind lists them with (a changed object has its grants read again). Their
   * grants are found while the tree is walked, not after the kind is backed up.
   */
  workspaceObject?: { objectType: string; token(o: WorkspaceObject): string };
  /**
   * Objects with fixed ids instead of artifacts of the kind (`tokens` under
   * `authorization`). Their grants are only ever added in the DR workspace, never
   * removed: removing one could lock out the people who must run it.
   */
  fixed?: readonly string[];
}

/** A rate limit Databricks publishes for some of a kind's endpoints. */
export interface KindRateLimit {
  family: string;
  method?: string;
  pattern: RegExp;
  /** Requests per second; DR_RATE_LIMITS overrides it by family name. */
  perSecond: number;
}

/**
 * One artifact kind, declared in one module: how to list and export it, its natural
 * key, what it depends on and references, how its objects' permissions are
 * addressed, its rate limits, and how a failover reconciles it. The registry, the
 * permissions kind, verify, the CLI's `kinds` command and the docs' kind table all
 * derive from these declarations (docs/adding-a-kind.md).
 */
export interface KindHandler {
  kind: KindName;
  /** One line for the docs support matrix and the CLI. */
  description: string;
  /** What identifies an object across workspaces (ids differ): "pool name", "path"… */
  naturalKey: string;
  /** Kinds restored before this one in a failover. */
  dependsOn: KindName[];
  /** How the Permissions API addresses this kind's objects, when it protects them. */
  permissions?: PermissionTarget;
  /** Published rate limits of this kind's endpoints (others get the per-endpoint default). */
  rateLimits?: readonly KindRateLimit[];
  /** Kinds that must be backed up before this kind can be listed (it reads their artifacts). */
  discoveryAfter?: KindName[];
  references: RefSpec[];
  /**
   * Fields of other kinds' documents that hold this kind's ids or keys (a job's
   * `sql_task.warehouse_id` holds a warehouse id). The registry adds them to the
   * referring kind's references and restores that kind after this one, so a new kind
   * is wired into existing ones without editing their modules.
   */
  referencedFrom?: ReadonlyArray<Omit<RefSpec, 'kind'> & { from: KindName }>;
  /** References a path cannot express (secret references inside strings, policy definitions…). */
  extraRefs?(content: Record<string, unknown>): Ref[];
  list(ctx: BackupContext): AsyncIterable<Listed>;
  export(ctx: BackupContext, item: Listed): Promise<Exported>;
  /**
   * Whether the previous entry can stand for this object without reading it again.
   * @default the change tokens are equal
   */
  reusable?(ctx: BackupContext, item: Listed, previous: ArtifactEntry): boolean;
  /** How a failover restores this kind; kinds without one are reported, not restored. */
  importer?: KindImporter;
}
