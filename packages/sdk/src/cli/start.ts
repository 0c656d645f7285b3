/**
 * `connector start`: load `.env`, import the built connector and serve it on the project's own
 * SDK (see project-sdk.ts for why not this CLI's copy).
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConnectorError } from '../errors.js';
import { connectorNameOf } from '../protocol/index.js';
import { loadDotEnv } from '../runtime/env.js';
import { STATE_DIR } from '../runtime/instance-state.js';
import { bundlePath } from './bundle.js';
import { importConnector, readManifest, readProject } from './project.js';
import { loadProjectSdk } from './project-sdk.js';

/** Options of {@link startProject}. */
export interface StartOptions {
  /** The built entry, relative to the project. @default package.json `main` */
  entry?: string;
  /** Run the single-file bundle (`connector build --bundle`) instead, exactly as uploaded. @default false */
  bundle?: boolean;
}

/**
 * Starts the connector in `dir`; resolves once it has connected (the process then keeps serving).
 * @throws ConnectorError `BUILD_MISSING` when the build (or the bundle) is not there, `PROJECT_INVALID`
 */
export async function startProject(dir: string, options: StartOptions = {}): Promise<void> {
  const project = readProject(dir);
  if (options.bundle === true) return startBundle(dir, options.entry ?? project.main);
  const fromDotEnv = loadDotEnv(dir);
  const file = join(dir, options.entry ?? project.main);
  const [connector, sdk] = await Promise.all([importConnector(file), loadProjectSdk(dir)]);
  if (sdk.reason !== undefined) process.stderr.write(`warning: ${sdk.reason}\n`);
  const manifest = readManifest(file);
  const running = sdk.runConnector(connector, {
    // The name `connector dev` and the scaffolder give it in the workspace, until the workspace says.
    name: connectorNameOf(project.name),
    version: connector.definition.version ?? project.version,
    ...(manifest === undefined ? {} : { manifest }),
    stateDir: join(dir, STATE_DIR),
    fromDotEnv,
    ...((connector.definition.id ?? project.connectorId) === undefined
      ? {}
      : { connectorId: connector.definition.id ?? project.connectorId }),
  });
  await running.ready;
}

/** Runs `dist/connector.mjs` in this process: the bundle loads `.env` and serves on its own. */
async function startBundle(dir: string, main: string): Promise<void> {
  const file = bundlePath(dir, main);
  if (!existsSync(file)) {
    throw new ConnectorError(
      'BUILD_MISSING',
      `${relative(dir, file)} does not exist: build it first with 'connector build --bundle' (the project's build script)`,
    );
  }
  await import(pathToFileURL(file).href);
}
