/**
 * MySQL and MariaDB through a `mysql2/promise` pool. Statements with values use the binary
 * protocol (server-side prepared statements: values are bound, never spliced into the text);
 * statements without values use the text protocol with multiple statements disabled.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Driver, QueryResult, Row, Session, SqlValue } from '../driver.js';
import { mysqlDialect } from '../dialect.js';
import { toJsonRow, toMysqlValue } from '../values.js';
import { addressOf, portOf, type ServerSettings } from '../settings.js';
import { tlsOptions } from '../ssl.js';
import { readOnlyRefusal } from '../errors.js';
import type { Logger } from '../logger.js';
import { unlessAborted, watchCancel } from './cancel.js';

type Connection = mysql.PoolConnection;

/** The last statement each connection prepared: the reset after a call prepares it again, for the next page. */
const lastPrepared = new WeakMap<Connection, string>();

/** Runs one statement on a connection. */
async function run(connection: Connection, sql: string, values: readonly SqlValue[] = []): Promise<QueryResult> {
  if (values.length > 0) lastPrepared.set(connection, sql);
  const [result, fields] = values.length > 0 ? await connection.execute(sql, values.map(toMysqlValue)) : await connection.query(sql);
  if (Array.isArray(result)) {
    return { rows: (result as Row[]).map(toJsonRow), columns: (fields ?? []).map((f) => f.name), affectedRows: 0 };
  }
  return { rows: [], columns: [], affectedRows: (result as mysql.ResultSetHeader).affectedRows };
}

/** OK-packet status flag: the transaction in progress is read-only (MySQL ≥ 5.6.5, MariaDB ≥ 10.0). */
const SERVER_STATUS_IN_TRANS_READONLY = 0x2000;

/**
 * Opens a pool for `settings`. Connects lazily, like the PostgreSQL driver.
 *
 * Every call gets a connection with this config's session settings and gives it back reset
 * (COM_RESET_CONNECTION: any transaction rolled back, temporary tables, user variables, locks and
 * prepared statements dropped, session variables back to the server's defaults) and with the
 * settings applied again. The reset runs after the answer. Nothing a caller SETs reaches the next
 * call; the price is that statements with values are prepared again, after the reset for the
 * call's last one (a page repeats it), else by the next call that runs one.
 *
 * With readOnly, every call runs in one XA transaction of a session whose default access mode is
 * read only, and the server confirms it is read-only before the call's SQL runs. Unlike START
 * TRANSACTION, an XA transaction cannot be ended from inside: COMMIT, ROLLBACK, START
 * TRANSACTION, DDL and compound statements (`BEGIN NOT ATOMIC COMMIT; … END`) that try are
 * refused (errno 1399), and so is changing its mode (1568). Without it, such a compound statement
 * could switch the session to read-write, commit and write on. The reset ends it.
 */
