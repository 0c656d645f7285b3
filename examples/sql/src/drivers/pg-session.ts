/**
 * How one call uses one PostgreSQL connection; the server driver and the embedded one share it.
 *
 * readOnly is enforced by the database, whatever the caller's SQL does (no SQL is inspected):
 * - the connection starts with `default_transaction_read_only=on`;
 * - `query` runs its statement inside `BEGIN READ ONLY`. One statement cannot make that block
 *   read-write: `SET TRANSACTION READ WRITE` alone changes nothing that could write, and a DO
 *   block or SELECT takes its snapshot first, after which the mode is frozen (SQLSTATE 25001).
 *   Outside a block, a DO block could COMMIT and go on in a fresh transaction whose mode it has
 *   just set with set_config(); inside one, COMMIT is refused (2D000);
 * - `transaction` asks the database after the first statement whether the block is still read
 *   only (that question takes the snapshot which freezes the mode), and refuses to run a statement
 *   once an earlier one has ended the block (COMMIT, ROLLBACK);
 * - after every call, {@link restoreSession} ends what the call left open and runs DISCARD ALL,
 *   which brings back the connection's startup values (`default_transaction_read_only`,
 *   `statement_timeout`) and drops temporary tables, prepared statements, advisory locks and
 *   LISTENs: nothing a caller sets reaches the next call.
 *
 * `statementTimeout` holds the same way: a statement cannot lift its own timeout (it is armed when
 * the statement starts), a SET lasts until the end of the call, and inside a transaction each
 * statement after the first starts with `RESET statement_timeout`.
 *
 * The statements of this module are sent together with the caller's (pipelining), so they add
 * server work but no round trips, except the one of the restore, which runs after the answer.
 */
import type { QueryResult, Session, SqlValue } from '../driver.js';
import { readOnlyRefusal, type ErrorSite } from '../errors.js';

/** One PostgreSQL connection, as this module uses it. */
export interface PgConnection {
  /**
   * Sends one statement. It may be called again before earlier statements have finished: the
   * statements run in the order they were sent, each with its own result or error.
   */
  query(sql: string, values?: readonly SqlValue[]): Promise<QueryResult>;
  /** A transaction block is open (or failed) after the statements that have finished. */
  inTransaction(): boolean;
}

/** What the call protocol needs of the config. */
export interface PgCallOptions {
  readOnly: boolean;
  /** For the errors this module raises itself. */
  site: ErrorSite;
}

/** Waits for statements sent together; the error of `main` (the caller's statement) comes first. */
async function together<T>(main: Promise<T>, others: Array<Promise<unknown>>): Promise<T> {
  const [outcome, ...rest] = await Promise.allSettled([main, ...others]);
  if (outcome!.status === 'rejected') throw outcome!.reason;
  for (const other of rest) if (other.status === 'rejected') throw other.reason;
  return outcome!.value as T;
}

/** Runs one caller statement. */
export function runQuery(conn: PgConnection, options: PgCallOptions, sql: string, values?: readonly SqlValue[]): Promise<QueryResult> {
  if (!options.readOnly) return conn.query(sql, values);
  // The block stays open: restoreSession rolls it back (a read-only block has nothing to commit).
  const begin = conn.query('BEGIN READ ONLY');
  return together(conn.query(sql, values), [begin]);
}

/**
 * Runs `work` in one transaction. Without readOnly it commits, or rolls back when `work` throws;
 * with readOnly there is nothing to commit and restoreSession rolls it back.
 * @throws ConnectorError `READ_ONLY` when a statement made the transaction read-write, or ended it before the next one
 * @throws the reason of `signal` for a statement after it aborted
 */
export async function runTransaction<T>(
  conn: PgConnection,
  options: PgCallOptions,
  work: (session: Session) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const begin = conn.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
  // Awaited with the first statement; handled here too in case `work` throws before it runs one.
  begin.catch(() => undefined);
  let count = 0;
  const session: Session = {
    async query(sql, values) {
      // An aborted call sends no further statement; the one it was running is cancelled (cancel.ts).
      signal?.throwIfAborted();
      count += 1;
      if (count === 1) {
        // The first statement may still set the isolation level (SET TRANSACTION ISOLATION LEVEL …).
        const result = conn.query(sql, values);
        if (!options.readOnly) return together(result, [begin]);
        const mode = conn.query("SELECT current_setting('transaction_read_only') AS read_only").then((check) => {
          if (check.rows[0]?.read_only !== 'on') {
            throw readOnlyRefusal(options.site, 'statement 1 made the transaction read-write (transaction_read_only is off)');
          }
        });
        return together(result, [begin, mode]);
      }
      if (options.readOnly && !conn.inTransaction()) {
        throw readOnlyRefusal(
          options.site,
          `statement ${count - 1} ended the transaction (COMMIT or ROLLBACK), so statement ${count} did not run`,
        );
      }
      const timeout = conn.query('RESET statement_timeout');
      return together(conn.query(sql, values), [timeout]);
    },
  };
  try {
    const result = await work(session);
    if (count === 0) await begin;
    if (!options.readOnly && conn.inTransaction()) await conn.query('COMMIT');
    return result;
  } catch (error) {
    // Rolled back before the caller hears of it, so the locks it held are gone by then.
    if (!options.readOnly && conn.inTransaction()) await conn.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Puts the connection back as it opened: rolls back a transaction the call left open, then
 * DISCARD ALL. A connection this fails on must not serve another call.
 */
export async function restoreSession(conn: PgConnection): Promise<void> {
  const rollback = conn.inTransaction() ? conn.query('ROLLBACK') : undefined;
  await Promise.all([rollback, conn.query('DISCARD ALL')]);
}
