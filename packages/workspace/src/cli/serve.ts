/**
 * `workspace serve`: runs the workspace in the foreground until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { adminTokenPath } from '../server/admin-token.js';
import { DEFAULT_PORT, DEFAULT_URL, defaultDataDir } from './defaults.js';
import { printJson, say, type GlobalArgs } from './output.js';
import { CliError } from '../errors.js';
import { messageOf } from '../server/start-errors.js';

interface ServeArgs extends GlobalArgs {
  port?: number | undefined;
  host: string;
}

async function serve(args: ServeArgs): Promise<void> {
  const port = args.port ?? defaultPort();
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError('BAD_ARGUMENT', `--port ${args.port} is not a port: use a number from 0 to 65535 (0: any free port)`, {
      exitCode: 2,
    });
  // Loaded here so that the other commands never pay for the database engine.
  const [{ startWorkspace }, { pino }] = await Promise.all([import('../workspace.js'), import('pino')]);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  // Logs go to stderr; stdout carries what a person (or a script with --json) needs.
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

  // 1. Start.
  let workspace;
  try {
    workspace = await startWorkspace({ host: args.host, port, dataDir: args.data, databaseUrl, logger });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    // messageOf: whatever was thrown, never "undefined" (issue 13 finding 6).
    throw new CliError(typeof code === 'string' && code !== '' ? code : 'START_FAILED', `cannot start the workspace: ${messageOf(error)}`);
  }

  // 2. Tell the user what to do with it.
  const tokenFile = adminTokenPath(args.data);
  if (args.json) {
    printJson({
      url: workspace.url,
      deviceEndpoint: workspace.deviceEndpoint,
      websocketEndpoint: workspace.websocketEndpoint,
      adminTokenFile: tokenFile,
      store: databaseUrl ? 'postgres' : 'pglite',
    });
  } else {
    say(`Workspace running at ${workspace.url}`);
    say(`Store: ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${args.data}`}`);
    say(`Admin token: ${tokenFile}`);
    say();
    say('Connectors reach it with these values (in their .env):');
    say(`  DEVICE_ENDPOINT=${workspace.deviceEndpoint}`);
    say(`  WEBSOCKET_ENDPOINT=${workspace.websocketEndpoint}`);
    say();
    // The other commands find the workspace by --url/WORKSPACE_URL and its admin token in
    // --data/WORKSPACE_DATA: say what to set when this one is not where they look by default.
    const cliEnv = cliEnvironment(workspace.url, args.data);
    if (cliEnv.length > 0) {
      say('For the workspace CLI in another terminal, set:');
      say(`  export ${cliEnv.join(' ')}`);
      say();
    }
    say("Add a connector with 'workspace connector add <name> --connector-id <id>'. Ctrl+C stops.");
  }

  // 3. Stop cleanly on the first signal; a second one exits at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    workspace.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The `WORKSPACE_URL`/`WORKSPACE_DATA` assignments the other commands need, in a terminal of
 * their own (without this one's variables), to find a workspace at `url` with data in
 * `dataDir`; empty when the defaults find it.
 */
export function cliEnvironment(url: string, dataDir: string): string[] {
  const assignments: string[] = [];
  const bare = url.replace(/\/$/, '');
  if (bare !== DEFAULT_URL) assignments.push(`WORKSPACE_URL=${bare}`);
  if (resolve(dataDir) !== resolve(defaultDataDir({}))) assignments.push(`WORKSPACE_DATA=${shellQuote(resolve(dataDir))}`);
  return assignments;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** The listen port: `--port`, else `WORKSPACE_PORT`, else 4700. @throws CliError `BAD_ARGUMENT` (exit 2) */
export function defaultPort(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.WORKSPACE_PORT;
  if (given === undefined || given.trim() === '') return DEFAULT_PORT;
  const port = Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError('BAD_ARGUMENT', `WORKSPACE_PORT=${given} is not a port: use a number from 0 to 65535 (0: any free port)`, {
      exitCode: 2,
    });
  }
  return port;
}

/** Adds `serve`. */
export function serveCommand(y: Argv<GlobalArgs>, run: (fn: () => Promise<void>, json: boolean) => Promise<void>): Argv<GlobalArgs> {
  return y.command(
    'serve',
    'run the workspace (env DATABASE_URL: use PostgreSQL instead of the embedded PGlite)',
    (b) =>
      b
        .option('port', {
          type: 'number',
          describe: `port to listen on (0: any free port) [default: WORKSPACE_PORT, else ${DEFAULT_PORT}]`,
        })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'interface to listen on' }),
    (argv) => run(() => serve(argv as unknown as ServeArgs), argv.json),
  );
}
