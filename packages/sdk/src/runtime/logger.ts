/**
 * The connector's logger: pino, JSON lines on stdout, with secret-looking paths redacted.
 */
import { pino, type Logger } from 'pino';

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

/** Creates the root logger. */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
