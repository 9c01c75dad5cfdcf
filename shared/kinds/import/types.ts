import type { ConflictPolicy } from '../../config/config.js';
import type { DatabricksClient } from '../../databricks/client.js';
import type { KindName } from '../../snapshot/names.js';
import type { Logger } from '../../log/logger.js';
import type { ArtifactEntry, UncapturedEntry } from '../../snapshot/types.js';
import type { IdMap } from './idMap.js';
import type { Mappings } from '../../config/mappings.js';
import type { RefSpec } from '../types.js';

/** What a failover does (or, in a dry run, would do) with one artifact. */
export type ImportAction = 'create' | 'update' | 'unchanged' | 'skip' | 'conflict' | 'failed';

export interface ImportResult {
  action: ImportAction;
  /** The object's id in the target. */
  targetId?: string;
  /** Why it was skipped, conflicted or failed, or what a person must still do. */
  note?: string;
  /** A value that changes when the target object changes (e.g. a notebook's modified_at). */
  token?: string;
  /** Something a person must do for this object after the failover (secret values, a mount without a mapping). */
  needsHuman?: { reason: string; action?: string };
}

/** An object that exists in the target workspace. */
export interface TargetObject {
  id: string;
  /** Change token as the target reports it, when it has one. */
  token?: string;
  data?: unknown;
}

/** What the last failover from the same source applied to one object. */
export interface AppliedRecord {
  /** sha-256 of the content as it was written to the target (ids remapped). */
  hash: string;
  targetId: string;
  token?: string;
}

/** Thrown by `resolve` when a reference points at something the target does not have. */
export class UnresolvedReference extends Error {
  override readonly name = 'UnresolvedReference';
  constructor(
    readonly kind: KindName,
    readonly value: string,
    readonly field: string,
  ) {
    super(`${field} refers to ${kind} ${value}, which is not in the target workspace (it failed or was not in the snapshot).`);
  }
}

/** An object failed for a reason a person must act on (the run goes on). */
export class ImportFailure extends Error {
  override readonly name = 'ImportFailure';
  constructor(
    message: string,
    readonly needsHuman?: { reason: string; action?: string },
  ) {
    super(message);
  }
}

export interface ImportContext {
  /** The target workspace. */
  client: DatabricksClient;
  logger: Logger;
  signal: AbortSignal;
  dryRun: boolean;
  conflictPolicy: ConflictPolicy;
  mappings: Mappings;
  idMap: IdMap;
  /** Target objects of a kind, by natural key; fetched once per run and kept up to date. */
  inventory(kind: KindName): Promise<Map<string, TargetObject>>;
  /** A kind's references as the registry completed them (with other kinds' `referencedFrom`). */
  references(kind: KindName): readonly RefSpec[];
  /** The target id for a source id of another kind; throws UnresolvedReference. */
  resolve(kind: KindName, sourceId: string, field: string): string;
  /** The snapshot's artifact of a kind, by natural key. */
  artifact(kind: KindName, key: string): ArtifactEntry | undefined;
  /** The target id of another artifact of the snapshot, by its natural key; throws UnresolvedReference. */
  resolveKey(kind: KindName, key: string, field: string): string;
  applied(kind: KindName, key: string): AppliedRecord | undefined;
  /** Whether this run created that object (rather than finding it). */
  createdInRun(kind: KindName, key: string): boolean;
  /** Why the snapshot could not capture this object (it may hold no usable content). */
  uncaptured(kind: KindName, key: string): UncapturedEntry | undefined;
  /** Read an artifact's content from the snapshot. */
  read(entry: ArtifactEntry): Promise<Buffer>;
  /** Share an expensive lookup between kinds and objects of one run (the target's workspace tree). */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
  /**
   * Compare content even where the last failover's record says the target is as it
   * was written (verify sets it; a failover trusts the record to skip unchanged objects).
   */
  thorough: boolean;
  /** Record the pause statuses a job had in the source, for cutover to restore. */
  recordPauses(jobKey: string, pauses: Record<string, string>): void;
  runId: string;
  /** Whether cutover has happened for this target: jobs then keep the source's pause states. */
  cutover: boolean;
}

/** The import half of a kind (the backup half is in KindHandler). */
export interface KindImporter {
  /**
   * Make the target hold this artifact: find it (by natural key, id map or tag),
   * compare, then create, update or leave it. In a dry run, decide without writing.
   * `content` is the snapshot content (undefined for metadata-only artifacts).
   */
  import?(ctx: ImportContext, artifact: ArtifactEntry, content: Buffer | undefined): Promise<ImportResult>;
  /** Target objects by natural key. */
  inventory?(ctx: ImportContext): Promise<Map<string, TargetObject>>;
  /**
   * Kinds whose artifacts are imported in two passes within their phase (groups:
   * all groups first, then members, since groups contain groups).
   */
  secondPass?(ctx: ImportContext, artifact: ArtifactEntry, content: Buffer | undefined): Promise<ImportResult | undefined>;
  /** Split a kind's artifacts into waves run one after the other (jobs that run other jobs come after them). */
  waves?(artifacts: ArtifactEntry[], ctx: ImportContext): ArtifactEntry[][];
  /**
   * Import all of a kind's artifacts at once, instead of one `import` call each (mounts
   * are re-created by one job run). Returns a result per artifact key.
   */
  importAll?(ctx: ImportContext, artifacts: ArtifactEntry[]): Promise<Map<string, ImportResult>>;
  /**
   * Of the kinds this kind depends on, those it waits for object by object rather
   * than as a whole: an artifact starts as soon as the objects of these kinds it
   * references are restored (permissions follow their objects closely, instead of
   * waiting for every notebook).
   */
  perObject?: KindName[];
  /**
   * The objects (of the `perObject` kinds) one artifact waits for.
   * @default the artifacts it references by key in those kinds
   */
  needs?(artifact: ArtifactEntry): Array<{ kind: KindName; key: string }>;
}
