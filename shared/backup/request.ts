import { z } from 'zod';

import { check, joinProblems } from '../codec/schema.js';
import { askedFor, ContinuationSchema, decodeRequest, PROFILE, type RejectReason, RUN_ID_FIELD } from '../runs/queue.js';

export const BACKUP_REQUEST_SCHEMA = 'databricks-dr/backup-request';
export const BACKUP_REQUEST_VERSION = 1;

/** The fields a client may send, shared by the queue message and the body of POST /api/backup. */
const CLIENT_FIELDS = {
  source: z
    .string({ error: 'must be a profile name' })
    .regex(PROFILE)
    .optional()
    .meta({ description: 'Profile to back up. Default: DR_BACKUP_SOURCE.' }),
  ...askedFor('backup'),
};

/**
 * An on-demand backup, as it travels on the backup queue (version 1). POST /api/backup
 * sends it; the backup queue function runs it. Unknown fields are refused.
 *
 *     {"schema": "databricks-dr/backup-request", "version": 1, "reason": "before the upgrade"}
 */
export const BackupRequestSchema = z
  .strictObject({
    schema: z.literal(BACKUP_REQUEST_SCHEMA),
    version: z.literal(BACKUP_REQUEST_VERSION),
    runId: RUN_ID_FIELD,
    ...CLIENT_FIELDS,
    continuation: ContinuationSchema.optional(),
  })
  .meta({
    title: 'databricks-dr backup queue message',
    description: 'An on-demand backup on the backup Service Bus queue. Unknown fields are refused.',
  });

export type BackupRequest = z.infer<typeof BackupRequestSchema>;

/** The body of POST /api/backup: the client's fields of the queue message. */
export const BackupBodySchema = z.strictObject(CLIENT_FIELDS).meta({
  title: 'databricks-dr POST /api/backup body',
  description: 'The body of POST /api/backup; every field is optional, an empty body is {}. Unknown fields are refused.',
});

export type ParsedBackupRequest = { ok: true; request: BackupRequest } | { ok: false; reason: RejectReason; description: string };

/** Check a backup queue message against the schema; every problem is named for the dead-letter reason. */
export function parseBackupRequest(body: unknown): ParsedBackupRequest {
  const decoded = decodeRequest(body, BACKUP_REQUEST_SCHEMA, BACKUP_REQUEST_VERSION, 'backup requests');
  if (!decoded.ok) return decoded;
  const parsed = check(BackupRequestSchema, decoded.fields);
  if (!parsed.ok)
    return { ok: false, reason: 'InvalidMessage', description: `The backup request is invalid: ${joinProblems(parsed.problems)}.` };
  return { ok: true, request: parsed.data };
}
