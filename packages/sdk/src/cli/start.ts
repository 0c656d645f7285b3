/**
 * `connector start`: load `.env`, import the built connector and serve it.
 */
import { join } from 'node:path';
import { connectorNameOf } from '../protocol/index.js';
import { loadDotEnv } from '../runtime/env.js';
import { runConnector, STATE_DIR } from '../runtime/run.js';
import { importConnector, readManifest, readProject } from './project.js';

/** Starts the connector in `dir`; resolves once it has connected (the process then keeps serving). */
export async function startProject(dir: string, entry?: string): Promise<void> {
  const fromDotEnv = loadDotEnv(dir);
  const project = readProject(dir);
  const file = join(dir, entry ?? project.main);
  const connector = await importConnector(file);
  const manifest = readManifest(file);
  const running = runConnector(connector, {
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
