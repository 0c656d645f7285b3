/**
 * `workspace oauth connect <name> [--open]`: prints (and opens) the URL where a person connects
 * the connector's account (protocol.md §6).
 */
import { spawn } from 'node:child_process';
import type { Argv } from 'yargs';
import { AdminClient } from './client.js';
import { printJson, say, type GlobalArgs } from './output.js';

type Run = (fn: () => Promise<void>, json: boolean) => Promise<void>;

/** The command that opens a URL in the default browser on this platform. */
function opener(): { command: string; args: string[] } {
  if (process.platform === 'darwin') return { command: 'open', args: [] };
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/** Opens `url` in a browser; resolves false when no opener could be started. */
function openInBrowser(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const { command, args } = opener();
    try {
      const child = spawn(command, [...args, url], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

async function connect(args: GlobalArgs & { name: string; open: boolean }): Promise<void> {
  const client = new AdminClient(args);
  const answer = await client.request<{ url: string; redirectUri: string; expires: string }>(
    'POST',
    `connectors/${encodeURIComponent(args.name)}/oauth`,
  );
  if (args.json) return printJson(answer);
  say(`Open this URL in a browser to connect "${args.name}" (valid once, until ${answer.expires}):`);
  say(`  ${answer.url}`);
  say();
  say(`The provider must accept the redirect URI ${answer.redirectUri}.`);
  if (args.open && !(await openInBrowser(answer.url))) say(`Could not start ${opener().command}: open the URL yourself.`);
}

/** Adds `oauth connect`. */
export function oauthCommands(y: Argv<GlobalArgs>, run: Run): Argv<GlobalArgs> {
  return y.command('oauth', "connect a connector's account with OAuth", (c) =>
    c
      .command(
        'connect <name>',
        'print the URL that connects the account (and open it with --open)',
        (b) =>
          b
            .positional('name', { type: 'string', demandOption: true })
            .option('open', { type: 'boolean', default: false, describe: 'open the URL in the default browser' }),
        (argv) => run(() => connect(argv as never), argv.json),
      )
      .demandCommand(1, 'pick a subcommand: connect'),
  );
}
