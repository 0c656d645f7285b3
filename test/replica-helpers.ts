/** Spawning test/fixtures/replica-connector.mjs and reading its ledger. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, type ConnectorProcess } from './helpers.js';
import { startNode } from './support/spawn.js';

export const REPLICA_FIXTURE = join(ROOT, 'test/fixtures/replica-connector.mjs');

/** Adds connector `name` (connector id `replica`) and returns its registration token. */
export async function addReplicaConnector(ws: Workspace, name: string): Promise<string> {
  const added = await admin(ws, 'POST', 'connectors', { name, connectorId: 'replica' });
  if (added.status !== 201) throw new Error(`adding ${name}: ${JSON.stringify(added.body)}`);
  return added.body.registrationToken as string;
}

/** Starts one replica process with `env` (DEVICE_ENDPOINT, WEBSOCKET_ENDPOINT, REGISTRATION_TOKEN, HOSTNAME, LEDGER…). */
export function spawnReplica(env: Record<string, string>): ConnectorProcess {
  return startNode(REPLICA_FIXTURE, [], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env } });
}

/** The ledger: how many times each n ran, and on which pids. */
export function readLedger(file: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const [n, pid] = line.split(' ').map(Number) as [number, number];
    runs.set(n, [...(runs.get(n) ?? []), pid]);
  }
  return runs;
}
