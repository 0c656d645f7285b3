/**
 * The embedded store: PGlite (PostgreSQL compiled to WebAssembly), persistent in a folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions, type Transaction } from '@electric-sql/pglite';
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
 * Postgres settings of the embedded store (issue 18), passed at every start after PGlite's own.
 * initdb's defaults size a server for 100 clients, and PGlite runs it as one single-user backend
 * in a WebAssembly heap that never shrinks: 128 MB of shared buffers made a reopened store hold
 * ~300 MB (bench/RESULTS.md item 8). A workspace's store is small and has one user:
 * - `shared_buffers` 8 MB (1,024 pages) holds its hot tables and indexes; `wal_buffers` follows
 *   it (1/32: 256 kB);
 * - `max_connections` 2 sizes the per-backend shared tables (PGPROC, locks) for the one backend;
 * - `work_mem`, `maintenance_work_mem` and `temp_buffers` bound what one sort, index build or
 *   temporary table may take: memory the heap grows to keeps its pages for the process's life;
 * - `min_wal_size`/`max_wal_size` 32/64 MB keep the folder's WAL small (a checkpoint recycles it).
 *   Both stay valid for folders made with 16 MB WAL segments (two segments at least).
 */
export const PGLITE_SETTINGS: readonly string[] = [
  'shared_buffers=8MB',
  'max_connections=2',
  'work_mem=2MB',
  'maintenance_work_mem=8MB',
  'temp_buffers=1MB',
  'min_wal_size=32MB',
  'max_wal_size=64MB',
];

/** initdb arguments for new folders: 1 MB WAL segments, so a fresh folder holds 1 MB of WAL, not 16. */
export const PGLITE_INITDB_ARGS: readonly string[] = ['--wal-segsize=1'];

/** The options every PGlite of the store is created with. */
export function pgliteOptions(dataDir: string | undefined): PGliteOptions {
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
    initDbStartParams: [...PGLITE_INITDB_ARGS],
  };
}

/**
 * The template of a new store: the data folder initdb makes, as a gzipped tarball, built once by
 * the package's build (`scripts/pglite-template.mjs`) into `templates/`. Its name holds PGlite's
 * version and a digest of {@link PGLITE_INITDB_ARGS}, so a template of another PGlite or other
 * initdb arguments is never loaded (that store runs initdb instead).
 */
export function pgliteTemplateFile(): string {
  const require = createRequire(import.meta.url);
  const pglite = JSON.parse(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '../package.json'), 'utf8')) as {
    version: string;
  };
  const args = createHash('sha256').update(JSON.stringify(PGLITE_INITDB_ARGS)).digest('hex').slice(0, 12);
  return join(dirname(require.resolve('@connector-kit/workspace/package.json')), 'templates', `pglite-${pglite.version}-${args}.tgz`);
}

/**
 * The template to load into a store that has no database yet, or undefined (none was built, or
 * the folder has one). Loading it skips initdb: PGlite runs initdb in a second instance and the
 * `initdb` module, three WebAssembly heaps (~500 MB) that stay in the process until a full GC,
 * and ~10 s of CPU (bench/RESULTS.md item 8).
 */
async function templateFor(dataDir: string | undefined): Promise<Blob | undefined> {
  if (dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION'))) return undefined;
  try {
    return new Blob([await readFile(pgliteTemplateFile())]);
  } catch {
    return undefined;
  }
}

/**
 * Closes every file and folder under `dir` to its owner: files lose their group and other bits
 * (0666 → 0600), folders become 0700; symbolic links are left alone (never followed).
 * PGlite writes the files it unpacks from a template (`loadDataDir`) and those of initdb 0666,
 * whatever the umask; the files PostgreSQL makes later it opens 0600 itself (issue 13 finding 6:
 * a webhook secret was readable in `pg_wal`). Folders made before this rule are fixed at the
 * next start. Returns how many entries it changed.
 */
export async function restrictToOwner(dir: string): Promise<number> {
  let changed = 0;
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return;
    if (info.isDirectory()) {
      if ((info.mode & 0o777) !== 0o700) {
        await chmod(path, 0o700);
        changed++;
      }
      for (const entry of await readdir(path)) await walk(join(path, entry));
    } else if ((info.mode & 0o077) !== 0) {
      await chmod(path, info.mode & 0o700);
      changed++;
    }
  };
  await walk(dir);
  return changed;
}

/** The store's PGlite in `dataDir` (made when needed; in memory when undefined), as {@link openPgliteDriver} opens it. */
export async function createPglite(dataDir: string | undefined): Promise<PGlite> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const template = await templateFor(dataDir);
  const db = await PGlite.create({ ...pgliteOptions(dataDir), ...(template === undefined ? {} : { loadDataDir: template }) });
  if (dataDir !== undefined) {
    try {
      await restrictToOwner(dataDir);
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
  }
  return db;
}

/**
 * Opens (creating when needed) a PGlite database in `dataDir`, or in memory when undefined.
 * A new one is loaded from the template when there is one (see {@link templateFor}).
 * PGlite is single-connection: queries queue, and a transaction holds the connection.
 */
export async function openPgliteDriver(dataDir: string | undefined): Promise<SqlDriver> {
  const db = await createPglite(dataDir);
  return {
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn({ ...wrap(tx), close: async () => {} })),
    close: async () => {
      if (!db.closed) await db.close();
    },
  };
}
