/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in memory, loaded with
 * the sample schema. Needs no server, so `npm start` works out of the box. Sized for a demo
 * ({@link EMBEDDED_SETTINGS}); boots after the first from the template it kept
 * ({@link embeddedTemplateFile}), without initdb.
 *
 * PGlite runs in a worker thread: booting it and running its statements are CPU work that
 * would otherwise stall the event loop for seconds (heartbeats, other calls). It starts on
 * first use, not at `start`; the health check that follows every `set-config` is such a use
 * when `type` is set to embedded (not only defaulted), so "healthy" means the database answered. It is one connection, so calls take turns, and each
 * call uses it as a call uses a PostgreSQL connection (pg-session.ts: readOnly, the reset after
 * it). `statementTimeout` has no effect here.
 *
 * A call's aborted `ctx.signal` (cancel.ts) stops what has not reached the database: a call still
 * waiting for its turn never runs, and a transaction sends no further statement. A statement
 * already running cannot be stopped: PGlite runs it to its end inside the worker's one thread,
 * whose WebAssembly memory no other thread can reach to raise PostgreSQL's cancel flag, and ending
 * the worker would lose the in-memory database. The call is answered at its deadline all the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Driver, QueryResult, Session, SqlValue } from '../driver.js';
import type { ErrorSite } from '../errors.js';
import { postgresDialect } from '../dialect.js';
import { toJsonRow } from '../values.js';
import type { Settings } from '../settings.js';
import { SAMPLE_SCHEMA } from './sample.js';
import { WORKER_SOURCE } from './embedded-worker.js';
import { restoreSession, runQuery, runTransaction, type PgCallOptions, type PgConnection } from './pg-session.js';

/**
 * Postgres settings of the embedded database (issue 18), after PGlite's own. initdb sizes a server
 * for 100 clients (128 MB of shared buffers), and PGlite's WebAssembly heap never gives back what
 * it grew to: the example idled at ~750 MB (bench/RESULTS.md item 8). Its database is a few
 * sample tables with one user, so: `shared_buffers` 16 MB holds them (and a paged read of a large
 * result); `max_connections` 2 sizes the per-backend tables for the one backend; `maintenance_work_mem`
 * and `temp_buffers` bound what an index build or temporary table may take; WAL sizes fit an
 * in-memory database that is never recovered.
 */
export const EMBEDDED_SETTINGS: readonly string[] = [
  'shared_buffers=16MB',
  'max_connections=2',
  'maintenance_work_mem=16MB',
  'temp_buffers=1MB',
  'min_wal_size=32MB',
  'max_wal_size=64MB',
];

/** initdb arguments: 1 MB WAL segments (the in-memory file system holds every segment). */
export const EMBEDDED_INITDB_ARGS: readonly string[] = ['--wal-segsize=1'];

/** The folder of the package this module was built into (its `dist/`, or `src/` under tests). */
function packageFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return dirname(fileURLToPath(import.meta.url));
    folder = parent;
  }
  return folder;
}

/**
 * Where the first boot keeps the sample database for the next ones: `templates/` in the
 * connector's package, named by a digest of everything that makes the database (PGlite's version,
 * the schema, the settings, the initdb arguments), so a changed one is never loaded.
 */
export function embeddedTemplateFile(pgliteEntry: string): string {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(dirname(pgliteEntry), '../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // No package.json next to the entry: the digest still covers the rest.
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([version, SAMPLE_SCHEMA, EMBEDDED_SETTINGS, EMBEDDED_INITDB_ARGS]))
    .digest('hex')
    .slice(0, 16);
  return join(packageFolder(), 'templates', `embedded-${digest}.tgz`);
}

type Reply = { id: number; result?: QueryResult; error?: Record<string, string>; inTransaction: boolean };

/** One PGlite in a worker thread, with a request table. */
class EmbeddedWorker implements PgConnection {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: QueryResult) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failure: Error | undefined;
  #inTransaction = false;

  constructor(readOnly: boolean) {
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        pglite,
        schema: SAMPLE_SCHEMA,
        readOnly,
        settings: EMBEDDED_SETTINGS,
        initdbArgs: EMBEDDED_INITDB_ARGS,
        template: embeddedTemplateFile(pglite),
      },
    });
    this.#worker.on('message', (reply: Reply) => {
      // Replies come in the order the statements were sent: the last one tells the current state.
      this.#inTransaction = reply.inTransaction;
      const entry = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.error) entry?.reject(Object.assign(new Error(reply.error.message), reply.error));
      else if (reply.result) entry?.resolve({ ...reply.result, rows: reply.result.rows.map(toJsonRow) });
    });
    const fail = (error: Error): void => {
      this.#failure = error;
      for (const entry of this.#pending.values()) entry.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`the embedded database stopped (worker exit code ${code})`)));
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  inTransaction(): boolean {
    return this.#inTransaction;
  }

  query(sql: string, values: readonly SqlValue[] = []): Promise<QueryResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, sql, values });
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('the embedded database is closed');
    await this.#worker.terminate();
  }
}

/** Options of {@link openEmbedded}. */
export interface EmbeddedOptions {
  /**
   * Whether a health check boots the database. Off while `embedded` is only the default of an
   * unconfigured connector: most such connectors are about to get a server's config, and a
   * booted PGlite keeps ~130 MB of the process's memory after it is closed (measured in the
   * bench's SQL phase). The health check then reports healthy without a round trip.
   * @default true
   */
  bootOnPing?: boolean;
}

/** An in-memory database with the sample schema, started by the first statement or health check. */
export function openEmbedded(settings: Extract<Settings, { type: 'embedded' }>, embedded: EmbeddedOptions = {}): Driver {
  const bootOnPing = embedded.bootOnPing ?? true;
  const site: ErrorSite = { kind: 'embedded', readOnly: settings.readOnly };
  const options: PgCallOptions = { readOnly: settings.readOnly, site };
  let worker: EmbeddedWorker | undefined;
  // One connection: a call must not interleave with another one's statements.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(call: (db: EmbeddedWorker) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    let db: EmbeddedWorker | undefined;
    const run = turn.then(() => {
      // A call aborted while it waited for its turn never runs.
      signal?.throwIfAborted();
      // A worker that died (e.g. out of memory) is replaced on the next statement.
      if (worker === undefined || worker.failed) worker = new EmbeddedWorker(settings.readOnly);
      db = worker;
      return call(db);
    });
    // The next call waits for this one's restore as well; this one's caller does not.
    turn = run
      .catch(() => undefined)
      .then(async () => {
        if (db === undefined || db.failed) return;
        // A database that cannot be reset is in an unknown state: the next call starts a fresh one.
        await restoreSession(db).catch(() => db?.close());
      });
    return run;
  };

  return {
    dialect: postgresDialect,
    site,
    query: (sql, values, signal) => exclusive((db) => runQuery(db, options, sql, values), signal),
    // A real round trip, so the first health check after a config boots the database (unless
    // embedded is only the default and nothing has used it yet).
    ping: async () => {
      if (!bootOnPing && (worker === undefined || worker.failed)) return;
      await exclusive((db) => db.query('SELECT 1'));
    },
    transaction: <T>(work: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> =>
      exclusive((db) => runTransaction(db, options, work, signal), signal),
    close: async () => {
      await turn;
      await worker?.close();
    },
  };
}
