/**
 * Shared pieces of the end-to-end suite: a real workspace on 127.0.0.1, real connector
 * processes spawned through the `connector` CLI, and an admin client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startWorkspace, type Workspace, type WorkspaceOptions } from '@connector-kit/workspace';
import { runNode, startNode, type Finished, type Running } from './support/spawn.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONNECTOR_CLI = join(ROOT, 'packages/sdk/dist/cli/index.js');
export const WORKSPACE_CLI = join(ROOT, 'packages/workspace/dist/cli/index.js');
export const HELLO_DIR = join(ROOT, 'examples/hello-world');

/** The store backends every end-to-end test runs against. */
export interface Backend {
  name: string;
  options: (dataDir: string) => Partial<WorkspaceOptions>;
}

/** PGlite always; PostgreSQL when TEST_DATABASE_URL is set (and required in CI). */
export function backends(): Backend[] {
  const list: Backend[] = [{ name: 'embedded (PGlite)', options: () => ({}) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    list.push({
      name: 'PostgreSQL',
      options: () => ({ databaseUrl: url, postgres: { schema: `e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}` } }),
    });
  } else if (process.env.CI) {
    throw new Error('TEST_DATABASE_URL must be set in CI: .ci/run starts PostgreSQL and sets it');
  }
  return list;
}

/** A temp folder removed by the returned function. */
export function tempDir(prefix = 'ck-e2e-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts a quiet workspace on a free port. Its heartbeat counts an instance as gone after 5 s +
 * 7.5 s of silence: on a loaded 2-core CI machine a connector booting PGlite in a worker went
 * silent for longer than the 1 s + 1.5 s this used to allow, and was dropped mid-suite. A killed
 * or reset connection is seen at once anyway; the tests about silence pass their own values.
 */
export async function startTestWorkspace(dataDir: string, extra: Partial<WorkspaceOptions> = {}): Promise<Workspace> {
  return startWorkspace({ port: 0, dataDir, logger: pino({ level: 'silent' }), heartbeatIntervalMs: 5_000, ...extra });
}

/** Calls the admin API. */
export async function admin(ws: Workspace, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${ws.url.replace(/\/$/, '')}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${ws.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** A spawned connector process with its output kept (`exited` and `stop` resolve to how it ended). */
export type ConnectorProcess = Running;

/**
 * Where spawned connectors keep their connector keys (CONNECTOR_STATE_DIR): one folder per test
 * file, so tests leave nothing in the example folders and never see each other's keys.
 */
export const CONNECTOR_STATE_DIR = mkdtempSync(join(tmpdir(), 'ck-e2e-state-'));

/** Spawns `connector start` in `dir`, pointed at `ws`. */
export function startConnector(dir: string, ws: Workspace, env: Record<string, string>): ConnectorProcess {
  return startNode(CONNECTOR_CLI, ['start'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      DEVICE_ENDPOINT: ws.deviceEndpoint,
      WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
      LOG_LEVEL: 'debug',
      CONNECTOR_STATE_DIR,
      ...env,
    },
  });
}

/** Online instances of `name`, as the admin API lists them. */
export async function onlineInstances(ws: Workspace, name: string): Promise<any[]> {
  const { body } = await admin(ws, 'GET', 'connectors');
  const list: any[] = Array.isArray(body) ? body : (body?.connectors ?? []);
  const connector = list.find((c) => c.name === name);
  return (connector?.instances ?? []).filter((i: any) => i.online !== false);
}

/** Runs the `workspace` CLI against `ws`. */
export function runWorkspaceCli(ws: Workspace, args: string[]): Promise<Finished> {
  return runNode(WORKSPACE_CLI, args, {
    env: { PATH: process.env.PATH ?? '', WORKSPACE_URL: ws.url.replace(/\/$/, ''), WORKSPACE_TOKEN: ws.adminToken },
  });
}
