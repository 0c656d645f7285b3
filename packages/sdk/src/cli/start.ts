/**
 * `connector start`: load `.env`, import the built connector and serve it on the project's own
 * SDK (see project-sdk.ts for why not this CLI's copy).
 */
import { join } from 'node:path';
import { connectorNameOf } from '../protocol/index.js';
import { loadDotEnv } from '../runtime/env.js';
import { STATE_DIR } from '../runtime/instance-state.js';
import { importConnector, readManifest, readProject } from './project.js';
import { loadProjectSdk } from './project-sdk.js';

/** Starts the connector in `dir`; resolves once it has connected (the process then keeps serving). */
export async function startProject(dir: string, entry?: string): Promise<void> {
  const fromDotEnv = loadDotEnv(dir);
  const project = readProject(dir);
  const file = join(dir, entry ?? project.main);
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
