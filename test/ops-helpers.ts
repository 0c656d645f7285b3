/** Spawning test/fixtures/ops-connector.mjs for the on-premise operations tests. */
import { join } from 'node:path';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, type ConnectorProcess } from './helpers.js';
import { startNode } from './support/spawn.js';

export const OPS_FIXTURE = join(ROOT, 'test/fixtures/ops-connector.mjs');

/** Adds connector `name` (connector id `ops`) and returns its registration token. */
export async function addOpsConnector(ws: Workspace, name: string): Promise<string> {
  const added = await admin(ws, 'POST', 'connectors', { name, connectorId: 'ops' });
  if (added.status !== 201) throw new Error(`adding ${name}: ${JSON.stringify(added.body)}`);
  return added.body.registrationToken as string;
}

/** The variables that point a connector at `ws` with `token`. */
export function workspaceEnv(ws: Workspace, token: string, name: string): Record<string, string> {
  return { DEVICE_ENDPOINT: ws.deviceEndpoint, WEBSOCKET_ENDPOINT: ws.websocketEndpoint, REGISTRATION_TOKEN: token, HOSTNAME: name };
}

/** Starts the ops connector with only `env` (and PATH): no variable of this test run leaks in. */
export function spawnOps(env: Record<string, string>): ConnectorProcess {
  return startNode(OPS_FIXTURE, [], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug', CONNECTOR_STATE_DIR: '', ...env } });
}
