/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in memory, loaded with
 * the sample schema. Needs no server, so `npm start` works out of the box.
 *
 * PGlite runs in a worker thread: booting it and running its statements are CPU work that
 * would otherwise stall the event loop for seconds (heartbeats, other calls). It starts on
 * first use, not at `start`: the first `set-config` arrives before anyone could configure
 * the connector (so with the embedded default), and a connector about to be pointed at
 * PostgreSQL should not boot a database it will never use. It is one connection, so
 * statements take turns, and a transaction holds it from BEGIN to COMMIT.
 * `statementTimeout` has no effect here.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Driver, QueryResult, Session, SqlValue } from '../driver.js';
import { postgresDialect } from '../dialect.js';
import { toJsonRow } from '../values.js';
import type { Settings } from '../settings.js';
import { SAMPLE_SCHEMA } from './sample.js';
import { WORKER_SOURCE } from './embedded-worker.js';

type Reply = { id: number; result?: QueryResult; error?: Record<string, string> };

/** One PGlite in a worker thread, with a request table. */
class EmbeddedWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: QueryResult) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failure: Error | undefined;

  constructor(readOnly: boolean) {
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pglite, schema: SAMPLE_SCHEMA, readOnly } });
    this.#worker.on('message', (reply: Reply) => {
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

/** An in-memory database with the sample schema, started by the first statement. */
export function openEmbedded(settings: Extract<Settings, { type: 'embedded' }>): Driver {
  let worker: EmbeddedWorker | undefined;
  // One connection: a transaction must not interleave with other statements.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: (db: EmbeddedWorker) => Promise<T>): Promise<T> => {
    const run = turn.then(() => {
      // A worker that died (e.g. out of memory) is replaced on the next statement.
      if (worker === undefined || worker.failed) worker = new EmbeddedWorker(settings.readOnly);
      return work(worker);
    });
    turn = run.catch(() => undefined);
    return run;
  };

  return {
    dialect: postgresDialect,
    site: { kind: 'embedded' },
    query: (sql, values) => exclusive((db) => db.query(sql, values)),
    // Healthy before the first call: there is no server that could be down.
    ping: async () => void (worker === undefined ? undefined : await exclusive((db) => db.query('SELECT 1'))),
    transaction: <T>(work: (session: Session) => Promise<T>): Promise<T> =>
      exclusive(async (db) => {
        await db.query('BEGIN');
        try {
          const result = await work({ query: (sql, values) => db.query(sql, values) });
          await db.query('COMMIT');
          return result;
        } catch (error) {
          await db.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    close: async () => {
      await turn;
      await worker?.close();
    },
  };
}
