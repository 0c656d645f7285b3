/**
 * The `npm start` flow (scripts/demo.mjs after the build): workspace on the embedded store,
 * hello-world registered and connected, one call, then a clean Ctrl-C.
 * (The build step of `npm start` is what `npm test` itself runs first; running it again here
 * would rewrite dist/ under the feet of the other test files.)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('npm start', () => {
  it('starts the workspace and hello-world, prints the answer and next commands, and stops cleanly on Ctrl-C', async () => {
    const data = tempDir('ck-demo-');
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'scripts/demo.mjs')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', WORKSPACE_DATA: data.path, WORKSPACE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await vi.waitFor(() => expect(out).toContain('Press Ctrl-C to stop.'), { timeout: 45_000, interval: 200 });
      expect(out).toContain('"message": "Hello, Ada"');
      expect(out).toContain("npx workspace call hello-world hello '{\"name\":\"Grace\"}'");
      expect(out).not.toContain('failed');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      data.remove();
    }
  });
});
