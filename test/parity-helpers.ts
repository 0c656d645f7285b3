/** Spawning test/fixtures/parity-connector.mjs for the ALOMA parity tests (issue 14). */
import { join } from 'node:path';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, type ConnectorProcess } from './helpers.js';
import { startNode } from './support/spawn.js';
export { workspaceEnv } from './ops-helpers.js';

export const PARITY_FIXTURE = join(ROOT, 'test/fixtures/parity-connector.mjs');

/** Adds connector `name` (connector id `parity`) and returns its registration token. */
export async function addParityConnector(ws: Workspace, name: string): Promise<string> {
  const added = await admin(ws, 'POST', 'connectors', { name, connectorId: 'parity' });
  if (added.status !== 201) throw new Error(`adding ${name}: ${JSON.stringify(added.body)}`);
  return added.body.registrationToken as string;
}

/** Starts the parity connector with only `env` (and PATH): no variable of this test run leaks in. */
export function spawnParity(env: Record<string, string>): ConnectorProcess {
  return startNode(PARITY_FIXTURE, [], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', CONNECTOR_STATE_DIR: '', ...env } });
}
