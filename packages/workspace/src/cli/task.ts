/**
 * `workspace task list|show`: tasks the connectors created.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { age, printJson, printTable, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

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
  const client = new AdminClient(args);
  const query = new URLSearchParams({ limit: String(args.limit) });
  if (args.connector !== undefined) query.set('connector', args.connector);
  const { tasks } = await client.request<{ tasks: TaskView[] }>('GET', `tasks?${query}`);
  if (args.json) return printJson({ tasks });
  if (tasks.length === 0) {
    say(args.connector === undefined ? 'No tasks yet.' : `No tasks of "${args.connector}" yet.`);
    return;
  }
  printTable(
    ['ID', 'CONNECTOR', 'STATUS', 'CREATED', 'NAME'],
    tasks.map((t) => [t.id, t.connector ?? '(webhook)', t.status, age(t.created), t.name]),
  );
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
