import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createGunzip, createGzip, gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';

import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';

import { DrError } from '../errors/drError.js';
import { redact } from '../errors/redact.js';
import { parseJson, stringifyJson } from '../codec/json.js';
import { check, joinProblems } from '../codec/schema.js';
import { type Logger, nullLogger } from '../log/logger.js';
import { Lock } from './lock.js';
import { checkpointPath, lockPath, manifestPath, objectPath, SNAPSHOT_ID, snapshotTime } from './names.js';
import { type Checkpoint, type Manifest, MANIFEST_SCHEMA, MANIFEST_VERSION, ManifestSchema, type SnapshotSummary } from './types.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where snapshots are stored: a connection string (Azurite, account key) or an account URL with Entra ID. */
export interface StorageConfig {
  connectionString?: string;
  accountUrl?: string;
  /** User-assigned managed identity for accountUrl. */
  clientId?: string;
  container: string;
}

/** A manifest larger than this once unzipped is refused, not read into memory (100k artifacts are about 60 MB). */
const MAX_MANIFEST_BYTES = 1024 * 1024 * 1024;

export const PIPELINE: StoragePipelineOptions = {
  retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 5000, tryTimeoutInMs: 120_000 },
  userAgentOptions: { userAgentPrefix: 'databricks-dr' },
};

interface StorageErrorLike {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Turn an Azure Storage failure into a DrError that says what to check. */
export function storageError(error: unknown, action: string, container: string): DrError {
  if (error instanceof DrError) return error;
  const e = error as StorageErrorLike;
  const detail = redact(e.message ?? String(error)).split('\n')[0];
  const code = e.code ?? '';
  let fix = 'Check DR_STORAGE_CONNECTION_STRING or DR_STORAGE_ACCOUNT_URL, and that the account is reachable from here.';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|REQUEST_SEND_ERROR|ETIMEDOUT/.test(code + detail)) {
    fix =
      'The storage endpoint did not answer. Locally, start Azurite (npx azurite-blob --skipApiVersionCheck); ' +
      'in Azure, check the account URL and network rules.';
  } else if (e.statusCode === 403 || /AuthorizationFailure|AuthenticationFailed|AuthorizationPermissionMismatch/.test(code)) {
    fix =
      'The storage account refused the credential. Give the identity "Storage Blob Data Contributor" on the account, ' +
      'or fix the account key in the connection string.';
  } else if (code === 'ContainerNotFound') {
    fix = `Create the container "${container}" or let the backup create it (it needs permission to).`;
  }
  return new DrError('STORAGE_UNAVAILABLE', `Blob storage failed to ${action}: ${detail}. ${fix}`, { cause: error, retryable: true });
}

/**
 * A delete refused by a version-level immutability (WORM) policy: the blob is younger
 * than the policy's retention. Not a failure: it is kept until then.
 */
export function isImmutable(error: unknown): boolean {
  const e = error as StorageErrorLike;
  return e.statusCode === 409 && e.code === 'BlobImmutableDueToPolicy';
}

function isConflict(error: unknown, ...codes: string[]): boolean {
  const e = error as StorageErrorLike;
  return (e.statusCode === 409 || e.statusCode === 412) && (codes.length === 0 || codes.includes(e.code ?? ''));
}

/**
 * The snapshot store on Azure Blob Storage: content-addressed, compressed, create-only
 * objects shared by every snapshot, one manifest per snapshot written last as its
 * commit point, a checkpoint for unfinished backups, and a lease per workspace.
 */
export class SnapshotStore {
  constructor(
    readonly container: ContainerClient,
    private readonly logger: Logger = nullLogger,
  ) {}

  get containerName(): string {
    return this.container.containerName;
  }

  async ensureContainer(signal?: AbortSignal): Promise<void> {
    try {
      await this.container.createIfNotExists(signal ? { abortSignal: signal } : {});
    } catch (error) {
      throw storageError(error, `open container "${this.containerName}"`, this.containerName);
    }
  }

  // ---- objects

