/**
 * The schema, as numbered migrations. Applied on start inside one transaction that holds an
 * advisory lock, so two workspaces starting against one PostgreSQL never race; each applied
 * version is recorded in `schema_migrations`. Never edit a released migration: add one.
 */
import type { SqlDriver } from './store.js';

/** One step of the schema: single statements, because PGlite's `query` takes one at a time. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: [
      `CREATE TABLE connectors (
        name text PRIMARY KEY,
        connector_id text NOT NULL,
        created timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE registration_tokens (
        token_hash text PRIMARY KEY,
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        created timestamptz NOT NULL DEFAULT now(),
        revoked boolean NOT NULL DEFAULT false
      )`,
      // json, not jsonb: the manifest keeps the connector's order of fields and methods.
      `CREATE TABLE instances (
        id text PRIMARY KEY,
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        name text NOT NULL,
        version text NOT NULL,
        deployment text NOT NULL DEFAULT '',
        public_key text,
        key_hash text NOT NULL UNIQUE,
        manifest json NOT NULL,
        created timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_seen timestamptz
      )`,
      `CREATE INDEX instances_by_connector ON instances (connector, created DESC)`,
      `CREATE TABLE config (
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        field text NOT NULL,
        value jsonb NOT NULL,
        secret boolean NOT NULL,
        updated timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (connector, field)
      )`,
      // NULL keys never collide, so tasks without a key are unaffected by the unique constraint.
      `CREATE TABLE tasks (
        id text PRIMARY KEY,
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        instance text,
        name text NOT NULL,
        data jsonb NOT NULL,
        status text NOT NULL DEFAULT 'open',
        idempotency_key text,
        created timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT tasks_idempotency UNIQUE (connector, idempotency_key)
      )`,
      `CREATE INDEX tasks_by_connector ON tasks (connector, created DESC)`,
      `CREATE TABLE blobs (
        id text PRIMARY KEY,
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        task_id text,
        name text,
        size integer NOT NULL,
        mimetype text,
        meta jsonb,
        content text NOT NULL,
        created timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
  {
    version: 2,
    name: 'workspace webhooks',
    statements: [
      // The signing secret is kept as given: verifying an HMAC needs it in clear (protocol.md §7).
      `CREATE TABLE webhooks (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        secret text,
        created timestamptz NOT NULL DEFAULT now()
      )`,
      // One row per message id a webhook accepted: the primary key is what makes a re-sent
      // message create no second task, even when the copies arrive at once.
      `CREATE TABLE webhook_messages (
        webhook text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        message_id text NOT NULL,
        task_id text NOT NULL,
        received timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (webhook, message_id)
      )`,
      // Tasks a webhook creates belong to no connector.
      `ALTER TABLE tasks ALTER COLUMN connector DROP NOT NULL`,
    ],
  },
];

/** Arbitrary constant naming this schema's advisory lock. */
const LOCK_KEY = 4_700_001;

/** Applies the migrations not yet recorded; returns the versions it applied. */
export async function migrate(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const run = async (db: SqlDriver): Promise<number[]> => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    // Created under the lock: two first starts cannot both try to create it.
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await db.query(statement);
      await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  };
  return driver.transaction ? driver.transaction(run) : run(driver);
}
