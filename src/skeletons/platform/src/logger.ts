import pino from 'pino';
import { currentTenant } from './tenant-context';

/** The logging surface the platform needs; a pino logger satisfies it, and so does a small test fake. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  service: string;
  /** A pino level (`info` by default); an unknown one throws at creation. */
  level?: string;
  /** Field names to censor at the top level and one level deep, e.g. `['email', 'phone']`. */
  redact?: readonly string[];
  /** Where to write JSON lines; stdout when omitted. Never a pino transport: bundles lack its worker file and hang. */
  destination?: pino.DestinationStream;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Turns field names into pino redaction paths: `email` and `*.email`. */
export function redactPaths(fields: readonly string[]): string[] {
  return fields.flatMap((f) => {
    const key = IDENTIFIER.test(f) ? f : `[${JSON.stringify(f)}]`;
    return IDENTIFIER.test(f) ? [key, `*.${key}`] : [key, `*${key}`];
  });
}

/**
 * Creates a JSON pino logger whose every line carries `service` (and `tenant`, when written for a tenant's work) and
 * never the redacted fields.
 */
export function createLogger(options: LoggerOptions): pino.Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      mixin: () => {
        const tenant = currentTenant();
        return tenant === undefined ? {} : { tenant };
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(options.redact ?? []), censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
