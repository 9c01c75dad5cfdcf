/** Low-level output helpers: the CLI's logger on stderr, byte and duration formats, JSON on stdout. */
import { type LogFields, type Logger, type LogLevel, redactingLogger } from '../log/logger.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A JSON.stringify replacer that writes bigints as strings. */
const bigintAsString = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/**
 * The CLI's logger: lines on stderr (stdout carries only results, so `--json`
 * output stays parseable), JSON lines when `json` is set, tokens redacted.
 */
export function cliLogger(level: LogLevel, json: boolean, quiet = false): Logger {
  return redactingLogger((lineLevel: LogLevel, message: string, fields: LogFields) => {
    if (ORDER[lineLevel] < ORDER[quiet && lineLevel !== 'error' ? 'warn' : level]) return;
    if (json) {
      process.stderr.write(`${JSON.stringify({ level: lineLevel, time: new Date().toISOString(), message, ...fields }, bigintAsString)}\n`);
      return;
    }
    const extra = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`)
      .join(' ');
    process.stderr.write(`${lineLevel === 'info' ? '' : `${lineLevel.toUpperCase()}: `}${message}${extra ? `  ${extra}` : ''}\n`);
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`);
}
