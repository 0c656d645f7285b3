/**
 * The embedded workspace of `connector dev`: when no workspace is configured (no
 * `REGISTRATION_TOKEN`), start `@connector-kit/workspace` in this process, add the connector to
 * it, and hand its token and endpoints to the connector process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEnv } from 'node:util';
import { ConnectorError } from '../errors.js';
import { createLogger } from '../runtime/logger.js';
import { connectorNameOf } from '../protocol/index.js';

/** The part of `@connector-kit/workspace` used here (it is an optional package, not a dependency). */
interface WorkspaceModule {
  startWorkspace(options: { port: number; dataDir: string; logger: unknown }): Promise<{
    url: string;
    deviceEndpoint: string;
    websocketEndpoint: string;
    adminToken: string;
    close(): Promise<void>;
  }>;
}

/** A running embedded workspace. */
export interface EmbeddedWorkspace {
  url: string;
  /** Folder of its data (relative to the project), for the `workspace` CLI's `--data`. */
  dataDir: string;
  /** The name the connector has in it. */
  name: string;
  /** Variables that point the connector process at it. */
  env: { REGISTRATION_TOKEN: string; DEVICE_ENDPOINT: string; WEBSOCKET_ENDPOINT: string };
  close(): Promise<void>;
}

const WORKSPACE_PACKAGE = '@connector-kit/workspace';
/** Where the embedded workspace keeps its data, so config set during one session is there in the next. */
export const DEV_DATA_DIR = '.connector/workspace';

/** `REGISTRATION_TOKEN` as the connector will see it: the environment wins over `.env`. */
export function configuredToken(dir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = join(dir, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')).REGISTRATION_TOKEN : undefined;
  const token = (env.REGISTRATION_TOKEN ?? fromFile)?.trim();
  return token === '' ? undefined : token;
}

/**
 * Starts the embedded workspace and adds the connector (or makes a new token when it exists).
 * @throws ConnectorError `WORKSPACE_MISSING` when `@connector-kit/workspace` is not installed
 */
export async function startEmbeddedWorkspace(options: {
  dir: string;
  name: string;
  connectorId: string;
  port?: number;
}): Promise<EmbeddedWorkspace> {
  const mod = await loadWorkspaceModule(options.dir);
  const dataDir = join(options.dir, DEV_DATA_DIR);
  const logger = createLogger({ level: 'warn', name: 'workspace', destination: process.stderr });
  let ws: Awaited<ReturnType<WorkspaceModule['startWorkspace']>>;
  try {
    ws = await mod.startWorkspace({ port: options.port ?? 4700, dataDir, logger });
  } catch (error) {
    // 4700 is taken (often by a workspace you started yourself): any free port will do.
    if ((error as { code?: string }).code !== 'PORT_IN_USE') throw error;
    ws = await mod.startWorkspace({ port: 0, dataDir, logger });
  }
  try {
    const name = connectorNameOf(options.name);
    const added = await admin(ws, 'connectors', { name, connectorId: options.connectorId });
    const token = added.status === 409 ? await admin(ws, `connectors/${encodeURIComponent(name)}/tokens`, {}) : added;
    const registrationToken = (token.body as { registrationToken?: unknown }).registrationToken;
    if (token.status !== 201 || typeof registrationToken !== 'string') {
      throw new ConnectorError(
        'WORKSPACE_FAILED',
        `the embedded workspace did not add "${name}" (${token.status}): ${JSON.stringify(token.body)}`,
      );
    }
    return {
      url: ws.url,
      dataDir: DEV_DATA_DIR,
      name,
      env: { REGISTRATION_TOKEN: registrationToken, DEVICE_ENDPOINT: ws.deviceEndpoint, WEBSOCKET_ENDPOINT: ws.websocketEndpoint },
      close: () => ws.close(),
    };
  } catch (error) {
    await ws.close();
    throw error;
  }
}

async function admin(ws: { url: string; adminToken: string }, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(`api/v1/${path}`, ws.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${ws.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Imports the workspace package from the project (where it is a devDependency), else from beside the SDK. */
async function loadWorkspaceModule(dir: string): Promise<WorkspaceModule> {
  // A variable, not a literal: the bundler must leave this import alone (the package is optional).
  let specifier = WORKSPACE_PACKAGE;
  try {
    specifier = pathToFileURL(createRequire(join(dir, 'package.json')).resolve(WORKSPACE_PACKAGE)).href;
  } catch {
    // Not installed in the project: try where the SDK itself resolves packages.
  }
  try {
    return (await import(specifier)) as WorkspaceModule;
  } catch (error) {
    // Only when the workspace package itself is missing: a dependency of it missing is another problem.
    const missing =
      (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(WORKSPACE_PACKAGE);
    if (!missing) throw error;
    throw new ConnectorError(
      'WORKSPACE_MISSING',
      'no workspace is configured (REGISTRATION_TOKEN is empty in .env) and @connector-kit/workspace is not installed. ' +
        `Either run \`${addDevCommand(WORKSPACE_PACKAGE)}\` to get an embedded one, or start a workspace and put its ` +
        'registration token into .env (see README.md)',
      { cause: error },
    );
  }
}

/** The command that adds a dev dependency with the package manager that runs this one. */
export function addDevCommand(pkg: string, userAgent = process.env.npm_config_user_agent ?? ''): string {
  if (userAgent.startsWith('pnpm/')) return `pnpm add --save-dev ${pkg}`;
  if (userAgent.startsWith('yarn/')) return `yarn add --dev ${pkg}`;
  return `npm install --save-dev ${pkg}`;
}
