/**
 * `workspace config set|show`: connector config. Secret values go in, and never come back out.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { CliError, printJson, printTable, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

/** Parses `key=value` arguments (the value may contain `=`). @throws CliError exit 2 */
export function parseAssignments(pairs: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`"${pair}" is not key=value: write e.g. apiKey=sk-123`, 2, 'BAD_ARGUMENT');
    values.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  if (values.size === 0) throw new CliError('give at least one key=value', 2, 'BAD_ARGUMENT');
  return values;
}

async function set(args: GlobalArgs & { name: string; values: string[] }): Promise<void> {
  const values = parseAssignments(args.values);
  const client = new AdminClient(args);
  // Object.fromEntries defines own properties, so even a "__proto__" key stays a plain key.
  const answer = await client.request('PUT', `connectors/${encodeURIComponent(args.name)}/config`, {
    values: Object.fromEntries(values),
  });
  if (args.json) return printJson(answer);
  say(`Updated ${answer.updated.join(', ')} of "${args.name}" (secrets are stored encrypted).`);
  say(
    answer.pushedTo > 0
      ? `Sent the new config to ${answer.pushedTo} online instance(s).`
      : 'No instance is online: the config is sent when one connects.',
  );
}

async function show(args: GlobalArgs & { name: string }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('GET', `connectors/${encodeURIComponent(args.name)}/config`);
  if (args.json) return printJson(answer);
  const fields = answer.fields as Array<{ field: string; type?: string; secret: boolean; set: boolean; value?: unknown }>;
  if (fields.length === 0) {
    say(`"${args.name}" has no config fields (or has not registered yet).`);
    return;
  }
  printTable(
    ['FIELD', 'TYPE', 'KIND', 'VALUE'],
    fields.map((f) => [f.field, f.type ?? '', f.secret ? 'secret' : 'plain', f.set ? String(f.value) : '(not set)']),
  );
}

/** Adds `config <set|show>`. */
export function configCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('config', "set and show a connector's config", (c) =>
    c
      .command(
        'set <name> <values..>',
        'set config fields: key=value … (secrets are encrypted to the connector)',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .positional('values', { type: 'string', array: true, demandOption: true, describe: 'key=value pairs' }),
        (argv) => run(() => set(argv as never), argv.json),
      )
      .command(
        'show <name>',
        'show config fields (secrets masked)',
        (b) => b.positional('name', { type: 'string', demandOption: true }),
        (argv) => run(() => show(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: set or show'),
  );
}
