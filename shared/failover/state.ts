import type { KindName } from '../snapshot/names.js';
import type { SnapshotStore } from '../snapshot/store.js';
import { IdMap } from '../kinds/import/idMap.js';
import type { AppliedRecord } from '../kinds/import/types.js';

/**
 * What failovers from one source workspace into one target have done so far: the id
 * map, what was applied to each object, and the pause state each job had in the
 * source (cutover restores it). Saved as the failover goes, so a re-run, a resumed
 * run or a redelivered message continues where the last one stopped.
 */
export interface FailoverState {
  version: 1;
  sourceKey: string;
  targetKey: string;
  idMap: IdMap;
  applied: Map<string, AppliedRecord>;
  /** Job key → the source's pause statuses of schedule / continuous / trigger. */
  pauses: Map<string, Record<string, string>>;
  /** Set by cutover. */
  cutover?: { at: string };
}

export function stateKey(kind: KindName, key: string): string {
  return `${kind}\u0000${key}`;
}

export function statePath(targetKey: string, sourceKey: string): string {
  return `workspaces/${targetKey}/failover/state-from-${sourceKey}.json.gz`;
}

export function emptyState(sourceKey: string, targetKey: string): FailoverState {
  return { version: 1, sourceKey, targetKey, idMap: new IdMap(), applied: new Map(), pauses: new Map() };
}

export async function loadState(store: SnapshotStore, sourceKey: string, targetKey: string): Promise<FailoverState> {
  const raw = await store.readJsonGz<{
    version: number;
    idMap: unknown;
    applied?: Record<string, AppliedRecord>;
    pauses?: Record<string, Record<string, string>>;
    cutover?: { at: string };
  }>(statePath(targetKey, sourceKey), 'read the failover state');
  if (!raw) return emptyState(sourceKey, targetKey);
  const state = emptyState(sourceKey, targetKey);
  state.idMap = IdMap.fromJSON(raw.idMap);
  state.applied = new Map(Object.entries(raw.applied ?? {}));
  state.pauses = new Map(Object.entries(raw.pauses ?? {}));
  if (raw.cutover) state.cutover = raw.cutover;
  return state;
}

export async function saveState(store: SnapshotStore, state: FailoverState): Promise<void> {
  await store.writeJsonGz(
    statePath(state.targetKey, state.sourceKey),
    {
      version: 1,
      sourceKey: state.sourceKey,
      targetKey: state.targetKey,
      idMap: state.idMap.toJSON(),
      applied: Object.fromEntries(state.applied),
      pauses: Object.fromEntries(state.pauses),
      ...(state.cutover ? { cutover: state.cutover } : {}),
    },
    'save the failover state',
  );
}
