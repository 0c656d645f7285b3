/**
 * `create-connector --no-install` wall time (issue 6): the built CLI (`dist/cli.js`, the
 * package's bin) scaffolds a project into a fresh temp folder; from spawn() to exit.
 * No raw baseline: the goal (<1 s) is absolute.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CREATE_CLI = fileURLToPath(new URL('../../packages/create-connector/dist/cli.js', import.meta.url));

/** One scaffold run; resolves to the wall time in ms. */
export async function createConnectorOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'ck-bench-create-'));
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CREATE_CLI, 'my-x', '--connector-id', '1', '--no-install', '--yes'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal)));
    const ms = performance.now() - t0;
    if (code !== 0) throw new Error(`create-connector exited with ${code}: ${output.slice(-2000)}`);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
