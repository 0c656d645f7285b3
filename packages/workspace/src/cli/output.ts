/**
 * How the `workspace` command prints: plain lines for people, JSON with `--json`, and errors
 * with an exit code.
 */
import { CliError } from '../errors.js';

/** Options every command takes. */
export interface GlobalArgs {
  json: boolean;
  url: string;
  token?: string | undefined;
  data: string;
}

/** Writes one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Writes a value as indented JSON to stdout. */
export function printJson(value: unknown): void {
  say(JSON.stringify(value, null, 2));
}

/** Prints rows as columns padded to their widest cell. */
export function printTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  say(line(header));
  for (const row of rows) say(line(row));
}

/** "3m ago"-style age of an ISO time. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/**
 * Ends the process quietly, with status 0, when the reader of our output goes away
 * (`workspace connector show crm | head -3`), as Unix tools do. Node ignores SIGPIPE and would
 * instead crash on the stream's unhandled EPIPE error, printing a stack trace.
 */
export function exitQuietlyOnBrokenPipe(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(0);
    });
  }
}

/** Reports an error the way every command does and sets the exit code. */
export function reportError(error: unknown, json: boolean): void {
  const cli = error instanceof CliError ? error : new CliError('INTERNAL', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
  if (json) {
    const body: Record<string, unknown> = { code: cli.code, message: cli.message };
    if (cli.details !== undefined) body.details = cli.details;
    printJson({ error: body });
  } else {
    process.stderr.write(`error: ${cli.message}\n`);
  }
  process.exitCode = cli.exitCode;
}
