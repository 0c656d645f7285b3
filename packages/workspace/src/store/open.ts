/**
 * Picks the store backend: PostgreSQL when a URL is given, else PGlite in the data folder.
 */
import { join } from 'node:path';
import { openPgliteDriver } from './pglite.js';
import { openPostgresDriver, type PostgresDriverOptions } from './postgres.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Folder of the embedded database (`<dataDir>/pglite`); in memory when neither this nor `databaseUrl` is set. @default undefined */
  dataDir?: string | undefined;
  /** PostgreSQL connection URL; when set, PGlite is not used. @default undefined */
  databaseUrl?: string | undefined;
  /** Options of the PostgreSQL pool (e.g. a `schema` for isolated test runs). @default {} */
  postgres?: PostgresDriverOptions | undefined;
}

/** Opens and migrates the store. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const driver =
    options.databaseUrl !== undefined
      ? await openPostgresDriver(options.databaseUrl, options.postgres)
      : await openPgliteDriver(options.dataDir === undefined ? undefined : join(options.dataDir, 'pglite'));
  return SqlStore.open(driver);
}
