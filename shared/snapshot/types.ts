import { z } from 'zod';

import { KIND_NAMES, SNAPSHOT_ID } from './names.js';

/*
 * The manifest is declared once, in zod: the types below are inferred from it,
 * validateManifest (store.ts) checks every manifest read with it, and
 * docs/schemas/manifest.schema.json is generated from it. Objects are loose: a field
 * added within version 1 is kept, never a reason to refuse a snapshot.
 */

const KIND = z.enum(KIND_NAMES);

/** A reference from one artifact to another, as found in its content. */
export const RefSchema = z.looseObject({
  kind: KIND,
  value: z.string().meta({ description: "The referenced object's source id (cluster_id, job_id…) or natural key (path, userName…)." }),
  by: z.enum(['id', 'key']),
  field: z.string().meta({ description: 'Where in the content the reference sits, e.g. tasks[2].existing_cluster_id.' }),
});
export type Ref = z.infer<typeof RefSchema>;

/** One captured object of a snapshot. */
export const ArtifactEntrySchema = z.looseObject({
  kind: KIND,
  key: z.string().meta({ description: 'Natural key: stable across workspaces (a path, a userName, a policy name) or the source id.' }),
  sourceId: z.string().meta({ description: "The object's id in the source workspace." }),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .meta({ description: 'sha-256 (hex) of the content; absent for metadata-only artifacts such as directories.' }),
  size: z.number().min(0).optional().meta({ description: 'Content size in bytes, uncompressed.' }),
  changeToken: z
    .string()
    .optional()
    .meta({ description: 'Opaque value that changes when the object changes (e.g. object_id:modified_at).' }),
  meta: z.record(z.string(), z.unknown()).meta({ description: 'Small descriptive fields (name, language, object_id, …).' }),
  refs: z.array(RefSchema),
  capturedAt: z.string().meta({ description: 'When the content was last read from the workspace (ISO 8601).' }),
});
export type ArtifactEntry = z.infer<typeof ArtifactEntrySchema>;

/** Something that exists in the workspace but could not be captured, and why. */
export const UncapturedEntrySchema = z.looseObject({
  kind: KIND,
  key: z.string(),
  reason: z.string(),
  action: z.string().optional().meta({ description: 'Whether a person must act after a failover (e.g. re-enter secret values).' }),
});
export type UncapturedEntry = z.infer<typeof UncapturedEntrySchema>;

export const BackupStatsSchema = z.looseObject({
  durationMs: z.number(),
  exported: z.number().meta({ description: 'Artifacts whose content was read from the workspace this run.' }),
  reused: z.number().meta({ description: 'Artifacts carried over unchanged from the previous snapshot or checkpoint.' }),
  uploadedObjects: z.number(),
  uploadedBytes: z.number(),
  requests: z.number(),
  retries: z.number(),
  throttled: z.number(),
});
export type BackupStats = z.infer<typeof BackupStatsSchema>;

export const MANIFEST_SCHEMA = 'databricks-dr/manifest';
export const MANIFEST_VERSION = 1;

/** The commit point of a snapshot: written last, create-only. */
export const ManifestSchema = z
  .looseObject({
    schema: z.literal(MANIFEST_SCHEMA),
    version: z.literal(MANIFEST_VERSION),
    snapshotId: z.string().regex(SNAPSHOT_ID),
    workspace: z.looseObject({
      key: z
        .string()
        .regex(/^[a-z0-9.-]{1,255}$/)
        .refine((k) => k !== '.' && k !== '..'),
      host: z.string(),
      profile: z.string(),
      workspaceId: z.string().optional(),
    }),
    startedAt: z.string(),
    completedAt: z.string(),
    parentSnapshotId: z.string().optional(),
    runNumber: z.int().min(1).meta({ description: '1 for the first snapshot of a workspace, then +1; drives rolling refreshes.' }),
    tool: z.looseObject({ name: z.string(), version: z.string() }),
    kinds: z.array(KIND),
    counts: z.partialRecord(KIND, z.number()),
    artifacts: z.array(ArtifactEntrySchema).superRefine((artifacts, ctx) => {
      // Two entries for one object would both be restored, side by side: both could create it.
      const seen = new Set<string>();
      for (const [i, a] of artifacts.entries()) {
        const id = `${a.kind}\u0000${a.key}`;
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [i], message: `repeats ${a.kind} "${a.key}"` });
        seen.add(id);
      }
    }),
    uncaptured: z.array(UncapturedEntrySchema),
    stats: BackupStatsSchema,
  })
  .meta({
    title: 'databricks-dr snapshot manifest',
    description:
      'The commit point of a snapshot (workspaces/<workspace>/snapshots/<id>.json.gz, gzip): ' +
      'every captured artifact with the hash of its content, and what could not be captured.',
  });
export type Manifest = z.infer<typeof ManifestSchema>;

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
