/**
 * A workspace in a child process (test/fixtures/workspace-process.mjs), for faults a process
 * in the test's own cannot suffer: frozen with SIGSTOP, killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

const FIXTURE = join(ROOT, 'test/fixtures/workspace-process.mjs');

/** A running workspace process and what it printed. */
export interface WorkspaceProcess {
  child: ChildProcess;
  url: string;
  deviceEndpoint: string;
  websocketEndpoint: string;
  adminToken: string;
  /** Its stderr so far (logs). */
  output: () => string;
  /** Calls the admin API; gives up after `timeoutMs` (a frozen workspace never answers). */
  admin: (method: string, path: string, body?: unknown, timeoutMs?: number) => Promise<{ status: number; body: any }>;
  /** Continues it if frozen, then kills it. */
  kill: () => Promise<void>;
}

/** Starts a workspace process on a free port with data in `dataDir`. */
export async function spawnWorkspace(dataDir: string, env: Record<string, string> = {}): Promise<WorkspaceProcess> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const info = await new Promise<{ url: string; deviceEndpoint: string; websocketEndpoint: string; adminToken: string }>(
    (resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`the workspace process exited (${code}) before listening: ${err}`)));
    },
  );
  return {
    child,
    ...info,
    output: () => err,
    async admin(method, path, body, timeoutMs = 10_000) {
      const response = await fetch(`${info.url}api/v1/${path}`, {
        method,
        headers: { authorization: `Bearer ${info.adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
