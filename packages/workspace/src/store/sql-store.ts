/**
 * The one SQL implementation of {@link Store}, shared by PGlite and PostgreSQL: both speak the
 * same dialect, so every statement here runs unchanged on either driver.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectorSchema } from '@connector-kit/sdk/protocol';
import { WorkspaceError } from '../errors.js';
import { migrate } from './migrations.js';
import type {
  BlobRecord,
  ConfigEntry,
  ConnectorKeyRecord,
  ConnectorRecord,
  InstanceRecord,
  KeyState,
  NewBlob,
  NewInstance,
  NewTask,
  NewWebhookTask,
  RegistrationTokenCheck,
  RegistrationTokenLimits,
  RegistrationTokenRecord,
  SqlDriver,
  Store,
  TaskRecord,
  WebhookRecord,
} from './store.js';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A short unique id: 75 random bits as 15 characters of lowercase base32. Not base64url: an id
 * starting with "-" reads as an option on a command line (`workspace task show -x1…` failed
 * that way, about one id in 64), and mixed case is easy to mistype.
 */
export function shortId(): string {
  const bytes = randomBytes(15);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte & 31];
  return id;
}

const UNIQUE_VIOLATION = '23505';

type Row = Record<string, unknown>;

const toConnector = (r: Row): ConnectorRecord => ({
  name: r.name as string,
  connectorId: r.connector_id as string,
  created: r.created as Date,
});

const toInstance = (r: Row): InstanceRecord => ({
  id: r.id as string,
  connector: r.connector as string,
  name: r.name as string,
  version: r.version as string,
  deployment: r.deployment as string,
  publicKey: (r.public_key as string | null) ?? null,
  manifest: r.manifest as ConnectorSchema,
  created: r.created as Date,
  lastSeen: (r.last_seen as Date | null) ?? null,
  revoked: (r.revoked as Date | null) ?? null,
  tokenId: (r.token_id as string | null) ?? null,
  approved: r.approved === true,
});

const toKey = (r: Row): ConnectorKeyRecord => ({
  connector: r.connector as string,
  kid: r.kid as string,
  publicKey: (r.public_key as string | null) ?? null,
  state: r.state as KeyState,
  created: r.created as Date,
  decided: (r.decided as Date | null) ?? null,
});
const KEY_COLUMNS = 'connector, kid, public_key, state, created, decided';

const toToken = (r: Row): RegistrationTokenRecord => ({
  id: r.id as string,
  connector: r.connector as string,
  created: r.created as Date,
  expires: (r.expires as Date | null) ?? null,
  maxUses: (r.max_uses as number | null) ?? null,
  uses: r.uses as number,
  lastUsed: (r.last_used as Date | null) ?? null,
  revoked: r.revoked as boolean,
});

const toTask = (r: Row): TaskRecord => ({
  id: r.id as string,
  connector: (r.connector as string | null) ?? null,
  instance: (r.instance as string | null) ?? null,
  name: r.name as string,
  data: r.data as Record<string, unknown>,
  status: r.status as string,
  idempotencyKey: (r.idempotency_key as string | null) ?? null,
  created: r.created as Date,
  updated: r.updated as Date,
});

const toBlob = (r: Row): BlobRecord => ({
  id: r.id as string,
  connector: r.connector as string,
  taskId: (r.task_id as string | null) ?? null,
  name: (r.name as string | null) ?? null,
  size: r.size as number,
  mimetype: (r.mimetype as string | null) ?? null,
  meta: r.meta ?? null,
  created: r.created as Date,
});

const WEBHOOK_COLUMNS = 'id, name, secret, connector, subscription, created';

const toWebhook = (r: Row): WebhookRecord => ({
  id: r.id as string,
  name: r.name as string,
  secret: (r.secret as string | null) ?? null,
  connector: (r.connector as string | null) ?? null,
  subscription: r.subscription ?? null,
  created: r.created as Date,
});

const INSTANCE_COLUMNS = 'id, connector, name, version, deployment, public_key, manifest, created, last_seen, revoked, token_id, approved';
const TOKEN_COLUMNS = 'id, connector, created, expires, max_uses, uses, last_used, revoked';
const TASK_COLUMNS = 'id, connector, instance, name, data, status, idempotency_key, created, updated';
const BLOB_COLUMNS = 'id, connector, task_id, name, size, mimetype, meta, created';

/** {@link Store} over any {@link SqlDriver}. Create it with {@link SqlStore.open}, which migrates. */
export class SqlStore implements Store {
  private constructor(private readonly db: SqlDriver) {}

