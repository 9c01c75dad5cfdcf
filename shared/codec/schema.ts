/**
 * The house style of schema errors. Every document that crosses a trust boundary
 * (queue messages, HTTP bodies, the failover mappings, manifests, settings) is one zod
 * declaration: it gives the TypeScript type (z.infer), the check, and the JSON Schema
 * of docs/schemas/. This module turns zod's issues into our error text: each problem
 * names the field's path, what is wrong and what to send instead, e.g.
 *
 *     "kinds[0]" must be one of: users, servicePrincipals, …
 *     "keyVaults.kv-prod.dns_name" is missing; it must be the vault's URL, e.g. https://kv-dr.vault.azure.net/
 *     unknown field(s) colour (known: snapshot, target, dryRun)
 *
 * A schema phrases its own errors as a predicate ("must be a profile name"); where it
 * has none, the predicate comes from the issue (see houseText). Values are never
 * echoed: the text goes to dead-letter reasons, HTTP answers and logs.
 */
import { z } from 'zod';

/** At most this many problems are spelled out; the rest are counted. */
const MAX_PROBLEMS = 10;

export type SchemaResult<T> = { ok: true; data: T } | { ok: false; problems: string[] };

/** Parse `value` with `schema`; on failure every problem as text ("<path>" <predicate>), unrecognised keys first. */
export function check<S extends z.ZodType>(schema: S, value: unknown): SchemaResult<z.output<S>> {
  const result = schema.safeParse(value, { error: houseText, reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, problems: describeIssues(result.error.issues) };
}

/** zod issues as our problem texts: unknown fields first (they often explain the rest), then in field order. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const ordered = [...issues.filter((i) => i.code === 'unrecognized_keys'), ...issues.filter((i) => i.code !== 'unrecognized_keys')];
  const texts = [...new Set(ordered.map(issueText))];
  if (texts.length <= MAX_PROBLEMS) return texts;
  return [...texts.slice(0, MAX_PROBLEMS), `and ${texts.length - MAX_PROBLEMS} more problem(s)`];
}

/** A problem list as one sentence tail: "a; b; c". */
export function joinProblems(problems: readonly string[]): string {
  return problems.join('; ');
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    // houseText put the known keys in the message; the keys themselves get their full path here.
    const names = issue.keys.map((k) => pathText([...issue.path, k])).join(', ');
    return `unknown field(s) ${names}${issue.message.startsWith('(known') ? ` ${issue.message}` : ''}`;
  }
  const path = issue.path.length === 0 ? 'the value' : `"${pathText(issue.path)}"`;
  // A record key that fails its own schema: say what is wrong with the key, not that one is.
  if (issue.code === 'invalid_key') return `${path} ${issue.issues.map((i) => i.message).join('; ') || issue.message}`;
  const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
  if (missing && issue.message !== MISSING) return `${path} ${MISSING}; it ${issue.message}`;
  return `${path} ${issue.message}`;
}

/** A field path in dotted form: kinds[0], keyVaults.kv-prod.dns_name, nodeTypes['Standard_D4.v5']. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `['${String(part).replace(/['\\]/g, '\\$&')}']`;
  }
  return out;
}

const MISSING = 'is missing';

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  record: 'a JSON object',
  array: 'a list',
  null: 'null',
};

/**
 * The predicate of an issue whose schema did not phrase its own: "must be a string",
 * "is missing", "must be "failover" or "verify"". Passed to zod as the per-parse error map.
 */
export const houseText: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return MISSING;
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be ${oneOf(issue.values)}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
      return shape ? `(known: ${Object.keys(shape).join(', ')})` : '';
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return min <= 1 ? 'must not be an empty list' : `must list at least ${min} items`;
      if (issue.origin === 'string') return min <= 1 ? 'must be a non-empty string' : `must be at least ${min} characters`;
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must list at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${max}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex' && issue.pattern) return `must match ${issue.pattern}`;
      if (issue.format === 'datetime') return 'must be an ISO 8601 date and time, e.g. 2026-11-26T17:05:12.123Z';
      return `must be ${issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_union':
      return 'is not any of the accepted forms';
    default:
      return undefined;
  }
};

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length === 1) return shown[0] as string;
  if (shown.length <= 3) return `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
  return `one of: ${values.map(String).join(', ')}`;
}

/** Keys that would reach Object.prototype when an object is used as a lookup table. */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/**
 * A JSON object used as a lookup table (name → value), safe against prototype keys:
 * "__proto__", "constructor" and "prototype" are refused with a message (zod alone
 * would drop an own "__proto__" silently), and so is an empty name. Look values up
 * with Object.hasOwn (see lookup), or copy the result into a null-prototype object.
 * `name` says what a key is ("a node type name"); `expected` what the whole table must be.
 */
export function lookupTable<V extends z.ZodType>(
  value: V,
  name: string,
  expected = 'must be a JSON object',
): z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>> {
  const reserved = `is reserved and cannot be ${name}`;
  const key = z
    .string()
    .min(1, { error: `must be ${name}, not empty` })
    .refine((k) => !RESERVED_KEYS.includes(k), { error: reserved });
  const table = z.record(key, value, { error: expected });
  return z.preprocess((input, ctx) => {
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__'))
      ctx.issues.push({ code: 'custom', message: reserved, input, path: ['__proto__'] });
    return input;
  }, table) as unknown as z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>>;
}

/** The value of an own key of a lookup table; never one inherited from Object.prototype. */
export function lookup<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The JSON Schema of a declaration, for docs/schemas/: what a sender may send (zod's
 * input side), draft 2020-12.
 */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
}
