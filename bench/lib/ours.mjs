/**
 * Our side: `startWorkspace` in the bench process and the bench connector as a child process
 * started through the real `connector start` CLI (as test/helpers.ts does), called through
 * `hub.call`.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startWorkspace } from '@connector-kit/workspace';
import { spawnNode } from './child.mjs';
import { untilServed } from './workload.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `connector` CLI; BENCH_CONNECTOR_CLI points the bench at another build (e.g. to try a change). */
export const CONNECTOR_CLI = process.env.BENCH_CONNECTOR_CLI || join(ROOT, 'packages/sdk/dist/cli/index.js');
export const BENCH_CONNECTOR_DIR = join(ROOT, 'bench/connector');
const CALL_TIMEOUT_MS = 30_000;
const quiet = pino({ level: 'silent' });

/**
 * A fresh data folder for the workspace. Creating an embedded database takes ~10 s on this
 * machine and is not what we measure, so the first run keeps an empty, migrated one in
 * bench/.data (gitignored) and later runs start from a copy of it.
 */
async function freshDataDir() {
  const pglite = JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version;
  const template = join(ROOT, `bench/.data/empty-workspace-pglite-${pglite}`);
  if (!existsSync(template)) {
    const building = mkdtempSync(join(tmpdir(), 'ck-bench-template-'));
    await (await startWorkspace({ port: 0, dataDir: building, logger: quiet })).close();
    cpSync(building, `${template}.tmp`, { recursive: true });
    renameSync(`${template}.tmp`, template);
    rmSync(building, { recursive: true, force: true });
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ck-bench-'));
  cpSync(template, dataDir, { recursive: true });
  return dataDir;
}

export async function admin(ws, method, path, body) {
  const response = await fetch(`${ws.url}api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${ws.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Starts the workspace and, once `built` resolves (the bench connector is built), the
 * long-running bench connector; resolves once it serves.
 */
export async function startOurSide({ nodeOptions = [], built = Promise.resolve() } = {}) {
  const dataDir = await freshDataDir();
  const ws = await startWorkspace({ port: 0, dataDir, logger: quiet });
  const tokens = {};
  for (const name of ['bench', 'bench-start']) {
    tokens[name] = (await admin(ws, 'POST', 'connectors', { name, connectorId: 'bench' })).registrationToken;
  }

  // Where our connectors keep their keys between starts (CONNECTOR_STATE_DIR), fresh per run.
  const stateDir = mkdtempSync(join(tmpdir(), 'ck-bench-state-'));
  const spawnConnector = (name, hostname, argv = [CONNECTOR_CLI, 'start']) =>
    spawnNode(argv, {
      cwd: BENCH_CONNECTOR_DIR,
      nodeOptions,
      env: {
        DEVICE_ENDPOINT: ws.deviceEndpoint,
        WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
        REGISTRATION_TOKEN: tokens[name],
        HOSTNAME: hostname,
        CONNECTOR_STATE_DIR: stateDir,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
      },
    });

  const callOn = (name) => (method, variables) => ws.hub.call(name, method, variables, { timeoutMs: CALL_TIMEOUT_MS });
  await built;
  const main = spawnConnector('bench', 'bench-main');
  const call = callOn('bench');
  try {
    await untilServed(call, performance.now(), 60_000);
  } catch (error) {
    throw new Error(`the bench connector did not start serving: ${error.message}\n${main.output()}`);
  }
  let starts = 0;

  return {
    name: 'ours',
    workspace: ws,
    call,
    pid: main.pid,
    /** Server-side `terminate()` of the connector's socket, through the hub's public connection list. */
    killSocket() {
      const connection = [...ws.hub.connectionList()].find((c) => c.instance.connector === 'bench');
      if (connection === undefined) throw new Error('the bench connector is not connected');
      connection.terminate();
    },
    /**
     * Spawns a connector process; `call` fails until it serves. A new instance name each time
     * (it registers anew), or `hostname` to restart one instance, which keeps its key.
     */
    startConnector(file, hostname) {
      const child = spawnConnector('bench-start', hostname ?? `bench-start-${++starts}`, file ? [file] : undefined);
      return {
        call: callOn('bench-start'),
        stop: async () => {
          await child.stop();
          while (ws.hub.online('bench-start').length > 0) await new Promise((resolve) => setTimeout(resolve, 2));
        },
      };
    },
    output: main.output,
    async close() {
      await main.stop();
      await ws.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
