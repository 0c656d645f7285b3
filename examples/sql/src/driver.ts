/**
 * The one interface every database sits behind. Methods, paging and schema queries are
 * written once against it; `drivers/` holds one implementation per database.
 */
import type { Dialect } from './dialect.js';
import type { ErrorSite } from './errors.js';

/** A value bound to a placeholder. Objects travel as JSON; arrays as PostgreSQL arrays (PostgreSQL) or JSON (MySQL). */
export type SqlValue = string | number | boolean | null | SqlValue[] | { [key: string]: SqlValue };

/** One row, keyed by column name. Values are JSON-safe (see values.ts). */
export type Row = Record<string, unknown>;

/** The result of one statement, in the same shape for every database. */
export interface QueryResult {
  /** Rows the statement returned (empty for most writes). */
  rows: Row[];
  /** Column names in result order (empty when the statement returns no rows). */
  columns: string[];
  /** Rows inserted, updated or deleted; 0 for reads. */
  affectedRows: number;
}

/** Something that runs statements: the pool itself, or one connection inside a transaction. */
export interface Session {
  /**
   * Runs one statement with `values` bound to its placeholders (`$1` for PostgreSQL, `?` for MySQL).
   * @throws the database driver's own error; map it with `toConnectorError`
   */
  query(sql: string, values?: readonly SqlValue[]): Promise<QueryResult>;
}

/**
 * A connection pool (or the embedded database) for one config. `signal` is the call's
 * `ctx.signal`: when it aborts, the call stops waiting for a connection and its statement is
 * cancelled in the database (drivers/cancel.ts); the call then fails with the signal's reason.
 */
export interface Driver {
  /** `postgres` (PostgreSQL and the embedded PGlite) or `mysql` (MySQL and MariaDB). */
  readonly dialect: Dialect;
  /** Which config `type` this driver serves and where, for error messages. */
  readonly site: ErrorSite;
  /** Runs one statement, as {@link Session.query}, on a connection of its own. */
  query(sql: string, values?: readonly SqlValue[], signal?: AbortSignal): Promise<QueryResult>;
  /** A cheap round trip (`SELECT 1`) for the health check. */
  ping(): Promise<void>;
  /** Runs `work` on one connection between BEGIN and COMMIT; rolls back when it throws. */
  transaction<T>(work: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Closes every connection. Called once, after the last call using this driver has finished. */
  close(): Promise<void>;
}

/** `driver` as a Session whose statements are cancelled when `signal` aborts (paging, catalog reads). */
export function cancellable(driver: Driver, signal: AbortSignal | undefined): Session {
  return { query: (sql, values) => driver.query(sql, values, signal) };
}
