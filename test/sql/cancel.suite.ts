/**
 * A call that ends early stops its statement in the database (issue 13 finding 4; protocol.md §8
 * `deadlines`, `cancellation`): past its deadline, or when its HTTP caller gives up, the
 * connector cancels the statement from another connection (PostgreSQL pg_cancel_backend,
 * MariaDB/MySQL KILL QUERY). A connection of the test's own watches the server's list of running
 * statements (pg_stat_activity, information_schema.processlist), so what it sees does not depend
 * on the connector. On one pooled connection (poolSize 1), the next call runs on the very
 * connection whose statement was cancelled: it came back usable, not replaced.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { testSql } from './dialect.js';
import type { SqlStack, Target } from './stack.js';

/** A connection of the test's own to the server, outside the connector. */
interface Watcher {
  /** Statements running now whose text starts with `prefix`. */
  running: (prefix: string) => Promise<number>;
  close: () => Promise<void>;
}

async function openWatcher(target: Target): Promise<Watcher> {
  const sql = testSql(target.kind);
  if (target.kind === 'mysql') {
    const connection = await mysql.createConnection(process.env.TEST_MYSQL_URL!);
    return {
      running: async (prefix) => {
        const [rows] = await connection.query(sql.running(prefix));
        return Number((rows as Array<{ n: unknown }>)[0]?.n);
      },
      close: () => connection.end(),
    };
  }
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  return {
    running: async (prefix) => Number((await client.query<{ n: number }>(sql.running(prefix))).rows[0]?.n),
    close: () => client.end(),
  };
}

/** Registers the cancellation tests of a server database. Restores poolSize. */
export function cancelTests(target: Target, stack: () => SqlStack, suffix: string): void {
  const sql = testSql(target.kind);
  const table = `cancel_${suffix}`;
  // Unique to this run: other runs may share the server.
  const sleep = `${sql.sleep(60)}_${suffix}`;
  let watcher: Watcher;
  let connection = '';
  const connectionId = async () => String((await stack().ok('query', { sql: sql.connectionWhileSleeping(0) })).rows[0].id);
  const running = () => watcher.running(sleep);
  beforeAll(async () => {
    // A skipped suite (no database URL) registers its tests without a server to watch.
    if (target.config.type !== undefined) watcher = await openWatcher(target);
  });
  afterAll(async () => {
    await watcher?.close();
  });

  it('a call past its deadline: TIMEOUT, its statement cancelled in the database, the same pooled connection serves the next call', async () => {
    await stack().ok('query', { sql: `CREATE TABLE ${table} (id int)` });
    // No statementTimeout: only the cancel can end the statement before its minute is up.
    await stack().configure({ poolSize: 1, statementTimeout: 0 });
    connection = await connectionId();

    const call = stack().call('query', { sql: sleep }, 5_000);
    // The statement reached the database before its deadline.
    await vi.waitFor(async () => expect(await running()).toBe(1), { timeout: 30_000, interval: 50 });
    const { status, body } = await call;
    expect(status, JSON.stringify(body)).toBe(504);
    expect(body.error.code).toBe('TIMEOUT');
    // Without the cancel it would sleep on for a minute.
    await vi.waitFor(async () => expect(await running()).toBe(0), { timeout: 20_000, interval: 100 });
    expect(await connectionId()).toBe(connection);
  });

  it('an HTTP caller that gives up on a transaction: its statement cancelled, the transaction rolled back, the connection reused', async () => {
    const ws = stack().ws;
    const client = new AbortController();
    const statements = [{ sql: `INSERT INTO ${table} (id) VALUES (1)` }, { sql: sleep }];
    const call = fetch(`${ws.url.replace(/\/$/, '')}/api/v1/connectors/sql/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ws.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'transaction', args: { statements }, timeoutMs: 120_000 }),
      signal: client.signal,
    });
    await vi.waitFor(async () => expect(await running()).toBe(1), { timeout: 30_000, interval: 50 });
    client.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });

    await vi.waitFor(async () => expect(await running()).toBe(0), { timeout: 20_000, interval: 100 });
    expect(Number((await stack().ok('query', { sql: `SELECT COUNT(*) AS n FROM ${table}` })).rows[0].n)).toBe(0);
    expect(await connectionId()).toBe(connection);
    await stack().configure({ poolSize: target.config.poolSize, statementTimeout: 30_000 });
  });
}
