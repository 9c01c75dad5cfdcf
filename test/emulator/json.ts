import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * JSON exactly as Databricks puts it on the wire: int64 fields such as
 * `spark_context_id` (and, in `int64Ids: 'beyond-2^53'` mode, job and object ids)
 * exceed Number.MAX_SAFE_INTEGER, so the emulator keeps them as bigint and writes
 * their exact digits. Parsing turns only *unsafe* integers into bigint; every other
 * number stays a plain number.
 */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

function parseNumber(text: string): number | bigint {
  return isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text);
}

/** A number of 16+ digits where JSON allows a value: the only case where native parsing could lose digits. */
const LONG_NUMBER = /[:[,]\s*-?\d{16,}/;

export function fromJson(text: string): unknown {
  // The lossless parser is much slower on large bodies (a 10 MB base64 import);
  // use it only when a number could exceed 2^53.
  return LONG_NUMBER.test(text) ? parse(text, undefined, parseNumber) : JSON.parse(text);
}
