/**
 * The `workspace` command: `serve` runs a workspace; every other command talks to a running
 * one through its admin API. Never imported by the library.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { callCommand } from './call.js';
import { configCommands } from './config.js';
import { connectorCommands } from './connector.js';
import { defaultDataDir, defaultUrl } from './defaults.js';
import { instanceCommands } from './instance.js';
import { logsCommand } from './logs.js';
import { oauthCommands } from './oauth.js';
import { exitQuietlyOnBrokenPipe, reportError, type GlobalArgs } from './output.js';
import { serveCommand } from './serve.js';
import { taskCommands } from './task.js';
import { webhookCommands } from './webhook.js';

/** Runs a command body; any failure is printed and sets the exit code. */
async function run(fn: () => Promise<void>, json: boolean): Promise<void> {
  try {
    await fn();
  } catch (error) {
    reportError(error, json);
  }
}

exitQuietlyOnBrokenPipe();

let cli = yargs(hideBin(process.argv))
  .scriptName('workspace')
  .usage('$0 <command>')
  .option('json', { type: 'boolean', default: false, global: true, describe: 'print JSON' })
  .option('url', {
    type: 'string',
    default: defaultUrl(),
    global: true,
    describe: 'workspace URL (env WORKSPACE_URL)',
  })
  .option('token', { type: 'string', global: true, describe: 'admin token (env WORKSPACE_TOKEN; default: <data>/admin-token)' })
  .option('data', {
    type: 'string',
    default: defaultDataDir(),
    global: true,
    describe: 'data folder (env WORKSPACE_DATA)',
  }) as unknown as Argv<GlobalArgs>;

cli = serveCommand(cli, run);
cli = connectorCommands(cli, run);
cli = instanceCommands(cli, run);
cli = configCommands(cli, run);
cli = callCommand(cli, run);
cli = taskCommands(cli, run);
cli = logsCommand(cli, run);
cli = oauthCommands(cli, run);
cli = webhookCommands(cli, run);

await cli
  .demandCommand(1, 'pick a command: serve, connector, instance, config, call, task, logs, oauth or webhook')
  .recommendCommands()
  .strict()
  .help()
  // Every usage error exits 2 (as CliError BAD_ARGUMENT does), failures 1: yargs' own default is 1.
  .fail((message, error, parser) => {
    if (error !== undefined && error !== null) {
      reportError(error, false);
      return;
    }
    parser.showHelp((text: string) => process.stderr.write(`${text}\n\n`));
    process.stderr.write(`error: ${message}\n`);
    process.exit(2);
  })
  .parseAsync();
