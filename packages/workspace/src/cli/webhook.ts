/**
 * `workspace webhook add|list|rm`: workspace webhooks (protocol.md §7). Each message posted to a
 * webhook's URL becomes a task.
 */
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { age, printJson, printTable, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

interface WebhookView {
  id: string;
  name: string;
  signed: boolean;
  url: string;
  connector?: string;
  created: string;
}

async function add(
  args: GlobalArgs & { name: string; secret?: string | undefined; unsigned?: boolean | undefined; connector?: string | undefined },
): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request<{ webhook: WebhookView; secret?: string }>('POST', 'webhooks', {
    name: args.name,
    ...(args.unsigned === true ? { signed: false } : {}),
    ...(args.secret === undefined ? {} : { secret: args.secret }),
    ...(args.connector === undefined ? {} : { connector: args.connector }),
  });
  if (args.json) return printJson(answer);
  if (answer.webhook.connector !== undefined) {
    say(
      `Added webhook "${answer.webhook.name}"; connector "${answer.webhook.connector}" subscribed its provider to it. Its events become tasks:`,
    );
    say(`  ${answer.webhook.url}`);
    return;
  }
  say(`Added webhook "${answer.webhook.name}". Messages posted to this URL become tasks:`);
  say(`  ${answer.webhook.url}`);
  if (answer.secret !== undefined && args.secret === undefined) {
    say();
    say('Signing secret (Standard Webhooks; shown only now, give it to the sender):');
    say(`  ${answer.secret}`);
  } else if (answer.secret === undefined) {
    say();
    say('Unsigned: anyone who knows the URL can post to it.');
  }
}

async function list(args: GlobalArgs): Promise<void> {
  const { webhooks } = await new AdminClient(args).request<{ webhooks: WebhookView[] }>('GET', 'webhooks');
  if (args.json) return printJson({ webhooks });
  if (webhooks.length === 0) return say("No webhooks yet: add one with 'workspace webhook add <name>'.");
  printTable(
    ['NAME', 'SIGNED', 'CREATED', 'URL'],
    webhooks.map((w) => [w.name, w.signed ? 'yes' : 'no', age(w.created), w.url]),
  );
}

async function remove(args: GlobalArgs & { name: string; force?: boolean | undefined }): Promise<void> {
  const answer = await new AdminClient(args).request<{ deleted: string; name: string; unsubscribed?: boolean }>(
    'DELETE',
    `webhooks/${encodeURIComponent(args.name)}${args.force === true ? '?force=true' : ''}`,
  );
  if (args.json) return printJson(answer);
  say(`Removed webhook "${answer.name}"; its URL now answers 404.`);
  if (answer.unsubscribed === true) say('Its connector ended the subscription at the provider.');
  if (answer.unsubscribed === false) say('Its connector could not end the subscription at the provider: end it there yourself.');
}

/** Adds `webhook <add|list|rm>`. */
export function webhookCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('webhook', 'webhooks whose messages become tasks', (c) =>
    c
      .command(
        'add <name>',
        'add a webhook and print its URL (and signing secret)',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .option('secret', { type: 'string', describe: 'the whsec_… secret the sender signs with (default: a new one)' })
            // No `default: false`: yargs counts an option with a default as given, so
            // `conflicts` would reject every --secret (the flag is simply absent when not set).
            .option('unsigned', {
              type: 'boolean',
              describe: 'take messages without signatures (the URL is the only credential)',
            })
            .option('connector', {
              type: 'string',
              describe: "a connector that subscribes its provider to the webhook (its code's webhooks.subscribe)",
            })
            .conflicts('secret', 'unsigned'),
        (argv) => run(() => add(argv as never), argv.json),
      )
      .command(
        'list',
        'list webhooks',
        (b) => b,
        (argv) => run(() => list(argv as never), argv.json),
      )
      .command(
        'rm <name>',
        'remove a webhook (by name or id)',
        (b) =>
          b.positional('name', { type: 'string', demandOption: true }).option('force', {
            type: 'boolean',
            describe: "remove it even when its connector cannot end the provider's subscription",
          }),
        (argv) => run(() => remove(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: add, list or rm'),
  );
}
