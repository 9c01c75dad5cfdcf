import type { KindName } from './names.js';

/** A reference from one artifact to another, as found in its content. */
export interface Ref {
  kind: KindName;
  /** The referenced object's source id (cluster_id, job_id…) or natural key (path, userName…). */
  value: string;
  by: 'id' | 'key';
  /** Where in the content the reference sits, e.g. `tasks[2].existing_cluster_id`. */
  field: string;
}

/** One captured object of a snapshot. */
export interface ArtifactEntry {
  kind: KindName;
  /** Natural key: stable across workspaces (a path, a userName, a policy name) or the source id. */
  key: string;
  /** The object's id in the source workspace. */
  sourceId: string;
  /** sha-256 (hex) of the content; absent for metadata-only artifacts such as directories. */
  hash?: string;
  /** Content size in bytes, uncompressed. */
  size?: number;
  /** Opaque value that changes when the object changes (e.g. object_id:modified_at). */
  changeToken?: string;
  /** Small descriptive fields (name, language, object_id, …). */
  meta: Record<string, unknown>;
  refs: Ref[];
  /** When the content was last read from the workspace (ISO 8601). */
  capturedAt: string;
}

/** Something that exists in the workspace but could not be captured, and why. */
export interface UncapturedEntry {
  kind: KindName;
  key: string;
  reason: string;
  /** Whether a person must act after a failover (e.g. re-enter secret values). */
  action?: string;
}

export interface BackupStats {
  durationMs: number;
  /** Artifacts whose content was read from the workspace this run. */
  exported: number;
  /** Artifacts carried over unchanged from the previous snapshot or checkpoint. */
  reused: number;
  uploadedObjects: number;
  uploadedBytes: number;
  requests: number;
  retries: number;
  throttled: number;
}

export const MANIFEST_SCHEMA = 'databricks-dr/manifest';
export const MANIFEST_VERSION = 1;

/** The commit point of a snapshot: written last, create-only. */
export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  version: typeof MANIFEST_VERSION;
  snapshotId: string;
  workspace: { key: string; host: string; profile: string; workspaceId?: string };
  startedAt: string;
  completedAt: string;
  parentSnapshotId?: string;
  /** 1 for the first snapshot of a workspace, then +1; drives rolling refreshes. */
  runNumber: number;
  tool: { name: string; version: string };
  kinds: KindName[];
  counts: Partial<Record<KindName, number>>;
  artifacts: ArtifactEntry[];
  uncaptured: UncapturedEntry[];
  stats: BackupStats;
}

export interface SnapshotSummary {
  snapshotId: string;
  workspaceKey: string;
  createdAt: Date;
  sizeBytes: number;
}

/** Progress of an unfinished backup, so the next run continues instead of starting over. */
export interface Checkpoint {
  version: 1;
  runId: string;
  startedAt: string;
  updatedAt: string;
  parentSnapshotId?: string;
  artifacts: ArtifactEntry[];
}
