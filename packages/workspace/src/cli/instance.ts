/**
 * `workspace instance list|revoke`: registered connector processes (§1 instance), across
 * connectors, and shutting one out (issue 13 finding 1).
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { instanceState, type RegisteredInstanceView } from './connector.js';
import { age, printJson, printTable, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

async function list(args: GlobalArgs & { connector?: string | undefined; offline: boolean }): Promise<void> {
  const client = new AdminClient(args);
  const names =
    args.connector !== undefined
      ? [args.connector]
      : (await client.request<{ connectors: Array<{ name: string }> }>('GET', 'connectors')).connectors.map((c) => c.name);
  const rows: Array<RegisteredInstanceView & { connector: string }> = [];
  for (const name of names) {
    const answer = await client.request<{ instances: RegisteredInstanceView[] }>('GET', `connectors/${encodeURIComponent(name)}/instances`);
    for (const instance of answer.instances) if (!args.offline || !instance.online) rows.push({ ...instance, connector: name });
  }
  if (args.json) return printJson({ instances: rows });
  if (rows.length === 0) {
    say(args.offline ? 'No offline instances.' : 'No registered instances yet.');
    return;
  }
  printTable(
    ['CONNECTOR', 'ID', 'NAME', 'VERSION', 'STATE', 'REGISTERED', 'LAST SEEN'],
    rows.map((i) => [
      i.connector,
      i.id,
      i.name,
      i.version,
      instanceState(i),
      age(i.registered),
      i.online ? 'now' : i.lastSeen === null ? 'never connected' : age(i.lastSeen),
    ]),
  );
}

async function revoke(args: GlobalArgs & { connector: string; id: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request(
    'POST',
    `connectors/${encodeURIComponent(args.connector)}/instances/${encodeURIComponent(args.id)}/revoke`,
  );
  if (args.json) return printJson(answer);
  say(
    `Revoked instance ${args.id} of "${args.connector}"${answer.disconnected ? ' and closed its socket' : ''}: its key opens nothing from now on.`,
  );
  if (answer.tokenRevoked) say(`The registration token it registered with (${answer.token}) is revoked too.`);
}

/** Adds `instance <list|revoke>`. */
export function instanceCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('instance', 'see and revoke registered connector instances', (c) =>
    c
      .command(
        'list [connector]',
        'list registered instances (of one connector, or all), with state and when each was last seen',
        (b) =>
          b
            .positional('connector', { type: 'string', describe: 'only this connector' })
            .option('offline', { type: 'boolean', default: false, describe: 'only the instances that are not connected' }),
        (argv) => run(() => list(argv as never), argv.json),
      )
      .command(
        'revoke <connector> <id>',
        'shut an instance out: its socket closes (1008), its key and the token it registered with stop working',
        (b) => b.positional('connector', { type: 'string', demandOption: true }).positional('id', { type: 'string', demandOption: true }),
        (argv) => run(() => revoke(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: list or revoke'),
  );
}
