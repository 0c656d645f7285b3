/**
 * Loggers for tests: silent, or capturing pino's JSON lines in memory so a test can search them.
 */
import { pino, type Logger } from 'pino';
import { createLogger } from '../../src/runtime/logger.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A logger at `trace` level (the SDK's own redaction config) writing to a buffer. */
export function captureLogger(): { logger: Logger; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  // pino calls write() synchronously with each line: a plain object keeps the capture synchronous.
  const destination = { write: (line: string) => void chunks.push(line) } as unknown as NodeJS.WritableStream;
  const logger = createLogger({ level: 'trace', destination });
  const text = (): string => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
