/**
 * The SQL row (issues 5 and 6): the example SQL connector (`examples/sql`, started by the real
 * `connector start` CLI in a child process) registered with the bench's workspace, configured
 * for PostgreSQL, walking a fresh table of N rows with `selectPage` through `hub.call` until
 * `nextCursor` is null. Rows/s per walk; the connector's RSS sampled every 50 ms during each
 * walk. "Flat" compares the median RSS of the last walk with that of the middle one (see below).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { CONNECTOR_CLI, ROOT, admin } from './ours.mjs';
import { spawnNode } from './child.mjs';
import { rssMb } from './workload.mjs';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const SQL_DIR = join(ROOT, 'examples/sql');
/** The database the SQL row runs against, or undefined (skipped). */
export const SQL_DATABASE_URL = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
const CALL_TIMEOUT_MS = 120_000;

/** Config values of the SQL connector for a `postgres://` URL. */
function configOf(value) {
  const url = new URL(value);
  const config = {
    type: 'postgres',
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)),
    user: decodeURIComponent(url.username),
    poolSize: 4,
    statementTimeout: 0,
  };
  if (url.password !== '') config.password = decodeURIComponent(url.password);
  return config;
}

async function latestHealth(ws) {
  const list = await admin(ws, 'GET', 'connectors');
  const connectors = Array.isArray(list) ? list : (list?.connectors ?? []);
  const instance = (connectors.find((c) => c.name === 'bench-sql')?.instances ?? []).find((i) => i.online !== false);
  return instance === undefined ? undefined : (instance.health ?? null);
}

async function waitFor(what, check, limitMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts the SQL connector against `ws`, seeds `rows` rows and walks them `runs` times.
 * `add(id, value)` records each figure. Returns nothing; throws with the connector's output.
 */
export async function sqlWalks(ws, { rows, pageSize, runs, add, log, nodeOptions = [] }) {
  const { registrationToken } = await admin(ws, 'POST', 'connectors', { name: 'bench-sql', connectorId: 'sql' });
  const keys = await generateKeyPair(2048);
  const child = spawnNode([CONNECTOR_CLI, 'start'], {
    cwd: SQL_DIR,
    nodeOptions,
    env: {
      DEVICE_ENDPOINT: ws.deviceEndpoint,
      WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
      REGISTRATION_TOKEN: registrationToken,
      PRIVATE_KEY: keys.privateKey,
      PUBLIC_KEY: keys.publicKey,
      HOSTNAME: 'bench-sql',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
    },
  });
  const call = (method, variables) => ws.hub.call('bench-sql', method, variables, { timeoutMs: CALL_TIMEOUT_MS });
  const table = `ck_bench_rows_${process.pid}`;
  let seeded = false;
  try {
    // The set-config sent on connect reports health first; then ours, which must be ok.
    await waitFor('the SQL connector to come online', async () => (await latestHealth(ws)) != null);
    const before = (await latestHealth(ws)).at;
    await admin(ws, 'PUT', 'connectors/bench-sql/config', { values: configOf(SQL_DATABASE_URL) });
    const health = await waitFor('the SQL connector to apply its config', async () => {
      const h = await latestHealth(ws);
      return h != null && h.at !== before ? h : undefined;
    });
    if (!health.ok) throw new Error(`the SQL connector reports unhealthy: ${health.error}`);

    // A fresh table, seeded by one statement in the database.
    const t0 = performance.now();
    await call('query', { sql: `DROP TABLE IF EXISTS ${table}` });
    await call('query', {
      sql: `CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL)`,
    });
    seeded = true;
    await call('query', {
      sql:
        `INSERT INTO ${table} (id, name, amount, created_at) ` +
        `SELECT g, 'customer ' || g, (g % 100000) / 100.0, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second' ` +
        `FROM generate_series(1, $1::integer) AS g`,
      values: [rows],
    });
    await call('query', { sql: `ANALYZE ${table}` });
    log(`seeded ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const page = (cursor) =>
      call('selectPage', {
        sql: `SELECT id, name, amount, created_at FROM ${table}`,
        orderBy: ['id'],
        pageSize,
        ...(cursor ? { cursor } : {}),
      });
    // Warm-up: a few pages, so the first walk does not pay for JIT and the pool's connections.
    let warm = await page();
    for (let i = 0; i < 3 && warm.nextCursor; i++) warm = await page(warm.nextCursor);
    await sleep(200);
    const rssStart = await rssMb(child.pid);

    for (let r = 0; r < runs; r++) {
      const walkRss = [await rssMb(child.pid)];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          walkRss.push(await rssMb(child.pid));
          await sleep(50);
        }
      })();
      const started = performance.now();
      let seen = 0;
      let cursor;
      do {
        const answer = await page(cursor);
        seen += answer.rows.length;
        cursor = answer.nextCursor;
      } while (cursor);
      const elapsed = performance.now() - started;
      sampling = false;
      await sampler;
      if (seen !== rows) throw new Error(`the walk saw ${seen} rows, expected ${rows}`);
      add('sql.rowsPerSec', (rows / elapsed) * 1000);
      add('sql.rssPeak', Math.max(...walkRss));
      // The median of a walk's samples, robust to one collection's spike. V8 grows its heap
      // once in the first walks (young generation to its cap, old space for promoted pages),
      // so "flat" compares the last walk with the middle one: by then that one-time step is
      // behind, and anything that grows with rows walked has had half the run to show.
      const typical = median(walkRss);
      log?.(`walk ${r + 1}: median RSS ${typical.toFixed(0)} MB, peak ${Math.max(...walkRss).toFixed(0)} MB`);
      if (r === Math.floor(runs / 2)) add('sql.rssMidWalk', typical);
      if (r === runs - 1) add('sql.rssLastWalk', typical);
    }
    await sleep(200);
    const rssEnd = await rssMb(child.pid);
    add('sql.rssStart', rssStart);
    add('sql.rssEnd', rssEnd);
  } catch (error) {
    throw new Error(`SQL bench failed: ${error.message}\n--- SQL connector output ---\n${child.output()}`);
  } finally {
    if (seeded) await call('query', { sql: `DROP TABLE IF EXISTS ${table}` }).catch(() => {});
    await child.stop();
  }
}
