/**
 * PostgreSQL through a `pg.Pool`. Every statement uses the extended query protocol, so values
 * are always bound and one call runs exactly one statement. How a call uses its connection
 * (readOnly, and the reset after it) is in pg-session.ts.
 */
import pg from 'pg';
import type { Driver, QueryResult, Session, SqlValue } from '../driver.js';
import { postgresDialect } from '../dialect.js';
import { toJsonRow } from '../values.js';
import { addressOf, portOf, type ServerSettings } from '../settings.js';
import { tlsOptions } from '../ssl.js';
import type { Logger } from '../logger.js';
import { unlessAborted, watchCancel } from './cancel.js';
import { restoreSession, runQuery, runTransaction, type PgCallOptions, type PgConnection } from './pg-session.js';

/** Type ids whose text form is kept as is: date, time, timestamp, timestamptz, timetz (no time-zone shifts). */
const RAW_TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    RAW_TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Commands whose row count means "rows changed". */
const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** Runs one statement on a client. */
async function runPg(target: pg.PoolClient, sql: string, values: readonly SqlValue[] = []): Promise<QueryResult> {
  // `queryMode: 'extended'` even without values: a call can never smuggle in a second statement.
  const config: pg.QueryConfig & { queryMode: 'extended' } = { text: sql, values: values as unknown[], queryMode: 'extended' };
  const result = await target.query(config);
  return {
    rows: result.rows.map(toJsonRow),
    columns: (result.fields ?? []).map((f) => f.name),
    affectedRows: WRITE_COMMANDS.has(result.command) ? (result.rowCount ?? 0) : 0,
  };
}

/** Opens a pool for `settings`. Connects lazily: an unreachable server shows in the health check and calls. */
export function openPostgres(settings: Extract<ServerSettings, { type: 'postgres' }>, logger: Logger): Driver {
  const ssl = tlsOptions(settings);
  // What every connection of this config opens with: the pool's, and the one a cancel uses.
  const connection: pg.ClientConfig = {
    host: settings.host,
    port: portOf(settings),
    ...(settings.database === undefined ? {} : { database: settings.database }),
    ...(settings.user === undefined ? {} : { user: settings.user }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ssl: ssl ?? false,
    connectionTimeoutMillis: 10_000,
    types,
    // Startup parameters: enforced by the server for every statement of every connection, and
    // what DISCARD ALL (after every call) brings back, whatever a caller SET.
    ...(settings.statementTimeout > 0 ? { statement_timeout: settings.statementTimeout } : {}),
    ...(settings.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    application_name: 'connector-kit-sql',
  };
  const pool = new pg.Pool({
    ...connection,
    max: settings.poolSize,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // pg-session.ts sends its own statements together with the caller's, without waiting between them.
    pipeline: true,
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (error) => logger.warn(`idle PostgreSQL connection to ${addressOf(settings)} failed: ${error.message}`));
  const site = { kind: 'postgres', address: addressOf(settings), tls: ssl !== undefined, readOnly: settings.readOnly } as const;
  const options: PgCallOptions = { readOnly: settings.readOnly, site };

  /**
   * Cancels the statement running on the backend `pid` (cancel.ts), from a connection of its own:
   * the pool may have none to spare. `pg_cancel_backend` needs no privilege for the same user's
   * backends; one that runs nothing ignores it.
   */
  async function cancelBackend(pid: number): Promise<void> {
    const control = new pg.Client({ ...connection, application_name: 'connector-kit-sql cancel' });
    // A connection error surfaces through connect() or query(); this keeps it from crashing the process.
    control.on('error', () => undefined);
    try {
      await control.connect();
      const result = await control.query<{ sent: boolean }>('SELECT pg_cancel_backend($1) AS sent', [pid]);
      if (result.rows[0]?.sent !== true) throw new Error(`the server could not signal backend ${pid}`);
    } finally {
      await control.end().catch(() => undefined);
    }
  }

  /**
   * Runs `call` on one pooled connection, which is restored (pg-session.ts) after the answer and
   * before it serves again. When `signal` aborts, the call stops waiting for a connection, or its
   * statement is cancelled in the server; the connection is restored once the cancel was answered.
   */
  async function withConnection<T>(call: (conn: PgConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const client = await unlessAborted(pool.connect(), signal, (late) => late.release());
    const conn: PgConnection = {
      query: (sql, values) => runPg(client, sql, values),
      inTransaction: () => client.getTransactionStatus() !== 'I',
    };
    const pid = (client as pg.PoolClient & { processID: number }).processID;
    const watch = watchCancel(signal, () => cancelBackend(pid), logger, `a statement on PostgreSQL backend ${pid}`);
    try {
      return await call(conn);
    } finally {
      watch
        .end()
        .then(() => restoreSession(conn))
        .then(
          () => client.release(),
          (error: Error) => {
            // In an unknown state: closed instead of reused.
            logger.warn(
              `a PostgreSQL connection to ${addressOf(settings)} could not be reset after a call and was closed: ${error.message}`,
            );
            client.release(error);
          },
        );
    }
  }

  return {
    dialect: postgresDialect,
    site,
    query: (sql, values, signal) => withConnection((conn) => runQuery(conn, options, sql, values), signal),
    ping: async () => void (await pool.query('SELECT 1')),
    transaction: <T>(work: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> =>
      withConnection((conn) => runTransaction(conn, options, work, signal), signal),
    close: () => pool.end(),
  };
}
