/**
 * MySQL and MariaDB through a `mysql2/promise` pool. Statements with values use the binary
 * protocol (server-side prepared statements: values are bound, never spliced into the text);
 * statements without values use the text protocol with multiple statements disabled.
 */
import mysql from 'mysql2/promise';
import type { Driver, QueryResult, Row, Session, SqlValue } from '../driver.js';
import { mysqlDialect } from '../dialect.js';
import { toJsonRow, toMysqlValue } from '../values.js';
import { addressOf, portOf, type ServerSettings } from '../settings.js';
import { tlsOptions } from '../ssl.js';

type Connection = mysql.PoolConnection;

/** Runs one statement on a connection. */
async function run(connection: Connection, sql: string, values: readonly SqlValue[] = []): Promise<QueryResult> {
  const [result, fields] = values.length > 0 ? await connection.execute(sql, values.map(toMysqlValue)) : await connection.query(sql);
  if (Array.isArray(result)) {
    return { rows: (result as Row[]).map(toJsonRow), columns: (fields ?? []).map((f) => f.name), affectedRows: 0 };
  }
  return { rows: [], columns: [], affectedRows: (result as mysql.ResultSetHeader).affectedRows };
}

/** Opens a pool for `settings`. Connects lazily, like the PostgreSQL driver. */
export function openMysql(settings: Extract<ServerSettings, { type: 'mysql' }>): Driver {
  const ssl = tlsOptions(settings);
  const pool = mysql.createPool({
    host: settings.host,
    port: portOf(settings),
    ...(settings.database === undefined ? {} : { database: settings.database }),
    ...(settings.user === undefined ? {} : { user: settings.user }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(ssl === undefined ? {} : { ssl }),
    connectionLimit: settings.poolSize,
    maxIdle: settings.poolSize,
    idleTimeout: 30_000,
    connectTimeout: 10_000,
    enableKeepAlive: true,
    // The same JSON-safe values as PostgreSQL: dates as the server prints them, BIGINT and DECIMAL as strings.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    // Paging re-runs the same few texts: a small statement cache per connection keeps memory flat.
    maxPreparedStatements: 64,
    // The session settings below must survive between calls.
    resetOnRelease: false,
  });
  const prepared = new WeakSet<object>();

  /** A pool connection with this config's session settings applied (once per physical connection). */
  async function acquire(): Promise<Connection> {
    const connection = await pool.getConnection();
    if (prepared.has(connection.connection)) return connection;
    try {
      if (settings.statementTimeout > 0) {
        const [rows] = await connection.query('SELECT VERSION() AS version');
        const version = String((rows as Row[])[0]?.version ?? '');
        // MariaDB: max_statement_time (seconds, every statement); MySQL: max_execution_time (ms, SELECT only).
        // statementTimeout is a checked integer, so it can be part of the text.
        await connection.query(
          /mariadb/i.test(version)
            ? `SET SESSION max_statement_time = ${settings.statementTimeout / 1000}`
            : `SET SESSION max_execution_time = ${settings.statementTimeout}`,
        );
      }
      if (settings.readOnly) await connection.query('SET SESSION TRANSACTION READ ONLY');
      prepared.add(connection.connection);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  return {
    dialect: mysqlDialect,
    site: { kind: 'mysql', address: addressOf(settings) },
    async query(sql, values) {
      const connection = await acquire();
      try {
        return await run(connection, sql, values);
      } finally {
        connection.release();
      }
    },
    async ping() {
      const connection = await acquire();
      try {
        await connection.query('SELECT 1');
      } finally {
        connection.release();
      }
    },
    async transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
      const connection = await acquire();
      let broken = false;
      try {
        await connection.query('START TRANSACTION');
        const result = await work({ query: (sql, values) => run(connection, sql, values) });
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        if (broken) connection.destroy();
        else connection.release();
      }
    },
    close: () => pool.end(),
  };
}
