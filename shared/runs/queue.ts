import { z } from 'zod';

import { RUN_ID, type RunRecord } from './runs.js';

/** A queue message as the trigger hands it over. */
export interface QueueMessage {
  body: unknown;
  messageId?: string;
  deliveryCount?: number;
}

/** What to do with the message once the handler is done with it. */
export type Disposition =
  | { action: 'complete'; runId: string; status: RunRecord['status']; followUp?: boolean }
  | { action: 'deadLetter'; reason: string; description: string };

export type RejectReason = 'MalformedJson' | 'UnsupportedSchema' | 'UnsupportedVersion' | 'InvalidMessage';

/** Sends a request onto one of the app's queues, with a deterministic message id for duplicate detection. */
export interface RequestSender<T> {
  send(request: T, options: { messageId: string; delayMs?: number }): Promise<void>;
}

/**
 * The envelope checks every request schema shares: the body may arrive as text, bytes
 * or parsed JSON (the Functions host parses JSON bodies); it must be an object with
 * the expected schema and version. Field checks are the caller's.
 */
export function decodeRequest(
  body: unknown,
  schema: string,
  version: number,
  what: string,
): { ok: true; fields: Record<string, unknown> } | { ok: false; reason: RejectReason; description: string } {
  let value = body;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (error) {
      return {
        ok: false,
        reason: 'MalformedJson',
        description:
          `The message body is not JSON (${(error as Error).message}). ` +
          `Send a JSON object with "schema": "${schema}" and "version": ${version}.`,
      };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: 'InvalidMessage',
      description:
        'The message body must be a JSON object, ' + `not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`,
    };
  }
  const m = value as Record<string, unknown>;
  if (m['schema'] !== schema)
    return {
      ok: false,
      reason: 'UnsupportedSchema',
      description: `"schema" must be "${schema}", got ${JSON.stringify(m['schema'] ?? null)}.`,
    };
  if (m['version'] !== version) {
    return {
      ok: false,
      reason: 'UnsupportedVersion',
      description:
        `This databricks-dr reads ${what} of version ${version}; the message has version ${JSON.stringify(m['version'] ?? null)}. ` +
        `Send version ${version}, or upgrade the function app.`,
    };
  }
  return { ok: true, fields: m };
}

/** A profile name in a request, as the settings and ~/.databrickscfg spell them. */
export const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Set by a function when a run continues in a follow-up message: which part sent it,
 * when the first part started, and how many times it was put off (locked).
 */
export const ContinuationSchema = z
  .strictObject({
    part: z.int().min(0).meta({ description: 'The number of the part that sent this follow-up (the first part is 1).' }),
    firstStartedAt: z.string().min(1).max(64).meta({ description: 'When the first part started (ISO 8601).' }),
    retries: z.int().min(0).optional().meta({ description: 'Follow-ups so far that waited for a lock.' }),
  })
  .meta({ description: 'Set by the function app when a run continues in a follow-up message; never sent by a client.' });

export type Continuation = z.infer<typeof ContinuationSchema>;

/** A request message's run id: the same across redeliveries and continuations. */
export const RUN_ID_FIELD = z
  .string({ error: 'must be up to 128 letters, digits, dots, dashes, colons or underscores' })
  .regex(RUN_ID)
  .optional()
  .meta({ description: 'Identifies the run across redeliveries and continuations. Default: the message id.' });

/** Why and by whom a run was asked for (`what`: "backup", "failover"): kept in the run record. */
export function askedFor(what: string) {
  return {
    reason: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: `Why the ${what} was asked for; kept in the run record.` }),
    requestedBy: z.string().min(1).max(256).optional().meta({ description: 'Who asked; the HTTP API fills in the signed-in principal.' }),
  };
}
