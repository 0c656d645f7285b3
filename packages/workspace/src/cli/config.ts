/**
 * `workspace config set|unset|show`: connector config. Secret values go in, and never come back out.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { printJson, printTable, say, type GlobalArgs } from './output.js';
import { CliError } from '../errors.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

/** Parses `key=value` arguments (the value may contain `=`). @throws CliError exit 2 */
export function parseAssignments(pairs: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError('BAD_ARGUMENT', `"${pair}" is not key=value: write e.g. apiKey=sk-123`, { exitCode: 2 });
    values.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  if (values.size === 0) throw new CliError('BAD_ARGUMENT', 'give at least one key=value', { exitCode: 2 });
  return values;
}

/** Says where the new config went: to the instances online now, or to the next one to connect. */
function sayPushed(pushedTo: number): void {
  say(
    pushedTo > 0
      ? `Sent the new config to ${pushedTo} online instance(s).`
      : 'No instance is online: the config is sent when one connects.',
  );
}

async function set(args: GlobalArgs & { name: string; values: string[] }): Promise<void> {
  const values = parseAssignments(args.values);
  const client = new AdminClient(args);
  // Object.fromEntries defines own properties, so even a "__proto__" key stays a plain key.
  const answer = await client.request('PUT', `connectors/${encodeURIComponent(args.name)}/config`, {
    values: Object.fromEntries(values),
  });
  if (args.json) return printJson(answer);
  // Only the secret fields are encrypted (§5); plain ones are stored and sent as they are.
  const { fields } = await client.request<{ fields: Array<{ field: string; secret: boolean }> }>(
    'GET',
    `connectors/${encodeURIComponent(args.name)}/config`,
  );
  const secret = new Set(fields.filter((f) => f.secret).map((f) => f.field));
  const encrypted = (answer.updated as string[]).filter((f) => secret.has(f));
  const secrets =
    encrypted.length === 0
      ? ''
      : ` ${encrypted.join(', ')} ${encrypted.length === 1 ? 'is a secret' : 'are secrets'}: stored and sent encrypted.`;
  say(`Updated ${(answer.updated as string[]).join(', ')} of "${args.name}".${secrets}`);
  sayPushed(answer.pushedTo);
}

async function unset(args: GlobalArgs & { name: string; fields: string[] }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request('PUT', `connectors/${encodeURIComponent(args.name)}/config`, { unset: args.fields });
  if (args.json) return printJson(answer);
  say(`Removed ${(answer.unset as string[]).join(', ')} from the config of "${args.name}".`);
  sayPushed(answer.pushedTo);
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
        'unset <name> <fields..>',
        'remove config fields (the connector then runs without them)',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .positional('fields', { type: 'string', array: true, demandOption: true, describe: 'field names' }),
        (argv) => run(() => unset(argv as never), argv.json),
      )
      .command(
        'show <name>',
        'show config fields (secrets masked)',
        (b) => b.positional('name', { type: 'string', demandOption: true }),
        (argv) => run(() => show(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: set, unset or show'),
  );
}
