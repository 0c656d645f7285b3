/**
 * The connector's logger: pino, JSON lines on stdout, with secret-looking paths redacted and,
 * given the runtime's scrubber, the known secret values replaced in every line.
 */
import { pino, type Logger } from 'pino';
import { prettyDestination, type LogFormat } from './pretty-log.js';
import type { SecretScrubber } from './scrub.js';

/** Paths whose values never reach a log line, whatever a handler passes. */
export const REDACT_PATHS = [
  'config',
  'secrets',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level. @default 'info' */
  level?: string;
  /** The logger's name, on every record. @default none */
  name?: string;
  /** Where records go. @default process.stdout */
  destination?: NodeJS.WritableStream;
  /** JSON lines, or one human line per record (runtime/pretty-log.ts). @default 'json' */
  format?: LogFormat;
  /** Replaces the known secret values in every line before it is written (the runtime's scrubber). @default none */
  scrubber?: SecretScrubber;
}

/** Creates the root logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stdout;
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      ...(options.scrubber === undefined ? {} : { hooks: { streamWrite: (line: string) => options.scrubber!.scrub(line) } }),
    },
    (options.format === 'pretty' ? prettyDestination(destination) : destination) as pino.DestinationStream,
  );
}
