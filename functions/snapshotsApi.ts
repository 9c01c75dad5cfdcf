import { app } from '@azure/functions';

import { workspaceKey } from '../shared/snapshot/names.js';
import { handler, json, problem, route } from './_http.js';
import { getServices } from './_services.js';

/** Registration options, exported so tests can check them. */
export const snapshotsApiOptions = route('snapshots', ['GET']);

/** GET /api/snapshots[?profile=primary]: the snapshots kept, newest first, of one profile's workspace or of all. */
export const getSnapshots = handler(async (request) => {
  const { config, store } = getServices();
  const profile = request.query.get('profile');
  let key: string | undefined;
  if (profile !== null) {
    const p = config.profiles.get(profile);
    if (!p) return problem(400, `Profile "${profile}" is not configured; configured: ${[...config.profiles.keys()].join(', ') || 'none'}.`);
    key = workspaceKey(p.host);
  }
  const snapshots = (await store.listSnapshots(key)).reverse();
  return json(200, {
    snapshots: snapshots.map((s) => ({
      workspace: s.workspaceKey,
      snapshotId: s.snapshotId,
      createdAt: s.createdAt.toISOString(),
      manifestBytes: s.sizeBytes,
    })),
  });
});

app.http('snapshotsApi', { ...snapshotsApiOptions, handler: getSnapshots });
