import { redact } from '../errors/redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured fields; standard ones are runId, kind, objectId, phase, attempt. */
export type LogFields = Record<string, unknown>;

/**
 * The core logs through this interface only; adapters (the Functions invocation
 * context, the CLI's console) decide where lines go. Never log request bodies or
 * secrets; `redacting()` scrubs tokens from whatever still slips through.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const nullLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Wrap a sink so every message and field value is redacted first. */
export function redactingLogger(sink: (level: LogLevel, message: string, fields: LogFields) => void): Logger {
  const emit =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      const clean: LogFields = {};
      for (const [k, v] of Object.entries(fields)) {
        clean[k] = typeof v === 'string' ? redact(v) : v instanceof Error ? redact(v.message) : v;
      }
      sink(level, redact(message), clean);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
