/**
 * The PostgreSQL store driver: a `pg.Pool` from a connection URL.
 */
import pg from 'pg';
import type { SqlDriver } from './store.js';

/** Options of {@link openPostgresDriver}. */
export interface PostgresDriverOptions {
  /** Schema to create (if missing) and use as `search_path`, e.g. to isolate test runs. @default the server's search_path */
  schema?: string;
  /** Connections in the pool. @default 10 */
  max?: number;
  /** Called with errors of idle pooled connections (which would otherwise crash the process). @default ignore */
  onError?: (error: Error) => void;
}

/** Arbitrary constant naming the advisory lock of schema creation. */
const SCHEMA_LOCK_KEY = 4_700_002;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Creates the schema under an advisory lock: CREATE SCHEMA IF NOT EXISTS alone races with itself. */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Connects to PostgreSQL at `databaseUrl`.
 * @throws Error when the database cannot be reached or `schema` is not a plain identifier
 */
export async function openPostgresDriver(databaseUrl: string, options: PostgresDriverOptions = {}): Promise<SqlDriver> {
  const { schema } = options;
  if (schema !== undefined && !IDENTIFIER.test(schema)) {
    throw new Error(`schema "${schema}" is not a plain SQL identifier (letters, digits, _)`);
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    // Every pooled connection starts with the schema as its search_path.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on('error', options.onError ?? (() => {}));
  try {
    if (schema !== undefined) await createSchema(pool, schema);
    else await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw error;
  }

  const query = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
    const result = await client.query(sql, params as unknown[]);
    return result.rows as Row[];
  };

  let closed = false;
  return {
    query: (sql, params) => query(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params) => query(client, sql, params), close: async () => {} });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
