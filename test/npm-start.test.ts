/**
 * The `npm start` flow (scripts/demo.mjs after the build): workspace on the embedded store,
 * hello-world and the SQL connector (embedded database) registered and connected, one call to
 * each, then a clean Ctrl-C.
 * The first run happens while the machine is busy: under load (average ~7 on 2 cores) the demo
 * once gave up on the workspace's cold start after 30 s, and its SQL call timed out while the
 * embedded database booted, with an empty message. The assertions are the demo's answers, never
 * how long it took.
 * (The build step of `npm start` is what `npm test` itself runs first; running it again here
 * would rewrite dist/ under the feet of the other test files.)
 */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { busyLoops } from './support/busy.js';
import { startNode, type Running } from './support/spawn.js';

/**
 * Spinning processes enough for a load average of 4 per core (8 on 2 cores, where the demo once
 * failed at ~7), counting what already runs: a machine busy with other tests gets fewer, one per
 * core at least.
 */
function loopsForBusyMachine(): number {
  const cores = availableParallelism();
  return Math.max(cores, Math.min(4 * cores, Math.round(4 * cores - (loadavg()[0] ?? 0))));
}
/** The demo's one line for the end of its start, and the beginnings of its failures. */
const SETTLED = /Press Ctrl-C to stop\.|npm start failed|exited \(/;

/**
 * Runs the demo on `dataDir`, on any free port (the demo reads the port the workspace got), in a
 * process group of its own as a terminal runs it: `stop('SIGINT')` is a terminal's Ctrl-C.
 */
function startDemo(dataDir: string): Running {
  return startNode(join(ROOT, 'scripts/demo.mjs'), [], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', WORKSPACE_DATA: dataDir, WORKSPACE_PORT: '0' },
    group: true,
  });
}

/** What a good start prints: both answers and the next commands, and no failure. */
function expectAnswers(out: string): void {
  expect(out).toContain('Press Ctrl-C to stop.');
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
  // Another port and data folder than the CLI's defaults: the printed commands need both.
  expect(out).toMatch(/export WORKSPACE_URL=http:\/\/127\.0\.0\.1:\d+\/ WORKSPACE_DATA=\S+/);
}

/**
 * Ctrl-C, as a terminal sends it (to the whole foreground group): the demo stops the connectors
 * and the workspace, each once and cleanly, and exits 0; the workspace no longer listens.
 */
async function expectCleanStop(demo: Running): Promise<void> {
  const url = /the workspace runs at (\S+)/.exec(demo.output())?.[1];
  expect(url, demo.output()).toBeDefined();
  const { code } = await demo.stop('SIGINT');
  expect(code, demo.output()).toBe(0);
  expect(demo.output()).toContain('stopped.');
  expect(demo.output()).not.toMatch(/stopped with status|did not stop/);
  await expect(fetch(url!)).rejects.toThrow();
}

describe('npm start', () => {
  const data = tempDir('ck-demo-');
  afterAll(() => data.remove());

  it('starts the workspace, hello-world and sql while the machine is busy, prints their answers and next commands, and stops cleanly on Ctrl-C', async () => {
    const busy = busyLoops(loopsForBusyMachine(), 400_000);
    const demo = startDemo(data.path);
    try {
      try {
        // Cold starts under load: the workspace's store, then the SQL connector's embedded database.
        await vi.waitFor(() => expect(demo.output()).toMatch(SETTLED), { timeout: 400_000, interval: 200 });
      } finally {
        await busy.stop();
      }
      expectAnswers(demo.output());
      // It says what it waits for while it waits, instead of giving up after a fixed time.
      expect(demo.output()).toContain("starting the sql connector's embedded database");
      // The key pair of the SQL connector's secret field lives in the demo's data, readable by its owner only.
      expect(statSync(join(data.path, 'sql-connector-keys.json')).mode & 0o077).toBe(0);
      // So do the connectors' instance keys (they belong to this workspace), not the example folders.
      expect(readdirSync(join(data.path, 'connectors')).filter((f) => f.endsWith('.json'))).toHaveLength(2);
      await expectCleanStop(demo);
    } finally {
      // A demo that did not settle stops its children too (SIGTERM runs its shutdown).
      await demo.stop('SIGTERM');
    }
  }, 450_000);

  it('starts again on the data of the first run: fresh tokens for the registered connectors, the same answers', async () => {
    const demo = startDemo(data.path);
    try {
      await vi.waitFor(() => expect(demo.output()).toMatch(SETTLED), { timeout: 240_000, interval: 200 });
      expectAnswers(demo.output());
      // The stored config already names the embedded database: nothing to set this time.
      expect(demo.output()).not.toContain("starting the sql connector's embedded database");
      await expectCleanStop(demo);
    } finally {
      // A demo that did not settle stops its children too (SIGTERM runs its shutdown).
      await demo.stop('SIGTERM');
    }
  }, 300_000);
});