export function openMysql(settings: Extract<ServerSettings, { type: 'mysql' }>, logger: Logger): Driver {
  const ssl = tlsOptions(settings);
  // What every connection of this config opens with: the pool's, and the one a cancel uses.
  const connectionOptions: mysql.ConnectionOptions = {
    host: settings.host,
    port: portOf(settings),
    ...(settings.database === undefined ? {} : { database: settings.database }),
    ...(settings.user === undefined ? {} : { user: settings.user }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(ssl === undefined ? {} : { ssl }),
    connectTimeout: 10_000,
  };
  const pool = mysql.createPool({
    ...connectionOptions,
    connectionLimit: settings.poolSize,
    maxIdle: settings.poolSize,
    idleTimeout: 30_000,
    enableKeepAlive: true,
    // The same JSON-safe values as PostgreSQL: dates as the server prints them, BIGINT and DECIMAL as strings.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    // The reset after every call drops the prepared statements: the cache serves one call (and
    // the statement restore() prepares again).
    maxPreparedStatements: 64,
    // The reset is done here, followed by the session settings, which mysql2's own would drop.
    resetOnRelease: false,
  });
  const site = { kind: 'mysql', address: addressOf(settings), tls: ssl !== undefined, readOnly: settings.readOnly } as const;
  const configured = new WeakSet<object>();
  // pool.end() closes connections in use too: it waits for the restores in flight.
  const restoring = new Set<Promise<void>>();
  let sessionSql: Promise<string | undefined> | undefined;

  /** This config's session settings as one SET (names differ between MySQL and MariaDB), or undefined. */
  async function settingsSql(connection: Connection): Promise<string | undefined> {
    if (settings.statementTimeout === 0 && !settings.readOnly) return undefined;
    const [rows] = await connection.query('SELECT VERSION() AS version');
    const mariadb = /mariadb/i.test(String((rows as Row[])[0]?.version ?? ''));
    const parts: string[] = [];
    // MariaDB: max_statement_time (seconds, every statement); MySQL: max_execution_time (ms, SELECT only).
    // statementTimeout is a checked integer, so it can be part of the text.
    if (settings.statementTimeout > 0) {
      parts.push(
        mariadb
          ? `SESSION max_statement_time = ${settings.statementTimeout / 1000}`
          : `SESSION max_execution_time = ${settings.statementTimeout}`,
      );
    }
    if (settings.readOnly) parts.push(mariadb ? 'SESSION tx_read_only = 1' : 'SESSION transaction_read_only = 1');
    return `SET ${parts.join(', ')}`;
  }

  /** A pool connection with this config's session settings applied. */
  async function acquire(): Promise<Connection> {
    const connection = await pool.getConnection();
    if (configured.has(connection.connection)) return connection;
    try {
      sessionSql ??= settingsSql(connection);
      const sql = await sessionSql.catch((error: unknown) => {
        sessionSql = undefined;
        throw error;
      });
      if (sql !== undefined) await connection.query(sql);
      configured.add(connection.connection);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  /**
   * Resets the connection, applies the settings again and prepares the call's last statement
   * again (paging repeats it), then returns the connection to the pool; closes it if that fails.
   */
  async function restore(connection: Connection): Promise<void> {
    try {
      await connection.reset();
      const sql = await sessionSql;
      if (sql !== undefined) await connection.query(sql);
      const statement = lastPrepared.get(connection);
      if (statement !== undefined) await connection.prepare(statement).catch(() => lastPrepared.delete(connection));
      connection.release();
    } catch (error) {
      logger.warn(
        `a MySQL connection to ${addressOf(settings)} could not be reset after a call and was closed: ${(error as Error).message}`,
      );
      connection.destroy();
    }
  }

  /**
   * Stops the statement running on connection `threadId` (cancel.ts) with `KILL QUERY`, from a
   * connection of its own: the pool may have none to spare. The same user may kill its own
   * statements; the connection stays open, and a connection that runs nothing ignores it.
   */
  async function killQuery(threadId: number): Promise<void> {
    const control = await mysql.createConnection(connectionOptions);
    try {
      // A thread id is an integer the server gave: it can be part of the text (KILL takes no placeholder).
      await control.query(`KILL QUERY ${Math.trunc(threadId)}`);
    } finally {
      await control.end().catch(() => control.destroy());
    }
  }

  /**
   * Runs `call` on one connection, in the call's read-only transaction when readOnly is on. When
   * `signal` aborts, the call stops waiting for a connection, or its statement is killed in the
   * server; the connection is reset once the kill was answered.
   */
  async function withConnection<T>(call: (connection: Connection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const connection = await unlessAborted(acquire(), signal, (late) => late.release());
    const threadId = connection.threadId;
    const watch = watchCancel(signal, () => killQuery(threadId), logger, `a statement on MySQL connection ${threadId}`);
    try {
      signal?.throwIfAborted();
      if (settings.readOnly) await startReadOnly(connection);
      return await call(connection);
    } finally {
      const restored = watch
        .end()
        .then(() => restore(connection))
        .finally(() => restoring.delete(restored));
      restoring.add(restored);
    }
  }

  /** XA START with an id no caller can guess (XA END needs it); refuses to go on unless the server reports the transaction read-only. */
  async function startReadOnly(connection: Connection): Promise<void> {
    const [header] = await connection.query(`XA START 'ck-${randomBytes(16).toString('hex')}'`);
    const status = (header as mysql.ResultSetHeader).serverStatus ?? 0;
    if ((status & SERVER_STATUS_IN_TRANS_READONLY) === 0) {
      throw readOnlyRefusal(
        site,
        `the server did not start a read-only transaction (status flags 0x${status.toString(16)}), so the call did not run`,
      );
    }
  }

  return {
    dialect: mysqlDialect,
    site,
    query: (sql, values, signal) => withConnection((connection) => run(connection, sql, values), signal),
    async ping() {
      // The connector's own statement changes no session state: no reset needed.
      const connection = await acquire();
      try {
        await connection.query('SELECT 1');
        connection.release();
      } catch (error) {
        connection.destroy();
        throw error;
      }
    },
    transaction: <T>(work: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> =>
      withConnection(async (connection) => {
        const session: Session = {
          query: (sql, values) => {
            // An aborted call sends no further statement; the one it was running is killed.
            signal?.throwIfAborted();
            return run(connection, sql, values);
          },
        };
        // Already in the call's read-only XA transaction: the reset rolls it back.
        if (settings.readOnly) return work(session);
        await connection.query('START TRANSACTION');
        try {
          const result = await work(session);
          await connection.query('COMMIT');
          return result;
        } catch (error) {
          // A failed rollback leaves it to the reset, which rolls back too or closes the connection.
          await connection.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }, signal),
    async close() {
      await Promise.all(restoring);
      await pool.end();
    },
  };
}
