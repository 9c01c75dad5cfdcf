import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

/**
 * Lossless JSON for Databricks payloads. Integers beyond Number.MAX_SAFE_INTEGER
 * (`spark_context_id`, and ids on some workspaces) are parsed as bigint and written
 * back with their exact digits; every other number stays a plain number, so no id
 * or field is altered by a round trip.
 */
function parseNumber(text: string): number | bigint {
  return isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text);
}

/** A number of 16+ digits where JSON allows a value: the only case where native parsing could lose digits. */
const LONG_NUMBER = /(^|[:[,])\s*-?\d{16,}/;

export function parseJson(text: string): unknown {
  // The lossless parser is several times slower than JSON.parse; use it only when a
  // number could need it.
  return LONG_NUMBER.test(text) ? parse(text, undefined, parseNumber) : JSON.parse(text);
}

export function stringifyJson(value: unknown, indent?: number): string {
  return stringify(value, undefined, indent) ?? 'null';
}

/**
 * Canonical JSON: keys sorted recursively, no whitespace. Equal documents give equal
 * bytes, so a definition that did not change hashes to the same content address.
 */
export function canonicalJson(value: unknown): string {
  return stringifyJson(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
