/**
 * The embedded store: PGlite (PostgreSQL compiled to WebAssembly), persistent in a folder.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlDriver } from './store.js';

type Queryable = Pick<Transaction, 'query'>;

function wrap(db: Queryable): Pick<SqlDriver, 'query'> {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await db.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
  };
}

/**
 * Opens (creating when needed) a PGlite database in `dataDir`, or in memory when undefined.
 * PGlite is single-connection: queries queue, and a transaction holds the connection.
 */
export async function openPgliteDriver(dataDir: string | undefined): Promise<SqlDriver> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
  return {
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn({ ...wrap(tx), close: async () => {} })),
    close: async () => {
      if (!db.closed) await db.close();
    },
  };
}
