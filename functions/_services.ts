import type { InvocationContext } from '@azure/functions';

import { loadConfig } from '../shared/config/config.js';
import { type LogFields, type Logger, redactingLogger } from '../shared/log/logger.js';
import { buildServices, type Services } from '../shared/services.js';

let services: Services | undefined;

/**
 * The composition root of the function app: configuration is read and validated
 * once per worker (a ConfigError fails the first invocation with every problem
 * listed), and the storage client is reused across invocations.
 */
export function getServices(): Services {
  if (!services) {
    const config = loadConfig(process.env);
    services = buildServices(config, redactingLogger((level, message, fields) => console[level === 'debug' ? 'debug' : level](message, fields)));
  }
  return services;
}

/** For tests: forget the services so the next call reads the environment again. */
export function resetServices(): void {
  services = undefined;
}

/** The core's Logger on top of an invocation, so lines stay tied to it in Application Insights. */
export function invocationLogger(context: InvocationContext): Logger {
  return redactingLogger((level, message, fields: LogFields) => {
    const args = Object.keys(fields).length > 0 ? [message, fields] : [message];
    if (level === 'debug') context.debug(...args);
    else if (level === 'info') context.info(...args);
    else if (level === 'warn') context.warn(...args);
    else context.error(...args);
  });
}
