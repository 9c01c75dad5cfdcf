import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvocationContext, type Timer } from '@azure/functions';

import { runScheduledBackup } from '../../shared/backup/scheduled.js';
import { nullLogger } from '../../shared/log/logger.js';
import { generateSampleWorkspace, SAMPLE_SIZES } from '../emulator/generator/sampleWorkspace.js';
import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { testConnectionString } from '../support/storage.js';
import { BlobServiceClient } from '@azure/storage-blob';

const { backupTimer, backupTimerOptions } = await import('../../functions/backupTimer.js');
const { getServices, resetServices } = await import('../../functions/_services.js');

let emu: EmulatorHandle;
const saved = { ...process.env };
const emptyConfig = join(mkdtempSync(join(tmpdir(), 'dr-')), 'databrickscfg');
writeFileSync(emptyConfig, '');

function useEnv(extra: Record<string, string> = {}): string {
  const container = `timer-${Math.random().toString(16).slice(2, 10)}`;
  process.env = {
    ...saved,
    DATABRICKS_CONFIG_FILE: emptyConfig,
    DR_WORKSPACE_PRIMARY_HOST: emu.url,
    DR_WORKSPACE_PRIMARY_TOKEN: 'dapi-timer',
    DR_STORAGE_CONNECTION_STRING: testConnectionString(),
    DR_CONTAINER: container,
    ...extra,
  };
  void resetServices();
  return container;
}

function context(): { ctx: InvocationContext; lines: Array<{ level: string; text: string }> } {
  const lines: Array<{ level: string; text: string }> = [];
  const ctx = new InvocationContext({
    functionName: 'backupTimer',
    logHandler: (level, ...args) => lines.push({ level, text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') }),
  });
  return { ctx, lines };
}

const timer = (isPastDue = false): Timer => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '2026-11-26T00:00:00Z', next: '2026-11-26T00:15:00Z', lastUpdated: '2026-11-26T00:00:00Z' },
});

beforeAll(async () => {
  emu = await startEmulator({
    fixture: generateSampleWorkspace({ seed: 3, ...SAMPLE_SIZES.tiny }),
    seed: 3,
    latency: { fixedMs: 3, jitterMs: 2 },
  });
});
afterAll(async () => {
  process.env = saved;
  await emu.stop();
});

test('registers on the app-setting schedule with the schedule monitor', () => {
  expect(backupTimerOptions).toEqual({ schedule: '%DR_BACKUP_SCHEDULE%', useMonitor: true, runOnStartup: false });
});

test('a tick takes an incremental backup and logs a summary; a past-due tick says so and still runs', async () => {
  const container = useEnv();
  const first = context();
  await backupTimer(timer(), first.ctx);
  expect(first.lines.some((l) => l.level === 'information' && /Backup \d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4} committed/.test(l.text))).toBe(true);
  const late = context();
  await backupTimer(timer(true), late.ctx);
  expect(late.lines.some((l) => l.level === 'warning' && l.text.includes('past due'))).toBe(true);
  expect(late.lines.some((l) => l.text.includes('"exported"'))).toBe(true);
  const blobs = [];
  for await (const b of BlobServiceClient.fromConnectionString(testConnectionString())
    .getContainerClient(container)
    .listBlobsFlat({ prefix: 'workspaces/' }))
    blobs.push(b.name);
  expect(blobs.filter((n) => n.endsWith('.json.gz') && n.includes('/snapshots/'))).toHaveLength(2);
  expect(late.lines.map((l) => l.text).join('\n')).not.toContain('dapi-timer');
});

test('a tick that finds the previous backup still running is skipped, not overlapped', async () => {
  useEnv();
  const a = context();
  const b = context();
  const first = backupTimer(timer(), a.ctx);
  await new Promise((r) => setTimeout(r, 150));
  await backupTimer(timer(), b.ctx);
  await first;
  expect(b.lines.some((l) => l.level === 'warning' && l.text.startsWith('Backup skipped'))).toBe(true);
  expect(a.lines.some((l) => l.text.includes('committed'))).toBe(true);
});

test('a run that reaches its time budget is partial and the next one completes', async () => {
  useEnv();
  const services = getServices();
  const partial = await runScheduledBackup(services, nullLogger, { deadline: Date.now() + 50 });
  expect(partial.status).toBe('partial');
  const done = await runScheduledBackup(services, nullLogger);
  expect(done.status).toBe('committed');
});

test('invalid configuration fails the invocation with every problem and its fix', async () => {
  useEnv({ DR_CONTAINER: 'Bad_Name', DR_RETENTION_COUNT: 'many' });
  await expect(backupTimer(timer(), context().ctx)).rejects.toThrow(/2 problems[\s\S]*DR_CONTAINER[\s\S]*Fix:[\s\S]*DR_RETENTION_COUNT/);
});
