/** SQL text the suite needs that differs between PostgreSQL (and embedded) and MySQL/MariaDB. */
import type { Target } from './stack.js';

/** Test SQL for one target. */
export interface TestSql {
  /** Placeholder for the `i`-th value. */
  p: (i: number) => string;
  /** A statement that sleeps `seconds`. */
  sleep: (seconds: number) => string;
  /** Counts running statements whose text starts with `prefix` (proves a call is in flight). */
  running: (prefix: string) => string;
  /** INSERT of `count` rows (id 1…count, payload of `width` characters) into `table(id, payload)`. */
  fill: (table: string, count: number, width: number) => string;
  /** SQLSTATE or errno of bad syntax, unknown table, unique violation, read-only refusal. */
  codes: { syntax: object; missingTable: object; unique: object; readOnly: object; timeout: object };
  /** The server's id of the connection a statement runs on, as `id`, while it sleeps `seconds`. */
  connectionWhileSleeping: (seconds: number) => string;
  /** Ways to ask for writes back: for the transaction in progress, and for the session's later ones. */
  readWrite: { transaction: string; session: string };
  /** One statement that switches the session to read-write, commits, and runs `insert` in a new transaction. */
  commitAndWrite: (insert: string) => string;
  /** Lifts the session's statement timeout. */
  noTimeout: string;
}

export function testSql(kind: Target['kind']): TestSql {
  if (kind === 'mysql') {
    const digits =
      'SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9';
    return {
      p: () => '?',
      sleep: (seconds) => `SELECT SLEEP(${seconds}) AS slept`,
      running: (prefix) => `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE '${prefix}%' AND command <> 'Sleep'`,
      fill: (table, count, width) =>
        `INSERT INTO ${table} (id, payload) SELECT id, REPEAT('x', ${width}) FROM (SELECT d0.n + 10 * d1.n + 100 * d2.n + 1000 * d3.n + 10000 * d4.n + 100000 * d5.n + 1 AS id FROM (${digits}) d0 CROSS JOIN (${digits}) d1 CROSS JOIN (${digits}) d2 CROSS JOIN (${digits}) d3 CROSS JOIN (${digits}) d4 CROSS JOIN (${digits}) d5) ids WHERE id <= ${count}`,
      codes: {
        syntax: { errno: 1064 },
        missingTable: { errno: 1146 },
        unique: { errno: 1062, sqlstate: '23000' },
        readOnly: { errno: 1792 },
        timeout: { errno: 1969 },
      },
      connectionWhileSleeping: (seconds) => `SELECT CONNECTION_ID() AS id, SLEEP(${seconds}) AS slept`,
      readWrite: { transaction: 'SET TRANSACTION READ WRITE', session: 'SET SESSION TRANSACTION READ WRITE' },
      // A MariaDB compound statement: one statement to the server, so it runs even with values bound.
      commitAndWrite: (insert) => `BEGIN NOT ATOMIC COMMIT; SET SESSION TRANSACTION READ WRITE; ${insert}; END`,
      noTimeout: 'SET SESSION max_statement_time = 0',
    };
  }
  return {
    p: (i) => `$${i}`,
    sleep: (seconds) => `SELECT pg_sleep(${seconds}) AS slept`,
    running: (prefix) => `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '${prefix}%' AND state = 'active'`,
    fill: (table, count, width) =>
      `INSERT INTO ${table} (id, payload) SELECT i, repeat('x', ${width}) FROM generate_series(1, ${count}) AS i`,
    codes: {
      syntax: { sqlstate: '42601' },
      missingTable: { sqlstate: '42P01' },
      unique: { sqlstate: '23505' },
      readOnly: { sqlstate: '25006' },
      timeout: { sqlstate: '57014' },
    },
    connectionWhileSleeping: (seconds) => `SELECT pg_backend_pid() AS id, pg_sleep(${seconds}) AS slept`,
    readWrite: { transaction: 'SET TRANSACTION READ WRITE', session: 'SET default_transaction_read_only = off' },
    // Outside a transaction block a DO block may COMMIT; the next transaction takes the session's new default.
    commitAndWrite: (insert) => `DO $$ BEGIN PERFORM set_config('default_transaction_read_only', 'off', false); COMMIT; ${insert}; END $$`,
    noTimeout: 'SET statement_timeout = 0',
  };
}
