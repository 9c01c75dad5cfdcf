import { setTimeout as sleep } from 'node:timers/promises';

import { isApiError } from '../databricks/errors.js';
import type { BackupContext, KindHandler } from './types.js';

interface MountInfo {
  mountPoint: string;
  source?: string;
  encryptionType?: string;
}

/** Python that prints the mounts as JSON; the emulator and real clusters both run it. */
export const LIST_MOUNTS_COMMAND =
  'import json\nprint(json.dumps([{"mountPoint": m.mountPoint, "source": m.source, "encryptionType": m.encryptionType} for m in dbutils.fs.mounts()]))';

/** Read mount sources by running dbutils.fs.mounts() on a running cluster (API 1.2). */
async function mountsFromCluster(ctx: BackupContext, clusterId: string): Promise<MountInfo[]> {
  const { id: contextId } = await ctx.client.post<{ id: string }>('/api/1.2/contexts/create', { clusterId, language: 'python' }, { signal: ctx.signal });
  try {
    const { id: commandId } = await ctx.client.post<{ id: string }>(
      '/api/1.2/commands/execute',
      { clusterId, contextId, language: 'python', command: LIST_MOUNTS_COMMAND },
      { signal: ctx.signal },
    );
    for (let attempt = 0; attempt < 600; attempt++) {
      const status = await ctx.client.get<{ status: string; results?: { resultType?: string; data?: string; summary?: string } }>(
        '/api/1.2/commands/status',
        { clusterId, contextId, commandId },
        { signal: ctx.signal },
      );
      if (status.status === 'Finished' || status.status === 'Error' || status.status === 'Cancelled') {
        if (status.results?.resultType !== 'text') throw new Error(`listing mounts failed on cluster ${clusterId}: ${status.results?.summary ?? status.status}`);
        return JSON.parse(status.results.data ?? '[]') as MountInfo[];
      }
      await sleep(Math.min(1000, 100 * (attempt + 1)), undefined, { signal: ctx.signal });
    }
    throw new Error(`listing mounts on cluster ${clusterId} did not finish in time`);
  } finally {
    await ctx.client.post('/api/1.2/contexts/destroy', { clusterId, contextId }, { signal: ctx.signal }).catch(() => undefined);
  }
}

/**
 * DBFS mount points. The REST API shows only their names (under /mnt); their
 * sources are visible to code on a cluster, so with DR_MOUNT_DISCOVERY_CLUSTER_ID
 * the backup reads them there. Mount credentials are never visible: a failover
 * re-creates mounts from a declarative mapping.
 */
export const mounts: KindHandler = {
  kind: 'mounts',
  description: 'DBFS mount points (and their sources when a discovery cluster is configured).',
  dependsOn: ['secretScopes'],
  references: [],
  async *list(ctx) {
    const points = new Map<string, MountInfo>();
    try {
      const r = await ctx.client.get<{ files?: Array<{ path: string; is_dir: boolean }> }>('/api/2.0/dbfs/list', { path: '/mnt' }, { signal: ctx.signal });
      for (const f of r.files ?? []) if (f.is_dir) points.set(f.path, { mountPoint: f.path });
    } catch (error) {
      if (!isApiError(error, 'not_found')) throw error;
    }
    const cluster = ctx.settings.mountDiscoveryClusterId;
    if (cluster !== undefined) {
      for (const m of await mountsFromCluster(ctx, cluster)) {
        if (m.mountPoint.startsWith('/mnt/')) points.set(m.mountPoint.replace(/\/+$/, ''), m);
      }
    }
    for (const m of [...points.values()].sort((a, b) => a.mountPoint.localeCompare(b.mountPoint))) {
      yield { key: m.mountPoint, sourceId: m.mountPoint, meta: { source: m.source }, data: m };
    }
  },
  async export(_ctx, item) {
    const m = item.data as MountInfo;
    const content = { mountPoint: m.mountPoint, ...(m.source === undefined ? {} : { source: m.source }) };
    if (m.source === undefined) {
      return {
        content,
        uncaptured: {
          reason: 'The mount source is visible only to code on a cluster.',
          action: 'Set DR_MOUNT_DISCOVERY_CLUSTER_ID to a running cluster to record it, or declare the mount in the failover mount mapping.',
        },
      };
    }
    return { content, uncaptured: { reason: 'Mount credentials (extra_configs) are never readable.', action: 'Declare the mount and its credentials (secret references) in the failover mount mapping.' } };
  },
};
