import { z } from 'zod';

import { check, joinProblems } from '../codec/schema.js';
import { KIND_NAMES, SNAPSHOT_ID } from '../snapshot/names.js';
import { askedFor, ContinuationSchema, decodeRequest, PROFILE, type RejectReason, RUN_ID_FIELD } from '../runs/queue.js';

export const REQUEST_SCHEMA = 'databricks-dr/failover-request';
export const REQUEST_VERSION = 1;

const SNAPSHOT_EXPECTED = 'must be "latest" or a snapshot id such as 20261126T170512.123Z-3f9a';

/** The fields a client may send, shared by the queue message and the HTTP body (POST /api/failover, /api/verify). */
const CLIENT_FIELDS = {
  snapshot: z
    .union([z.literal('latest'), z.string().regex(SNAPSHOT_ID, { error: SNAPSHOT_EXPECTED })], { error: SNAPSHOT_EXPECTED })
    .optional()
    .meta({ description: 'A snapshot id or "latest". Default: "latest".' }),
  source: z
    .string({ error: 'must be a profile name' })
    .regex(PROFILE)
    .optional()
    .meta({ description: 'Profile of the workspace whose snapshots are replayed. Default: DR_FAILOVER_SOURCE.' }),
  target: z
    .string({ error: 'must be a profile name' })
    .regex(PROFILE)
    .optional()
    .meta({ description: 'Profile of the DR workspace. Default: DR_FAILOVER_TARGET.' }),
  dryRun: z.boolean().optional().meta({ description: 'Plan only: list what would change, write nothing. Default: false.' }),
  kinds: z
    .array(z.enum(KIND_NAMES), { error: `must be a non-empty list of: ${KIND_NAMES.join(', ')}` })
    .min(1)
    .max(KIND_NAMES.length)
    .optional()
    .meta({ description: 'Artifact kinds to replay. Default: every kind in the snapshot.' }),
  conflictPolicy: z
    .enum(['update', 'report'])
    .optional()
    .meta({ description: 'What to do with a target object that differs from the snapshot. Default: DR_FAILOVER_CONFLICT_POLICY.' }),
  ...askedFor('failover'),
};

/**
 * A failover command, as it travels on the Service Bus queue (version 1). Everything
 * but the schema and version is optional: the defaults come from the app settings.
 * Unknown fields are refused.
 *
 *     {"schema": "databricks-dr/failover-request", "version": 1,
 *      "snapshot": "latest", "target": "secondary", "dryRun": false,
 *      "reason": "alert 1f3c… fired"}
 */
export const FailoverRequestSchema = z
  .strictObject({
    schema: z.literal(REQUEST_SCHEMA),
    version: z.literal(REQUEST_VERSION),
    runId: RUN_ID_FIELD,
    ...CLIENT_FIELDS,
    mode: z
      .enum(['failover', 'verify'])
      .optional()
      .meta({ description: 'verify: compare the target with the snapshot and record the drift; writes nothing. Default: "failover".' }),
    continuation: ContinuationSchema.optional(),
  })
  .meta({
    title: 'databricks-dr failover queue message',
    description: 'A failover (or verify) command on the failover Service Bus queue. Unknown fields are refused.',
  });

export type FailoverRequest = z.infer<typeof FailoverRequestSchema>;

/**
 * The body of POST /api/failover and POST /api/verify: the client's fields of the
 * queue message. The service sets schema, version, runId, mode and continuation.
 */
export const FailoverBodySchema = z.strictObject(CLIENT_FIELDS).meta({
  title: 'databricks-dr POST /api/failover body',
  description:
    'The body of POST /api/failover (and /api/verify, which refuses dryRun and conflictPolicy). ' +
    'A real failover (no dryRun) needs a reason. Unknown fields are refused.',
});

export type FailoverBody = z.infer<typeof FailoverBodySchema>;

export type ParsedRequest = { ok: true; request: FailoverRequest } | { ok: false; reason: RejectReason; description: string };

/**
 * Check a queue message against the request schema. The body may arrive as text,
 * bytes or already parsed JSON (the Functions host parses JSON bodies). Every
 * problem is named with the field and what is expected, for the dead-letter reason.
 */
export function parseFailoverRequest(body: unknown): ParsedRequest {
  const decoded = decodeRequest(body, REQUEST_SCHEMA, REQUEST_VERSION, 'failover requests');
  if (!decoded.ok) return decoded;
  const parsed = check(FailoverRequestSchema, decoded.fields);
  if (!parsed.ok)
    return { ok: false, reason: 'InvalidMessage', description: `The failover request is invalid: ${joinProblems(parsed.problems)}.` };
  return { ok: true, request: parsed.data };
}
