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
  {
    version: 3,
    name: 'registration trust',
    statements: [
      // Issue 13 finding 1: a registration token has an id (to list and revoke it), an expiry
      // and a number of uses. Tokens made before this migration keep working without either
      // (expires and max_uses NULL), until they are revoked.
      `ALTER TABLE registration_tokens ADD COLUMN id text`,
      `UPDATE registration_tokens SET id = 'old' || substr(token_hash, 1, 12)`,
      `ALTER TABLE registration_tokens ALTER COLUMN id SET NOT NULL`,
      `CREATE UNIQUE INDEX registration_tokens_by_id ON registration_tokens (id)`,
      `ALTER TABLE registration_tokens ADD COLUMN expires timestamptz`,
      `ALTER TABLE registration_tokens ADD COLUMN max_uses integer`,
      `ALTER TABLE registration_tokens ADD COLUMN uses integer NOT NULL DEFAULT 0`,
      `ALTER TABLE registration_tokens ADD COLUMN last_used timestamptz`,
      // A revoked instance's key opens nothing: not /connect, not the transport.
      `ALTER TABLE instances ADD COLUMN revoked timestamptz`,
      `ALTER TABLE instances ADD COLUMN token_id text`,
      // The instance whose manifest (config schema, methods) and public key the workspace
      // accepted: a registration no longer replaces them just by being the newest.
      `ALTER TABLE connectors ADD COLUMN manifest_instance text`,
      `UPDATE connectors c SET manifest_instance =
         (SELECT i.id FROM instances i WHERE i.connector = c.name ORDER BY i.created DESC, i.id DESC LIMIT 1)`,
    ],
  },
  {
    version: 4,
    name: 'webhook subscriptions',
    statements: [
      // Issue 19 item 4: a webhook attached to a connector, which subscribed its provider to it
      // (§8 webhook-subscriptions), and the state its subscribe returned, for the unsubscribe.
      `ALTER TABLE webhooks ADD COLUMN connector text`,
      `ALTER TABLE webhooks ADD COLUMN subscription jsonb`,
    ],
  },
  {
    version: 5,
    name: 'connector keys',
    statements: [
      // The public keys a connector's instances registered with, by key id (the `kid` of the
      // JWEs encrypted to it; 'none' for instances without a key), and whether the admin
      // accepted them. Secrets are encrypted to every accepted key (issue 13 finding 1).
      `CREATE TABLE connector_keys (
        connector text NOT NULL REFERENCES connectors (name) ON DELETE CASCADE,
        kid text NOT NULL,
        public_key text,
        state text NOT NULL CHECK (state IN ('accepted', 'pending', 'revoked')),
        created timestamptz NOT NULL DEFAULT clock_timestamp(),
        decided timestamptz,
        PRIMARY KEY (connector, kid)
      )`,
      // Approved one by one by the admin: a v1 instance, which cannot prove it holds its key.
      `ALTER TABLE instances ADD COLUMN approved boolean NOT NULL DEFAULT false`,
      // Set once an instance proved it holds its key: from then on, unproven instances wait for approval.
      `ALTER TABLE connectors ADD COLUMN proof_required boolean NOT NULL DEFAULT false`,
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
