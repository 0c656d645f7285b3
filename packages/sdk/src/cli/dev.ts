/**
 * `connector dev`: build, start, and rebuild + restart whenever a source file changes. With no
 * workspace configured (empty `REGISTRATION_TOKEN`), it runs an embedded one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildProject } from './build.js';
import { configuredToken, startEmbeddedWorkspace, type EmbeddedWorkspace } from './dev-workspace.js';
import { ConnectorError } from '../errors.js';
import { importConnector, readProject } from './project.js';
import { watchTree } from './watch.js';

/** Options of {@link devProject}. */
export interface DevOptions {
  /** Port of the embedded workspace; taken → any free one. @default 4700 */
  port?: number;
  /** The `connector` CLI script to run `start` with. @default the script this process runs */
  cli?: string;
}

/**
 * The embedded workspace's port from `WORKSPACE_PORT` (as `workspace serve` reads it), or
 * undefined when unset (then 4700, or any free port when that is taken).
 * @throws ConnectorError `USAGE` when it is not a port
 */
export function devPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const given = env.WORKSPACE_PORT;
  if (given === undefined || given.trim() === '') return undefined;
  const port = Number(given);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConnectorError('USAGE', `WORKSPACE_PORT=${given} is not a port: use a number from 0 to 65535 (0: any free port)`);
  }
  return port;
}

/** Runs until interrupted. */
export async function devProject(dir: string, log: (line: string) => void, options: DevOptions = {}): Promise<void> {
  // Not this module's own URL: the CLI is bundled in chunks, and this one is not the entry.
  const cli = options.cli ?? process.argv[1] ?? '';
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The human log format while developing (LOG_FORMAT=json in the environment keeps JSON).
  let childEnv: NodeJS.ProcessEnv = { LOG_FORMAT: 'pretty', ...process.env };
  let embedded: EmbeddedWorkspace | undefined;
  let shownHowToCall = false;

  // 1. A workspace to connect to: the configured one, else an embedded one.
  if (configuredToken(dir) === undefined) {
    const project = readProject(dir);
    embedded = await startEmbeddedWorkspace({
      dir,
      name: project.name,
      connectorId: project.connectorId ?? project.name,
      ...(options.port === undefined ? {} : { port: options.port }),
    });
    // The real environment wins over .env, so these point the connector at the embedded workspace.
    childEnv = { ...childEnv, ...embedded.env };
    log(`no REGISTRATION_TOKEN in .env: started an embedded workspace at ${embedded.url} (data in ${embedded.dataDir})`);
  }

  const stopChild = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  // 2. Build and (re)start; the first time, say how to call the connector.
  const cycle = async (): Promise<void> => {
    let entry: string;
    try {
      // Fast: no type check and no signature extraction while editing (`connector build` does both).
      const result = await buildProject({ dir, log, noTypes: true, typecheck: false });
      entry = result.entry;
      log(`built ${result.methods} method(s); (re)starting`);
    } catch (error) {
      log(`build failed: ${(error as Error).message}`);
      return;
    }
    await stopChild();
    // Its own process group: Ctrl-C in the terminal reaches only this process, which then stops
    // the connector with one SIGTERM (a second signal would make it skip draining).
    child = spawn(process.execPath, [cli, 'start'], { cwd: dir, stdio: 'inherit', env: childEnv, detached: true });
    if (embedded && !shownHowToCall) {
      shownHowToCall = true;
      log(await howToCall(embedded, entry));
    }
  };

  // 3. Watch the sources until interrupted.
  await cycle();
  watchTree(join(dir, 'src'), () => {
    clearTimeout(timer);
    timer = setTimeout(() => void cycle(), 150);
  });
  const quit = (): void => {
    void stopChild()
      .then(() => embedded?.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
  // Not in our process group, so not stopped with us by the terminal: never leave it behind.
  process.once('exit', () => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });
}

/** The `workspace` commands that call the first method (with its first example) and set config. */
async function howToCall(ws: EmbeddedWorkspace, entry: string): Promise<string> {
  const workspace = `npx workspace --url ${ws.url.replace(/\/$/, '')} --data ${ws.dataDir}`;
  let method = '<method>';
  let input = '{}';
  try {
    const connector = await importConnector(entry);
    const [name, definition] = [...connector.methods][0] ?? [];
    if (name !== undefined) method = name;
    if (definition?.examples?.[0] !== undefined) input = JSON.stringify(definition.examples[0].input);
  } catch {
    // The placeholders will do.
  }
  return [
    'call the connector (in another terminal, once it has connected):',
    `  ${workspace} call ${ws.name} ${method} '${input}'`,
    `  ${workspace} config set ${ws.name} <field>=<value>`,
  ].join('\n');
}
