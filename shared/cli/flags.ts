/** Checking flag values that commander leaves as strings; a bad one is a USAGE error (exit 2) naming the flag. */
import { type Config, requireProfile } from '../config/config.js';
import { DrError } from '../errors/drError.js';
import { KIND_NAMES, type KindName, workspaceKey } from '../snapshot/names.js';
import { resolveSnapshot, type SnapshotRef } from '../snapshot/resolve.js';
import type { SnapshotStore } from '../snapshot/store.js';
import type { Manifest } from '../snapshot/types.js';

const MAX_BUDGET_S = 30 * 86_400;

/** --kinds a,b,c: known kind names in the order given; undefined without the flag. */
export function kindsOption(value: string | undefined): KindName[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const bad = list.filter((k) => !(KIND_NAMES as readonly string[]).includes(k));
  if (bad.length > 0) throw new DrError('USAGE', `Unknown kind(s) ${bad.join(', ')} in --kinds. Kinds: ${KIND_NAMES.join(', ')}.`);
  return list as KindName[];
}

/**
 * --time-budget <seconds>: a number of seconds up to 30 days; undefined without the flag.
 * `range` is how the message states the limits.
 */
export function timeBudgetOption(value: string | undefined, range = '1 and 2592000'): number | undefined {
  const budget = value === undefined ? undefined : Number(value);
  if (budget !== undefined && !(budget > 0 && budget <= MAX_BUDGET_S))
    throw new DrError('USAGE', `--time-budget must be a number of seconds between ${range}, got "${value}".`);
  return budget;
}

/** A whole number above 0 (or from 0 with `allowZero`). */
export function positive(value: string, flag: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw new DrError('USAGE', `${flag} must be a whole number${allowZero ? '' : ' above 0'}, got "${value}".`);
  return n;
}

/**
 * The snapshot a command names: <id> or --snapshot ("latest" or an id), among the
 * snapshots of the --source profile's workspace, or of the whole container without one.
 */
export async function snapshotOption(
  store: SnapshotStore,
  config: Config,
  ref: SnapshotRef,
  source: string | undefined,
): Promise<Manifest> {
  if (source === undefined) return resolveSnapshot(store, undefined, ref);
  return resolveSnapshot(store, workspaceKey(requireProfile(config, source).host), ref, { profile: source });
}
