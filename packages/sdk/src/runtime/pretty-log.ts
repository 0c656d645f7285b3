/**
 * The human log format for development (`LOG_FORMAT=pretty`; the default on a terminal outside
 * production, and under `connector dev`): one line per record,
 *
 *   12:03:04.512 INFO  Hello world: connected to the workspace  features=["structured-errors"]
 *
 * with the error's stack below it. Production stays JSON lines (pino's own), which log
 * collectors parse. Records arrive here already redacted: this only lays them out.
 */
import { ConnectorError } from '../errors.js';

/** The log formats `LOG_FORMAT` names. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The format `LOG_FORMAT` asks for; when it is not set, pretty on a terminal unless NODE_ENV is
 * production, else JSON.
 * @throws ConnectorError `CONFIG_INVALID` when LOG_FORMAT names no format
 */
export function logFormatOf(env: Readonly<Record<string, string | undefined>>, stream: { isTTY?: boolean } = process.stdout): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === undefined || asked === '') return stream.isTTY === true && env.NODE_ENV !== 'production' ? 'pretty' : 'json';
  if ((LOG_FORMATS as readonly string[]).includes(asked)) return asked as LogFormat;
  throw new ConnectorError(
    'CONFIG_INVALID',
    `LOG_FORMAT=${JSON.stringify(env.LOG_FORMAT)} is not a log format: set it to ${LOG_FORMATS.join(' or ')}, or leave it unset`,
  );
}

const LEVELS: Record<number, [label: string, color: number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 34],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 35],
};
/** Fields the line itself shows (or that say nothing to a person reading it). */
const SHOWN = new Set(['level', 'time', 'name', 'msg', 'pid', 'hostname', 'err', 'v']);

/** Formats one pino JSON line; a line that is not JSON passes through as it is. */
export function formatRecord(line: string, colors: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const paint = (code: number, text: string): string => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  const [label, color] = LEVELS[record.level as number] ?? [String(record.level).toUpperCase().padEnd(5), 0];
  const time = typeof record.time === 'number' ? new Date(record.time) : new Date();
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${String(time.getMilliseconds()).padStart(3, '0')}`;
  const name = typeof record.name === 'string' ? `${paint(2, record.name)}: ` : '';
  const fields = Object.entries(record)
    .filter(([key]) => !SHOWN.has(key))
    .map(([key, value]) => `${paint(2, `${key}=`)}${typeof value === 'string' ? value : JSON.stringify(value)}`);
  let out = `${paint(2, clock)} ${paint(color, label)} ${name}${String(record.msg ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}\n`;
  const err = record.err as { stack?: unknown; message?: unknown } | undefined;
  if (err !== undefined && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message ?? '');
    out += `${stack
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
  }
  return out;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A pino destination that writes each record in the pretty format to `out`. */
export function prettyDestination(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  colors = out.isTTY === true,
): { write(line: string): void } {
  return { write: (line: string) => void out.write(formatRecord(line.trimEnd(), colors)) };
}
