/**
 * `workspace logs <connector>`: the connector's calls (method, outcome, duration, the error),
 * their progress (§8 `progress`), its instances coming and going and its health changes, from the workspace's side, as they
 * happen (GET /api/v1/connectors/<name>/activity). Ctrl-C ends it; `--no-follow` prints the
 * recent ones and ends.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { say, type GlobalArgs } from './output.js';
import { CliError } from '../errors.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

/** The most recent events the workspace keeps per connector. */
const MAX_TAIL = 100;

/** An event as the admin API sends it (server/activity.ts). */
interface ActivityEvent {
  type: 'call' | 'progress' | 'instance' | 'health';
  at: string;
  method?: string;
  ok?: boolean;
  ms?: number;
  code?: string;
  message?: string;
  name?: string;
  online?: boolean;
  why?: string;
  error?: string | null;
  /** Present when the workspace traces (OpenTelemetry): the call's trace. */
  traceId?: string;
  /** `progress` events: the notice's members and how many arrived. */
  done?: number;
  total?: number;
  notices?: number;
  /** `call` events of calls that reported progress: the last of it. */
  progress?: { message?: string; done?: number; total?: number; notices: number };
}

/** `3/12 page 3` from a notice's members; empty when it had none. */
function describeProgress(progress: { message?: string | undefined; done?: number | undefined; total?: number | undefined }): string {
  const count =
    progress.done === undefined
      ? progress.total === undefined
        ? ''
        : `?/${progress.total}`
      : `${progress.done}${progress.total === undefined ? '' : `/${progress.total}`}`;
  return [count, progress.message ?? ''].filter((part) => part !== '').join(' ');
}

/** One event as a line a person reads: `12:03:04.512  call     hello.world  ok  12 ms`. */
export function describeActivity(event: ActivityEvent): string {
  const time = new Date(event.at);
  const clock = Number.isNaN(time.getTime())
    ? event.at
    : time.toTimeString().slice(0, 8) + `.${String(time.getMilliseconds()).padStart(3, '0')}`;
  switch (event.type) {
    case 'call': {
      const trace = event.traceId === undefined ? '' : `  (trace ${event.traceId})`;
      const last = event.progress === undefined ? '' : describeProgress(event.progress);
      const progress =
        event.progress === undefined ? '' : `  (${event.progress.notices} progress notices${last === '' ? '' : `, last: ${last}`})`;
      return event.ok
        ? `${clock}  call     ${event.method}  ok in ${event.ms} ms${progress}${trace}`
        : `${clock}  call     ${event.method}  FAILED in ${event.ms} ms: ${event.code}: ${event.message}${progress}${trace}`;
    }
    case 'progress': {
      const said = describeProgress(event);
      return `${clock}  progress ${event.method}  ${said === '' ? '(still working)' : said}  on ${event.name}`;
    }
    case 'instance':
      return `${clock}  ${event.online ? 'online ' : 'offline'}  ${event.name}${event.online || event.why === undefined ? '' : ` (${event.why})`}`;
    case 'health':
      return `${clock}  health   ${event.name}  ${event.ok ? 'ok' : `NOT OK: ${event.error ?? '(no reason given)'}`}`;
    default:
      return `${clock}  ${JSON.stringify(event)}`;
  }
}

async function logs(args: GlobalArgs & { name: string; tail: number; follow: boolean }): Promise<void> {
  if (!Number.isInteger(args.tail) || args.tail < 0 || args.tail > MAX_TAIL) {
    throw new CliError('BAD_ARGUMENT', `--tail must be a whole number from 0 to ${MAX_TAIL}, got ${args.tail}`, { exitCode: 2 });
  }
  const client = new AdminClient(args);
  const path = `connectors/${encodeURIComponent(args.name)}/activity?tail=${args.tail}`;
  const print = (event: ActivityEvent): void => say(args.json ? JSON.stringify(event) : describeActivity(event));
  if (!args.follow) {
    const { events } = await client.request<{ events: ActivityEvent[] }>('GET', `${path}&follow=false`);
    if (events.length === 0 && !args.json) say(`Nothing has happened to "${args.name}" since the workspace started.`);
    for (const event of events) print(event);
    return;
  }
  if (!args.json) say(`Following "${args.name}" (Ctrl-C ends):`);
  for await (const line of client.lines(path)) {
    if (line.trim() === '') continue; // the stream's keep-alive
    print(JSON.parse(line) as ActivityEvent);
  }
  throw new CliError('UNREACHABLE', `the workspace at ${client.url} ended the stream: has it stopped?`);
}

/** Adds `logs <name>`. */
export function logsCommand(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command(
    'logs <name>',
    "follow a connector's calls, instances and health as they happen",
    (b) =>
      b
        .positional('name', { type: 'string', demandOption: true, describe: 'the connector' })
        .option('tail', { type: 'number', default: 20, describe: `recent events to show first (0 to ${MAX_TAIL})` })
        .option('follow', {
          type: 'boolean',
          default: true,
          describe: 'keep printing new events (--no-follow: print the recent ones and end)',
        }),
    (argv) => run(() => logs(argv as never), argv.json),
  );
}
