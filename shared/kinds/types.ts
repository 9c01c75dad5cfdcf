import type { BackupSettings } from '../config/config.js';
import type { KindImporter } from './import/types.js';
import type { DatabricksClient } from '../databricks/client.js';
import type { Logger } from '../log/logger.js';
import type { ArtifactEntry, Ref } from '../snapshot/types.js';
import type { KindName } from '../snapshot/names.js';

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
 * One artifact kind: how to list and export it, what it depends on and references,
 * and its natural key. Failover adds `import` to the same modules.
 */
export interface KindHandler {
  kind: KindName;
  /** One line for the docs support matrix and the CLI. */
  description: string;
  /** Kinds restored before this one in a failover. */
  dependsOn: KindName[];
  /** Kinds that must be backed up before this kind can be listed (it reads their artifacts). */
  discoveryAfter?: KindName[];
  references: RefSpec[];
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
