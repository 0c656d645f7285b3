/**
 * The `npm start` flow (scripts/demo.mjs after the build): workspace on the embedded store,
 * hello-world and the SQL connector (embedded database) registered and connected, one call to
 * each, then a clean Ctrl-C.
 * (The build step of `npm start` is what `npm test` itself runs first; running it again here
 * would rewrite dist/ under the feet of the other test files.)
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
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
  it('starts the workspace, hello-world and sql, prints their answers and next commands, and stops cleanly on Ctrl-C', async () => {
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
      // The SQL connector boots its embedded database (PGlite) on its first health check.
      await vi.waitFor(() => expect(out).toContain('Press Ctrl-C to stop.'), { timeout: 90_000, interval: 200 });
      expect(out).toContain('"message": "Hello, Ada"');
      expect(out).toContain('npx workspace call hello-world hello \'{"name":"Grace"}\'');
      // The SQL call's answer, from the sample schema: customers with orders over 100, biggest first.
      const sqlCall = out.slice(out.indexOf('workspace call sql query'));
      const answer = JSON.parse(sqlCall.slice(sqlCall.indexOf('\n'), sqlCall.indexOf('\n}\n') + 2));
      expect(answer).toEqual({
        rows: [
          { name: 'Grace Hopper', orders: '1', total: '999.99' },
          { name: 'Ada Lovelace', orders: '2', total: '155.50' },
        ],
        columns: ['name', 'orders', 'total'],
        affectedRows: 0,
      });
      expect(out).toContain('npx workspace call sql tables');
      expect(out).not.toContain('failed');
      // The key pair of the SQL connector's secret field lives in the demo's data, readable by its owner only.
      expect(statSync(join(data.path, 'sql-connector-keys.json')).mode & 0o077).toBe(0);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      data.remove();
    }
  }, 120_000);
});