  /** Store content under its sha-256; an object that exists already is left alone. */
  async putObject(content: Buffer, signal?: AbortSignal): Promise<{ hash: string; size: number; created: boolean }> {
    const hash = sha256(content);
    const compressed = await gzip(content, { level: 6 });
    const blob = this.container.getBlockBlobClient(objectPath(hash));
    try {
      await blob.uploadData(compressed, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentEncoding: 'gzip' },
        metadata: { sha256: hash, size: String(content.length) },
        ...(signal ? { abortSignal: signal } : {}),
      });
      return { hash, size: content.length, created: true };
    } catch (error) {
      if (isConflict(error, 'BlobAlreadyExists', 'ConditionNotMet')) return { hash, size: content.length, created: false };
      throw storageError(error, `store object ${hash}`, this.containerName);
    }
  }

  /**
   * Store content too large to hold in memory: `open` yields it in chunks, twice at
   * most (once to hash it, once to upload it gzip-compressed in blocks). If the two
   * passes disagree, the content changed while it was read: nothing is kept.
   */
  async putObjectStream(
    open: () => AsyncIterable<Buffer>,
    signal?: AbortSignal,
  ): Promise<{ hash: string; size: number; created: boolean }> {
    const first = createHash('sha256');
    let size = 0;
    for await (const chunk of open()) {
      first.update(chunk);
      size += chunk.length;
    }
    const hash = first.digest('hex');
    if (await this.objectExists(hash, signal)) return { hash, size, created: false };
    const second = createHash('sha256');
    const source = Readable.from(
      (async function* () {
        for await (const chunk of open()) {
          second.update(chunk);
          yield chunk;
        }
      })(),
    );
    const blob = this.container.getBlockBlobClient(objectPath(hash));
    try {
      await blob.uploadStream(source.pipe(createGzip({ level: 6 })), 4 * 1024 * 1024, 2, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/octet-stream', blobContentEncoding: 'gzip' },
        metadata: { sha256: hash, size: String(size) },
        ...(signal ? { abortSignal: signal } : {}),
      });
    } catch (error) {
      if (isConflict(error, 'BlobAlreadyExists', 'ConditionNotMet')) return { hash, size, created: false };
      throw storageError(error, `store object ${hash}`, this.containerName);
    }
    if (second.digest('hex') !== hash) {
      await blob.deleteIfExists().catch(() => undefined);
      throw new DrError(
        'SNAPSHOT_CORRUPT',
        `The content changed while it was being stored (expected ${hash}); nothing was kept. The next run reads it again.`,
        { retryable: true },
      );
    }
    return { hash, size, created: true };
  }

  /** Check an object's hash without holding it in memory. */
  async verifyObject(hash: string, signal?: AbortSignal): Promise<number> {
    let response;
    try {
      response = await this.container.getBlobClient(objectPath(hash)).download(0, undefined, signal ? { abortSignal: signal } : {});
    } catch (error) {
      if ((error as StorageErrorLike).statusCode === 404)
        throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is missing from container "${this.containerName}".`, { cause: error });
      throw storageError(error, `read object ${hash}`, this.containerName);
    }
    const digest = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of (response.readableStreamBody as NodeJS.ReadableStream).pipe(createGunzip())) {
        digest.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    } catch (error) {
      throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is not valid gzip data; it was damaged in storage.`, { cause: error });
    }
    const actual = digest.digest('hex');
    if (actual !== hash) throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is corrupt: its content hashes to ${actual}.`);
    return size;
  }

  async objectExists(hash: string, signal?: AbortSignal): Promise<boolean> {
    try {
      return await this.container.getBlobClient(objectPath(hash)).exists(signal ? { abortSignal: signal } : {});
    } catch (error) {
      throw storageError(error, `look up object ${hash}`, this.containerName);
    }
  }

  /** Read an object; its hash is checked, and a mismatch is a SNAPSHOT_CORRUPT error. */
  async getObject(hash: string, signal?: AbortSignal): Promise<Buffer> {
    let compressed: Buffer;
    try {
      compressed = await this.container
        .getBlobClient(objectPath(hash))
        .downloadToBuffer(undefined, undefined, signal ? { abortSignal: signal } : {});
    } catch (error) {
      if ((error as StorageErrorLike).statusCode === 404) {
        throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is missing from container "${this.containerName}".`, { cause: error });
      }
      throw storageError(error, `read object ${hash}`, this.containerName);
    }
    let content: Buffer;
    try {
      content = await gunzip(compressed);
    } catch (error) {
      throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is not valid gzip data; it was damaged in storage.`, { cause: error });
    }
    const actual = sha256(content);
    if (actual !== hash) throw new DrError('SNAPSHOT_CORRUPT', `Object ${hash} is corrupt: its content hashes to ${actual}.`);
    return content;
  }

  /** Delete an object; false when an immutability policy still protects it. */
  async deleteObject(hash: string): Promise<boolean> {
    try {
      await this.container.getBlobClient(objectPath(hash)).deleteIfExists();
      return true;
    } catch (error) {
      if (isImmutable(error)) return false;
      throw storageError(error, `delete object ${hash}`, this.containerName);
    }
  }

  /** Every stored object, with its last write time. */
  async *listObjects(): AsyncIterable<{ hash: string; lastModified: Date }> {
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix: 'objects/sha256/' })) {
        yield { hash: blob.name.slice(blob.name.lastIndexOf('/') + 1), lastModified: blob.properties.lastModified };
      }
    } catch (error) {
      throw storageError(error, 'list objects', this.containerName);
    }
  }

  // ---- manifests

  /** Commit a snapshot: the manifest is written once, after all its objects. */
  async commitManifest(manifest: Manifest, signal?: AbortSignal): Promise<void> {
    const text = stringifyJson(manifest);
    const body = await gzip(Buffer.from(text, 'utf8'));
    const blob = this.container.getBlockBlobClient(manifestPath(manifest.workspace.key, manifest.snapshotId));
    try {
      await blob.uploadData(body, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' },
        metadata: { sha256: sha256(text), artifacts: String(manifest.artifacts.length), runnumber: String(manifest.runNumber) },
        ...(signal ? { abortSignal: signal } : {}),
      });
    } catch (error) {
      if (isConflict(error))
        throw new DrError('SNAPSHOT_CORRUPT', `Snapshot ${manifest.snapshotId} already exists; manifests are written once.`);
      throw storageError(error, `write the manifest of ${manifest.snapshotId}`, this.containerName);
    }
  }

  async readManifest(workspaceKey: string, snapshotId: string, signal?: AbortSignal): Promise<Manifest> {
    if (!SNAPSHOT_ID.test(snapshotId)) {
      throw new DrError('USAGE', `"${snapshotId}" is not a snapshot id; ids look like 20261126T170512.123Z-3f9a (see "snapshots list").`);
    }
    const blob = this.container.getBlobClient(manifestPath(workspaceKey, snapshotId));
    let compressed: Buffer;
    let expected: string | undefined;
    try {
      compressed = await blob.downloadToBuffer(undefined, undefined, signal ? { abortSignal: signal } : {});
      expected = (await blob.getProperties()).metadata?.['sha256'];
    } catch (error) {
      if ((error as StorageErrorLike).statusCode === 404) {
        throw new DrError(
          'SNAPSHOT_NOT_FOUND',
          `Snapshot ${snapshotId} of ${workspaceKey} does not exist in container "${this.containerName}". ` +
            'Run "databricks-dr snapshots list".',
        );
      }
      throw storageError(error, `read snapshot ${snapshotId}`, this.containerName);
    }
    let text: string;
    try {
      text = (await gunzip(compressed, { maxOutputLength: MAX_MANIFEST_BYTES })).toString('utf8');
    } catch (error) {
      throw new DrError('SNAPSHOT_CORRUPT', `The manifest of ${snapshotId} is not valid gzip data.`, { cause: error });
    }
    if (expected !== undefined && sha256(text) !== expected) {
      throw new DrError(
        'SNAPSHOT_CORRUPT',
        `The manifest of ${snapshotId} does not match its recorded hash; it was changed after it was written.`,
      );
    }
    const manifest = validateManifest(parseJson(text), snapshotId);
    // The manifest names the blob it came from: a copy under another name is not that snapshot.
    if (manifest.snapshotId !== snapshotId || manifest.workspace.key !== workspaceKey) {
      throw new DrError(
        'SNAPSHOT_CORRUPT',
        `The manifest stored as ${workspaceKey}/${snapshotId} names ` +
          `${manifest.workspace.key}/${manifest.snapshotId}; it is not that snapshot.`,
      );
    }
    return manifest;
  }

  /** Snapshots, oldest first; of one workspace, or of all. */
  async listSnapshots(workspaceKey?: string): Promise<SnapshotSummary[]> {
    const prefix = workspaceKey === undefined ? 'workspaces/' : `workspaces/${workspaceKey}/snapshots/`;
    const out: SnapshotSummary[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        const m = /^workspaces\/([^/]+)\/snapshots\/([^/]+)\.json\.gz$/.exec(blob.name);
        if (!m) continue;
        out.push({
          workspaceKey: m[1] as string,
          snapshotId: m[2] as string,
          createdAt: snapshotTime(m[2] as string),
          sizeBytes: blob.properties.contentLength ?? 0,
        });
      }
    } catch (error) {
      if ((error as StorageErrorLike).code === 'ContainerNotFound') return [];
      throw storageError(error, 'list snapshots', this.containerName);
    }
    return out.sort((a, b) => (a.snapshotId < b.snapshotId ? -1 : 1));
  }

  async latestManifest(workspaceKey: string, signal?: AbortSignal): Promise<Manifest | undefined> {
    const all = await this.listSnapshots(workspaceKey);
    const last = all[all.length - 1];
    return last ? this.readManifest(workspaceKey, last.snapshotId, signal) : undefined;
  }

  /** Delete a snapshot's manifest; false when an immutability policy still protects it. */
  async deleteManifest(workspaceKey: string, snapshotId: string): Promise<boolean> {
    try {
      await this.container.getBlobClient(manifestPath(workspaceKey, snapshotId)).deleteIfExists();
      return true;
    } catch (error) {
      if (isImmutable(error)) return false;
      throw storageError(error, `delete snapshot ${snapshotId}`, this.containerName);
    }
  }

  async workspaceKeys(): Promise<string[]> {
    const keys = new Set<string>();
    try {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix: 'workspaces/' })) {
        if (item.kind === 'prefix') keys.add(item.name.split('/')[1] as string);
      }
    } catch (error) {
      if ((error as StorageErrorLike).code === 'ContainerNotFound') return [];
      throw storageError(error, 'list workspaces', this.containerName);
    }
    return [...keys].sort();
  }

  // ---- small gzip-compressed JSON documents (checkpoints, run reports, failover state)

  /** Write a JSON document gzip-compressed; `action` names it in the error ("write the failover report"). */
  async writeJsonGz(path: string, value: unknown, action: string): Promise<void> {
    const body = await gzip(Buffer.from(stringifyJson(value), 'utf8'));
    try {
      await this.container
        .getBlockBlobClient(path)
        .uploadData(body, { blobHTTPHeaders: { blobContentType: 'application/json', blobContentEncoding: 'gzip' } });
    } catch (error) {
      throw storageError(error, action, this.containerName);
    }
  }

  /** Read a document writeJsonGz wrote; undefined when there is none. */
  async readJsonGz<T>(path: string, action: string): Promise<T | undefined> {
    let bytes: Buffer;
    try {
      bytes = await this.container.getBlobClient(path).downloadToBuffer();
    } catch (error) {
      if ((error as StorageErrorLike).statusCode === 404) return undefined;
      throw storageError(error, action, this.containerName);
    }
    return parseJson((await gunzip(bytes)).toString('utf8')) as T;
  }

  // ---- checkpoints

  async readCheckpoint(workspaceKey: string): Promise<Checkpoint | undefined> {
    try {
      const bytes = await this.container.getBlobClient(checkpointPath(workspaceKey)).downloadToBuffer();
      const cp = parseJson((await gunzip(bytes)).toString('utf8')) as Checkpoint & { cleared?: boolean };
      return cp.version === 1 && Array.isArray(cp.artifacts) && cp.cleared !== true ? cp : undefined;
    } catch (error) {
      if ((error as StorageErrorLike).statusCode === 404) return undefined;
      // An unreadable checkpoint only costs the reuse of its work.
      this.logger.warn('ignoring an unreadable checkpoint', { workspace: workspaceKey, error: (error as Error).message });
      return undefined;
    }
  }

  async writeCheckpoint(workspaceKey: string, checkpoint: Checkpoint): Promise<void> {
    await this.writeJsonGz(checkpointPath(workspaceKey), checkpoint, 'write the backup checkpoint');
  }

  async deleteCheckpoint(workspaceKey: string): Promise<void> {
    try {
      await this.container.getBlobClient(checkpointPath(workspaceKey)).deleteIfExists();
    } catch (error) {
      if (!isImmutable(error)) throw storageError(error, 'delete the backup checkpoint', this.containerName);
      // Under an immutability policy a young checkpoint cannot be deleted, but it can be
      // overwritten (a new version): mark it cleared, which reads as no checkpoint.
      const now = new Date().toISOString();
      await this.writeCheckpoint(workspaceKey, {
        version: 1,
        runId: 'cleared',
        startedAt: now,
        updatedAt: now,
        artifacts: [],
        cleared: true,
      } as Checkpoint);
    }
  }

  // ---- locks

  /** Take the workspace's lease; a LOCKED error when another run holds it. */
  async acquireLock(workspaceKey: string, purpose: string): Promise<Lock> {
    return Lock.acquire(this.container.getBlockBlobClient(lockPath(workspaceKey)), workspaceKey, purpose, this.logger, (error, action) =>
      storageError(error, action, this.containerName),
    );
  }
}

/**
 * Check a parsed manifest against ManifestSchema (types.ts) before anything trusts it:
 * its schema and version first (a newer version asks for an upgrade), then every
 * field, each problem named with its path.
 */
export function validateManifest(value: unknown, snapshotId: string): Manifest {
  const m = value as { schema?: unknown; version?: unknown } | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m) || m.schema !== MANIFEST_SCHEMA) {
    throw new DrError('SNAPSHOT_CORRUPT', `The manifest of ${snapshotId} is not a databricks-dr manifest.`);
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new DrError(
      'SNAPSHOT_CORRUPT',
      `The manifest of ${snapshotId} has version ${String(m.version)}; this databricks-dr reads version ${MANIFEST_VERSION}. ` +
        'Upgrade databricks-dr to read it.',
    );
  }
  const parsed = check(ManifestSchema, value);
  if (!parsed.ok) {
    throw new DrError(
      'SNAPSHOT_CORRUPT',
      `The manifest of ${snapshotId} is incomplete or damaged: ${joinProblems(parsed.problems)}. ` +
        'Use another snapshot (GET /api/snapshots lists them).',
    );
  }
  return parsed.data;
}
