/**
 * Start one emulated Azure Databricks workspace from a shell:
 *
 *     npm run emulator -- --port 8080 [--preset realistic] [--sample small]
 *
 * It prints `Databricks emulator listening on http://127.0.0.1:<port>` when ready and
 * serves until killed. Run it with `--help` for every option.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { generateSampleWorkspace, SAMPLE_SIZES, type SampleSize } from './generator/sampleWorkspace.js';
import { type EmulatorOptions, RATE_LIMITED_FAMILIES, type RateLimitedFamily, type RateLimitOptions } from './options.js';
import { startEmulator } from './server.js';
import type { WorkspaceFixture } from './state/fixture.js';

const HELP = `Usage: npm run emulator -- [options]

  --port <n>              Port to listen on (default: a free port)
  --host <addr>           Address to bind (default 127.0.0.1)
  --token <t>             Accept only this bearer token (default: any token starting with "dapi")
  --admin-user <email>    The user personal access tokens act as (default admin@example.com)
  --seed <n>              Seed for ids, jitter and injected faults (default 1)
  --preset <name>         "realistic": documented Azure rate limits and ~50 ms latency
  --latency-ms <n>        Fixed latency added to every request
  --jitter-ms <n>         Random extra latency in [0, n]
  --rate <family=rps>     Rate limit for an endpoint family (repeatable); families:
                          ${RATE_LIMITED_FAMILIES.join(', ')}
  --default-rate <rps>    Rate limit for every other GET endpoint (one bucket each)
  --default-write-rate <rps>  Rate limit for every other non-GET endpoint
  --no-retry-after        Send 429 answers without a Retry-After header
  --error-500 <fraction>  Fraction of requests answered with 500
  --error-503 <fraction>  Fraction of requests answered with 503 (half of them the gateway HTML page)
  --drop <fraction>       Fraction of connections dropped without an answer
  --lost-responses <fraction>
                          Fraction of writes carried out whose answer is lost
  --int64-ids <mode>      "realistic" (default) or "beyond-2^53"
  --cluster-start-ms <n>  Time a cluster spends PENDING (default 2000)
  --fixture <file.json>   Load a workspace fixture (the format of GET /__emulator/state)
  --sample <size>         Load a generated sample workspace: ${Object.keys(SAMPLE_SIZES).join(', ')}
  --security              With --sample: also IP access lists (enforced, loopback allowed),
                          workspace settings and a token-usage grant
  --help                  Show this help
`;

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${flag} expects a number, got "${value}".`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'admin-user': { type: 'string' },
      seed: { type: 'string' },
      preset: { type: 'string' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      rate: { type: 'string', multiple: true },
      'default-rate': { type: 'string' },
      'default-write-rate': { type: 'string' },
      'no-retry-after': { type: 'boolean' },
      'error-500': { type: 'string' },
      'error-503': { type: 'string' },
      drop: { type: 'string' },
      'lost-responses': { type: 'string' },
      'int64-ids': { type: 'string' },
      'cluster-start-ms': { type: 'string' },
      fixture: { type: 'string' },
      sample: { type: 'string' },
      security: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const options: EmulatorOptions = {};
  const port = number(values.port, '--port');
  if (port !== undefined) options.port = port;
  if (values.host) options.host = values.host;
  if (values.token) options.token = values.token;
  if (values['admin-user']) options.adminUser = values['admin-user'];
  const seed = number(values.seed, '--seed');
  if (seed !== undefined) options.seed = seed;
  if (values.preset !== undefined) {
    if (values.preset !== 'realistic' && values.preset !== 'none')
      throw new Error(`--preset must be "realistic" or "none", got "${values.preset}".`);
    options.preset = values.preset;
  }
  const latency = number(values['latency-ms'], '--latency-ms');
  const jitter = number(values['jitter-ms'], '--jitter-ms');
  if (latency !== undefined || jitter !== undefined) options.latency = { fixedMs: latency ?? 0, jitterMs: jitter ?? 0 };
  if (values.rate || values['default-rate'] || values['default-write-rate'] || values['no-retry-after']) {
    const limits: RateLimitOptions = { families: {} };
    for (const entry of values.rate ?? []) {
      const [family, rps] = entry.split('=');
      if (!(RATE_LIMITED_FAMILIES as readonly string[]).includes(family ?? '')) {
        throw new Error(`--rate: unknown family "${family}". Known: ${RATE_LIMITED_FAMILIES.join(', ')}.`);
      }
      (limits.families as Record<RateLimitedFamily, number>)[family as RateLimitedFamily] = number(rps, '--rate') ?? 0;
    }
    const def = number(values['default-rate'], '--default-rate');
    if (def !== undefined) limits.default = def;
    const defWrite = number(values['default-write-rate'], '--default-write-rate');
    if (defWrite !== undefined) limits.defaultWrite = defWrite;
    if (values['no-retry-after']) limits.retryAfter = false;
    options.rateLimits = limits;
  }
  const e500 = number(values['error-500'], '--error-500');
  const e503 = number(values['error-503'], '--error-503');
  if (e500 !== undefined || e503 !== undefined) options.errors = { rate500: e500 ?? 0, rate503: e503 ?? 0 };
  const drop = number(values.drop, '--drop');
  if (drop !== undefined) options.dropRate = drop;
  const lost = number(values['lost-responses'], '--lost-responses');
  if (lost !== undefined) options.lostResponseRate = lost;
  if (values['int64-ids'] !== undefined) {
    if (values['int64-ids'] !== 'realistic' && values['int64-ids'] !== 'beyond-2^53')
      throw new Error('--int64-ids must be "realistic" or "beyond-2^53".');
    options.int64Ids = values['int64-ids'];
  }
  const startMs = number(values['cluster-start-ms'], '--cluster-start-ms');
  if (startMs !== undefined) options.clusterStartMs = startMs;
  if (values.fixture) options.fixture = JSON.parse(readFileSync(values.fixture, 'utf8')) as WorkspaceFixture;
  if (values.sample) {
    if (!Object.hasOwn(SAMPLE_SIZES, values.sample)) {
      throw new Error(`--sample must be one of ${Object.keys(SAMPLE_SIZES).join(', ')}, got "${values.sample}".`);
    }
    options.fixture = generateSampleWorkspace({
      seed: seed ?? 1,
      ...SAMPLE_SIZES[values.sample as SampleSize],
      security: values.security === true,
    });
  } else if (values.security) {
    throw new Error('--security needs --sample.');
  }

  const emulator = await startEmulator(options);
  process.stdout.write(`Databricks emulator listening on ${emulator.url}\n`);
  const shutdown = (): void => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator: ${(error as Error).message}\n`);
  process.exit(2);
});
