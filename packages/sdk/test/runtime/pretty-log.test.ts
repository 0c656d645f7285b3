import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import { createLogger } from '../../src/runtime/logger.js';
import { formatRecord, logFormatOf } from '../../src/runtime/pretty-log.js';

/** A logger in the pretty format whose output is kept. */
function pretty(colors = false): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const chunks: string[] = [];
  const destination = { write: (s: string) => void chunks.push(s), isTTY: colors } as unknown as NodeJS.WritableStream;
  return { logger: createLogger({ name: 'Hello world', format: 'pretty', destination, level: 'debug' }), text: () => chunks.join('') };
}

describe('the pretty log format', () => {
  it('writes one line per record: time, level, name, message, then the other fields, redacted', () => {
    const { logger, text } = pretty();
    logger.info({ features: ['structured-errors'], apiKey: 'SECRET-1', attempt: 3 }, 'connected to the workspace');
    logger.warn('nothing received for 25000 ms');
    const [first, second, rest] = text().split('\n');
    expect(first).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO  Hello world: connected to the workspace {2}features=\["structured-errors"\] apiKey=\[redacted\] attempt=3$/,
    );
    expect(second).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  Hello world: nothing received for 25000 ms$/);
    expect(rest).toBe('');
    expect(text()).not.toContain('SECRET-1');
  });

  it("shows an error's stack under its line", () => {
    const { logger, text } = pretty();
    logger.error({ err: new Error('boom') }, 'the call failed');
    const lines = text().split('\n');
    expect(lines[0]).toMatch(/ERROR Hello world: the call failed$/);
    expect(lines[1]).toBe('    Error: boom');
    expect(lines[2]).toMatch(/^ {4}\s*at /);
  });

  it('colours the level on a terminal only', () => {
    const { logger, text } = pretty(true);
    logger.info('hi');
    expect(text()).toContain('\u001b[32mINFO \u001b[0m');
    expect(pretty(false).text()).not.toContain('\u001b[');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatRecord('plain text', false)).toBe('plain text\n');
  });
});

describe('logFormatOf (LOG_FORMAT)', () => {
  it('is pretty on a terminal outside production, JSON otherwise, and what LOG_FORMAT says when set', () => {
    expect(logFormatOf({}, { isTTY: true })).toBe('pretty');
    expect(logFormatOf({ NODE_ENV: 'production' }, { isTTY: true })).toBe('json');
    expect(logFormatOf({}, { isTTY: false })).toBe('json');
    expect(logFormatOf({ LOG_FORMAT: 'Pretty' }, { isTTY: false })).toBe('pretty');
    expect(logFormatOf({ LOG_FORMAT: 'json' }, { isTTY: true })).toBe('json');
  });

  it('refuses a format it does not know, saying which ones it has', () => {
    const error = (() => {
      try {
        return logFormatOf({ LOG_FORMAT: 'yaml' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'LOG_FORMAT="yaml" is not a log format: set it to json or pretty, or leave it unset',
    });
  });
});
