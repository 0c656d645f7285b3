/**
 * `workspace task list|show`: tasks the connectors created.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { age, printJson, printTable, say, type GlobalArgs } from './output.js';
import { CliError } from '../errors.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

/** The most tasks the admin API lists at once (the store's cap). */
const MAX_LIMIT = 1000;

interface TaskView {
  id: string;
  /** Null for a webhook's task. */
  connector: string | null;
  name: string;
  status: string;
  data: unknown;
  created: string;
  updated: string;
}

async function list(args: GlobalArgs & { connector?: string | undefined; limit: number }): Promise<void> {
  if (!Number.isInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIMIT) {
    throw new CliError('BAD_ARGUMENT', `--limit must be a whole number from 1 to ${MAX_LIMIT}, got ${args.limit}`, { exitCode: 2 });
  }
  const client = new AdminClient(args);
  // One more than asked for tells whether there are more, for the hint below.
  const query = new URLSearchParams({ limit: String(Math.min(args.limit + 1, MAX_LIMIT)) });
  if (args.connector !== undefined) query.set('connector', args.connector);
  const answer = await client.request<{ tasks: TaskView[] }>('GET', `tasks?${query}`);
  const more = answer.tasks.length > args.limit;
  const tasks = answer.tasks.slice(0, args.limit);
  if (args.json) return printJson({ tasks, more });
  if (tasks.length === 0) {
    say(args.connector === undefined ? 'No tasks yet.' : `No tasks of "${args.connector}" yet.`);
    return;
  }
  printTable(
    ['ID', 'CONNECTOR', 'STATUS', 'CREATED', 'NAME'],
    tasks.map((t) => [t.id, t.connector ?? '(webhook)', t.status, age(t.created), t.name]),
  );
  if (more) {
    const next = Math.min(args.limit * 2, MAX_LIMIT);
    say(`(the newest ${args.limit}; there are more: add --limit ${next}${next === MAX_LIMIT ? ', the most the workspace lists' : ''})`);
  } else if (args.limit === MAX_LIMIT && tasks.length === MAX_LIMIT) {
    say(`(the newest ${MAX_LIMIT}, the most the workspace lists at once)`);
  }
}

async function show(args: GlobalArgs & { id: string }): Promise<void> {
  const client = new AdminClient(args);
  const { task } = await client.request<{ task: TaskView }>('GET', `tasks/${encodeURIComponent(args.id)}`);
  if (args.json) return printJson({ task });
  say(`${task.name} (${task.id})`);
  say(`${task.connector === null ? 'From a webhook' : `Connector: ${task.connector}`}   Status: ${task.status}`);
  say(`Created: ${task.created}   Updated: ${task.updated}`);
  say('Data:');
  say(JSON.stringify(task.data, null, 2));
}

/** Adds `task <list|show>`. */
export function taskCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('task', 'see tasks created by connectors and webhooks', (c) =>
    c
      .command(
        'list',
        'list tasks, newest first',
        (b) =>
          b
            .option('connector', { type: 'string', describe: 'only tasks of this connector' })
            .option('limit', { type: 'number', default: 50, describe: 'at most this many' }),
        (argv) => run(() => list(argv as never), argv.json),
      )
      .command(
        'show <id>',
        'show one task with its data',
        (b) => b.positional('id', { type: 'string', demandOption: true }),
        (argv) => run(() => show(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: list or show'),
  );
}