  /** Applies pending migrations, then returns the store. Closes the driver if migrating fails. */
  static async open(driver: SqlDriver): Promise<SqlStore> {
    try {
      await migrate(driver);
    } catch (error) {
      await driver.close().catch(() => {});
      throw error;
    }
    return new SqlStore(driver);
  }

  async createConnector(name: string, connectorId: string): Promise<ConnectorRecord> {
    try {
      const rows = await this.db.query(
        'INSERT INTO connectors (name, connector_id) VALUES ($1, $2) RETURNING name, connector_id, created',
        [name, connectorId],
      );
      return toConnector(rows[0]!);
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new WorkspaceError('CONFLICT', `a connector named "${name}" already exists: pick another name`);
      }
      throw error;
    }
  }

  async getConnector(name: string): Promise<ConnectorRecord | undefined> {
    const rows = await this.db.query('SELECT name, connector_id, created FROM connectors WHERE name = $1', [name]);
    return rows[0] && toConnector(rows[0]);
  }

  async listConnectors(): Promise<ConnectorRecord[]> {
    const rows = await this.db.query('SELECT name, connector_id, created FROM connectors ORDER BY name');
    return rows.map(toConnector);
  }

  async deleteConnector(name: string): Promise<boolean> {
    // Tasks and blobs reference the connector with ON DELETE CASCADE, like tokens, instances and config.
    const rows = await this.db.query('DELETE FROM connectors WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }

  async addRegistrationToken(
    connector: string,
    tokenHash: string,
    limits: RegistrationTokenLimits = { ttlMs: null, maxUses: null },
  ): Promise<RegistrationTokenRecord> {
    // The database's clock decides expiry, at creation and at use: one clock, whatever the app host's.
    const rows = await this.db.query(
      `INSERT INTO registration_tokens (token_hash, connector, id, expires, max_uses)
       VALUES ($1, $2, $3, CASE WHEN $4::double precision IS NULL THEN NULL ELSE now() + $4::double precision * interval '1 millisecond' END, $5)
       RETURNING ${TOKEN_COLUMNS}`,
      [tokenHash, connector, `tok_${shortId()}`, limits.ttlMs, limits.maxUses],
    );
    return toToken(rows[0]!);
  }

  async findConnectorByToken(tokenHash: string): Promise<ConnectorRecord | undefined> {
    const check = await this.checkRegistrationToken(tokenHash);
    return check.ok ? check.connector : undefined;
  }

  async checkRegistrationToken(tokenHash: string): Promise<RegistrationTokenCheck> {
    const rows = await this.db.query(
      `SELECT c.name, c.connector_id, c.created, t.id AS token_id, t.revoked,
         (t.expires IS NOT NULL AND t.expires <= now()) AS expired,
         (t.max_uses IS NOT NULL AND t.uses >= t.max_uses) AS used_up
       FROM registration_tokens t JOIN connectors c ON c.name = t.connector WHERE t.token_hash = $1`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked) return { ok: false, reason: 'revoked' };
    if (row.expired) return { ok: false, reason: 'expired' };
    if (row.used_up) return { ok: false, reason: 'used up' };
    return { ok: true, connector: toConnector(row), tokenId: row.token_id as string };
  }

  async useRegistrationToken(tokenHash: string): Promise<RegistrationTokenCheck> {
    // One statement: the row lock makes concurrent uses of the last allowed one queue, and the
    // WHERE, evaluated again after the wait, lets only the first through.
    const rows = await this.db.query(
      `UPDATE registration_tokens t SET uses = t.uses + 1, last_used = now() FROM connectors c
       WHERE c.name = t.connector AND t.token_hash = $1 AND NOT t.revoked
         AND (t.expires IS NULL OR t.expires > now()) AND (t.max_uses IS NULL OR t.uses < t.max_uses)
       RETURNING t.id AS token_id, c.name, c.connector_id, c.created`,
      [tokenHash],
    );
    const row = rows[0];
    if (row) return { ok: true, connector: toConnector(row), tokenId: row.token_id as string };
    const check = await this.checkRegistrationToken(tokenHash);
    // Valid when looked at again: a concurrent registration took its last use in between.
    return check.ok ? { ok: false, reason: 'used up' } : check;
  }

  async listRegistrationTokens(connector: string): Promise<RegistrationTokenRecord[]> {
    const rows = await this.db.query(`SELECT ${TOKEN_COLUMNS} FROM registration_tokens WHERE connector = $1 ORDER BY created DESC, id`, [
      connector,
    ]);
    return rows.map(toToken);
  }

  async revokeRegistrationTokens(connector: string, id?: string): Promise<number> {
    const rows =
      id === undefined
        ? await this.db.query('UPDATE registration_tokens SET revoked = true WHERE connector = $1 AND NOT revoked RETURNING id', [
            connector,
          ])
        : await this.db.query(
            'UPDATE registration_tokens SET revoked = true WHERE connector = $1 AND id = $2 AND NOT revoked RETURNING id',
            [connector, id],
          );
    return rows.length;
  }

  async createInstance(instance: NewInstance): Promise<InstanceRecord> {
    const rows = await this.db.query(
      `INSERT INTO instances (id, connector, name, version, deployment, public_key, key_hash, manifest, token_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9) RETURNING ${INSTANCE_COLUMNS}`,
      [
        shortId(),
        instance.connector,
        instance.name,
        instance.version,
        instance.deployment,
        instance.publicKey,
        instance.keyHash,
        JSON.stringify(instance.manifest),
        instance.tokenId ?? null,
      ],
    );
    return toInstance(rows[0]!);
  }

  async findInstanceByKey(keyHash: string): Promise<InstanceRecord | undefined> {
    const rows = await this.db.query(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE key_hash = $1`, [keyHash]);
    return rows[0] && toInstance(rows[0]);
  }

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const rows = await this.db.query(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE id = $1`, [id]);
    return rows[0] && toInstance(rows[0]);
  }

  async latestInstance(connector: string): Promise<InstanceRecord | undefined> {
    const rows = await this.db.query(
      `SELECT ${INSTANCE_COLUMNS} FROM instances WHERE connector = $1 ORDER BY created DESC, id DESC LIMIT 1`,
      [connector],
    );
    return rows[0] && toInstance(rows[0]);
  }

  async acceptedInstance(connector: string): Promise<InstanceRecord | undefined> {
    const columns = INSTANCE_COLUMNS.split(', ')
      .map((c) => `i.${c}`)
      .join(', ');
    const rows = await this.db.query(
      `SELECT ${columns} FROM connectors c JOIN instances i ON i.id = c.manifest_instance AND i.connector = c.name WHERE c.name = $1`,
      [connector],
    );
    return rows[0] && toInstance(rows[0]);
  }

  async acceptManifest(connector: string, instanceId: string): Promise<void> {
    await this.db.query(
      'UPDATE connectors SET manifest_instance = $2 WHERE name = $1 AND EXISTS (SELECT 1 FROM instances WHERE id = $2 AND connector = $1)',
      [connector, instanceId],
    );
  }

  async addKey(connector: string, kid: string, publicKey: string | null): Promise<ConnectorKeyRecord> {
    const add = async (db: SqlDriver): Promise<ConnectorKeyRecord> => {
      // The connector's row lock orders concurrent first registrations: one key is the first.
      await db.query('SELECT name FROM connectors WHERE name = $1 FOR UPDATE', [connector]);
      await db.query(
        `INSERT INTO connector_keys (connector, kid, public_key, state, decided)
         SELECT $1, $2, $3, s.state, CASE WHEN s.state = 'accepted' THEN clock_timestamp() END
         FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM connector_keys WHERE connector = $1) THEN 'pending' ELSE 'accepted' END AS state) s
         ON CONFLICT (connector, kid) DO NOTHING`,
        [connector, kid, publicKey],
      );
      const rows = await db.query(`SELECT ${KEY_COLUMNS} FROM connector_keys WHERE connector = $1 AND kid = $2`, [connector, kid]);
      return toKey(rows[0]!);
    };
    return this.db.transaction ? this.db.transaction(add) : add(this.db);
  }

  async getKey(connector: string, kid: string): Promise<ConnectorKeyRecord | undefined> {
    const rows = await this.db.query(`SELECT ${KEY_COLUMNS} FROM connector_keys WHERE connector = $1 AND kid = $2`, [connector, kid]);
    return rows[0] && toKey(rows[0]);
  }

  async listKeys(connector: string): Promise<ConnectorKeyRecord[]> {
    const rows = await this.db.query(`SELECT ${KEY_COLUMNS} FROM connector_keys WHERE connector = $1 ORDER BY created, kid`, [connector]);
    return rows.map(toKey);
  }

  async setKeyState(connector: string, kid: string, state: KeyState): Promise<void> {
    await this.db.query('UPDATE connector_keys SET state = $3, decided = clock_timestamp() WHERE connector = $1 AND kid = $2', [
      connector,
      kid,
      state,
    ]);
  }

  async approveInstance(connector: string, instanceId: string): Promise<void> {
    await this.db.query('UPDATE instances SET approved = true WHERE id = $1 AND connector = $2', [instanceId, connector]);
  }

  async proofRequired(connector: string): Promise<boolean> {
    const rows = await this.db.query<{ proof_required: boolean }>('SELECT proof_required FROM connectors WHERE name = $1', [connector]);
    return rows[0]?.proof_required === true;
  }

  async requireProof(connector: string): Promise<void> {
    await this.db.query('UPDATE connectors SET proof_required = true WHERE name = $1 AND NOT proof_required', [connector]);
  }

  async revokeInstance(connector: string, instanceId: string): Promise<InstanceRecord | undefined> {
    const rows = await this.db.query(
      `UPDATE instances SET revoked = coalesce(revoked, now()) WHERE id = $1 AND connector = $2 RETURNING ${INSTANCE_COLUMNS}`,
      [instanceId, connector],
    );
    return rows[0] && toInstance(rows[0]);
  }

  async listInstances(connector: string): Promise<InstanceRecord[]> {
    const rows = await this.db.query(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE connector = $1 ORDER BY created DESC, id DESC`, [
      connector,
    ]);
    return rows.map(toInstance);
  }

  async touchInstance(id: string): Promise<void> {
    await this.db.query('UPDATE instances SET last_seen = now() WHERE id = $1', [id]);
  }

  async getConfig(connector: string): Promise<ConfigEntry[]> {
    const rows = await this.db.query('SELECT field, value, secret, updated FROM config WHERE connector = $1 ORDER BY field', [connector]);
    return rows.map((r) => ({
      field: r.field as string,
      value: r.value,
      secret: r.secret as boolean,
      updated: r.updated as Date,
    }));
  }

  async setConfig(
    connector: string,
    entries: ReadonlyArray<{ field: string; value: unknown; secret: boolean }>,
    unset: readonly string[] = [],
  ): Promise<void> {
    const write = async (db: SqlDriver): Promise<void> => {
      if (unset.length > 0) await db.query('DELETE FROM config WHERE connector = $1 AND field = ANY($2)', [connector, [...unset]]);
      for (const entry of entries) {
        await db.query(
          `INSERT INTO config (connector, field, value, secret) VALUES ($1, $2, $3::jsonb, $4)
           ON CONFLICT (connector, field) DO UPDATE SET value = EXCLUDED.value, secret = EXCLUDED.secret, updated = now()`,
          [connector, entry.field, JSON.stringify(entry.value), entry.secret],
        );
      }
    };
    await (this.db.transaction ? this.db.transaction(write) : write(this.db));
  }

  async createTask(task: NewTask): Promise<{ id: string; created: boolean }> {
    const key = task.idempotencyKey ?? null;
    // ON CONFLICT makes concurrent inserts with one key safe: the losers insert nothing and
    // read the winner's row below (it is committed by then: the conflict waited for it).
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO tasks (id, connector, instance, name, data, idempotency_key) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       ON CONFLICT (connector, idempotency_key) DO NOTHING RETURNING id`,
      [shortId(), task.connector, task.instance, task.name, JSON.stringify(task.data), key],
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    const existing = await this.db.query<{ id: string }>('SELECT id FROM tasks WHERE connector = $1 AND idempotency_key = $2', [
      task.connector,
      key,
    ]);
    if (!existing[0]) throw new Error(`task with idempotency key "${key}" conflicted but cannot be found`);
    return { id: existing[0].id, created: false };
  }

  async updateTask(connector: string, id: string, patch: Record<string, unknown>): Promise<boolean> {
    // jsonb `||` replaces top-level members: exactly the shallow merge of §4 task.update.
    const rows = await this.db.query(
      `UPDATE tasks SET data = data || $3::jsonb, updated = clock_timestamp()
       WHERE id = $1 AND connector = $2 RETURNING id`,
      [id, connector, JSON.stringify(patch)],
    );
    return rows.length > 0;
  }

  async getTask(id: string): Promise<TaskRecord | undefined> {
    const rows = await this.db.query(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, [id]);
    return rows[0] && toTask(rows[0]);
  }

  async listTasks(filter: { connector?: string | undefined; limit?: number | undefined } = {}): Promise<TaskRecord[]> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 1000);
    const rows =
      filter.connector === undefined
        ? await this.db.query(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY created DESC, id LIMIT $1`, [limit])
        : await this.db.query(`SELECT ${TASK_COLUMNS} FROM tasks WHERE connector = $1 ORDER BY created DESC, id LIMIT $2`, [
            filter.connector,
            limit,
          ]);
    return rows.map(toTask);
  }

  async createWebhook(webhook: { id: string; name: string; secret: string | null; connector?: string | null }): Promise<WebhookRecord> {
    try {
      const rows = await this.db.query(
        `INSERT INTO webhooks (id, name, secret, connector) VALUES ($1, $2, $3, $4) RETURNING ${WEBHOOK_COLUMNS}`,
        [webhook.id, webhook.name, webhook.secret, webhook.connector ?? null],
      );
      return toWebhook(rows[0]!);
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) {
        throw new WorkspaceError('CONFLICT', `a webhook named "${webhook.name}" already exists: pick another name`);
      }
      throw error;
    }
  }

  async setWebhookSubscription(id: string, subscription: unknown): Promise<void> {
    await this.db.query('UPDATE webhooks SET subscription = $2::jsonb WHERE id = $1', [id, JSON.stringify(subscription ?? null)]);
  }

  async getWebhook(id: string): Promise<WebhookRecord | undefined> {
    const rows = await this.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`, [id]);
    return rows[0] && toWebhook(rows[0]);
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const rows = await this.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY name`);
    return rows.map(toWebhook);
  }

  async deleteWebhook(idOrName: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM webhooks WHERE id = $1 OR name = $1 RETURNING id', [idOrName]);
    return rows.length > 0;
  }

  async createWebhookTask(task: NewWebhookTask): Promise<{ id: string; created: boolean }> {
    const insertTask = async (db: SqlDriver, id: string): Promise<void> => {
      await db.query('INSERT INTO tasks (id, connector, instance, name, data) VALUES ($1, NULL, NULL, $2, $3::jsonb)', [
        id,
        task.name,
        JSON.stringify(task.data),
      ]);
    };
    if (task.messageId === null) {
      const id = shortId();
      await insertTask(this.db, id);
      return { id, created: true };
    }
    const messageId = task.messageId;
    const write = async (db: SqlDriver): Promise<{ id: string; created: boolean }> => {
      // The message row first: a concurrent delivery of the same id waits here for this
      // transaction, then inserts nothing and reads the task this one made.
      const claimed = await db.query<{ task_id: string }>(
        `INSERT INTO webhook_messages (webhook, message_id, task_id) VALUES ($1, $2, $3)
         ON CONFLICT (webhook, message_id) DO NOTHING RETURNING task_id`,
        [task.webhook, messageId, shortId()],
      );
      if (claimed[0]) {
        await insertTask(db, claimed[0].task_id);
        return { id: claimed[0].task_id, created: true };
      }
      const earlier = await db.query<{ task_id: string }>('SELECT task_id FROM webhook_messages WHERE webhook = $1 AND message_id = $2', [
        task.webhook,
        messageId,
      ]);
      if (!earlier[0]) throw new Error(`webhook message "${messageId}" conflicted but cannot be found`);
      return { id: earlier[0].task_id, created: false };
    };
    return this.db.transaction ? this.db.transaction(write) : write(this.db);
  }

  async createBlob(blob: NewBlob): Promise<BlobRecord> {
    const size = blob.size ?? Buffer.byteLength(blob.content, 'base64');
    const rows = await this.db.query(
      `INSERT INTO blobs (id, connector, task_id, name, size, mimetype, meta, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING ${BLOB_COLUMNS}`,
      [
        shortId(),
        blob.connector,
        blob.taskId ?? null,
        blob.name ?? null,
        size,
        blob.mimetype ?? null,
        blob.meta === undefined ? null : JSON.stringify(blob.meta),
        blob.content,
      ],
    );
    return toBlob(rows[0]!);
  }

  async getBlob(connector: string, id: string): Promise<BlobRecord | undefined> {
    const rows = await this.db.query(`SELECT ${BLOB_COLUMNS} FROM blobs WHERE id = $1 AND connector = $2`, [id, connector]);
    return rows[0] && toBlob(rows[0]);
  }

  async getBlobContent(connector: string, id: string): Promise<string | undefined> {
    const rows = await this.db.query<{ content: string }>('SELECT content FROM blobs WHERE id = $1 AND connector = $2', [id, connector]);
    return rows[0]?.content;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
