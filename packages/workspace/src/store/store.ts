/**
 * What the workspace keeps: connectors, their registration tokens and instances, config,
 * tasks and blobs. One interface, one SQL implementation ({@link SqlStore}) over a tiny
 * driver that PGlite and PostgreSQL both implement.
 *
 * The store sees one kind of secret in clear: a webhook's signing secret, which verifying an
 * HMAC needs. Tokens and keys arrive as SHA-256 hashes, secret config values as JWE ciphertext.
 */
import type { ConnectorSchema } from '@connector-kit/sdk/protocol';

/** The few things the SQL store needs from a database. */
export interface SqlDriver {
  /** Runs one statement with `$1…` parameters and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction?<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /** Releases the database. */
  close(): Promise<void>;
}

/** A connector added to the workspace (`workspace connector add`). */
export interface ConnectorRecord {
  name: string;
  connectorId: string;
  created: Date;
}

/** One registered connector process (§1: instance). */
export interface InstanceRecord {
  id: string;
  connector: string;
  name: string;
  version: string;
  deployment: string;
  /** Base64 PEM of the connector's public key, or null when it registered without one. */
  publicKey: string | null;
  /** The `schema` of the register body (§2), incl. the optional method JSON schemas (§8). */
  manifest: ConnectorSchema;
  created: Date;
  lastSeen: Date | null;
}

/** The fields of a new instance; the store picks its id. */
export interface NewInstance {
  connector: string;
  name: string;
  version: string;
  deployment: string;
  publicKey: string | null;
  /** SHA-256 (hex) of the connector key. */
  keyHash: string;
  manifest: ConnectorSchema;
}

/** One config field of a connector. A secret's `value` is JWE ciphertext (§5). */
export interface ConfigEntry {
  field: string;
  value: unknown;
  secret: boolean;
  updated: Date;
}

/** A task created by a connector (§4 `connector.task.new`) or by a webhook (§7). */
export interface TaskRecord {
  id: string;
  /** The connector that created it; null for a webhook's task. */
  connector: string | null;
  instance: string | null;
  name: string;
  data: Record<string, unknown>;
  status: string;
  idempotencyKey: string | null;
  created: Date;
  updated: Date;
}

/** The fields of a new task; the store picks its id. */
export interface NewTask {
  connector: string;
  instance: string | null;
  name: string;
  data: Record<string, unknown>;
  /** With a key, a second task of the same connector and key is never created (§8). */
  idempotencyKey?: string | undefined;
}

/** Metadata of a blob (§4 `connector.blob.get`). */
export interface BlobRecord {
  id: string;
  connector: string;
  taskId: string | null;
  name: string | null;
  size: number;
  mimetype: string | null;
  meta: unknown;
  created: Date;
}

/** The fields of a new blob; `content` is base64. */
export interface NewBlob {
  connector: string;
  content: string;
  name?: string | undefined;
  size?: number | undefined;
  mimetype?: string | undefined;
  meta?: unknown;
  taskId?: string | undefined;
}

/** A workspace webhook (§7: `POST /event/{id}` creates a task). */
export interface WebhookRecord {
  /** Unguessable: it is the path of the webhook's URL. */
  id: string;
  name: string;
  /** Standard Webhooks signing secret (`whsec_…`), or null for a webhook that takes unsigned messages. */
  secret: string | null;
  created: Date;
}

/** A message a webhook accepted, as a task. */
export interface NewWebhookTask {
  webhook: string;
  /** The sender's message id (`webhook-id`); a second message with it creates no task. Null: no de-duplication. */
  messageId: string | null;
  name: string;
  data: Record<string, unknown>;
}

/** The workspace's persistent state. */
export interface Store {
  /** Adds a connector. @throws WorkspaceError `CONFLICT` when the name is taken */
  createConnector(name: string, connectorId: string): Promise<ConnectorRecord>;
  getConnector(name: string): Promise<ConnectorRecord | undefined>;
  listConnectors(): Promise<ConnectorRecord[]>;

  /** Stores the SHA-256 (hex) of a new registration token of `connector`. */
  addRegistrationToken(connector: string, tokenHash: string): Promise<void>;
  /** The connector a registration token (by hash) belongs to, unless unknown or revoked. */
  findConnectorByToken(tokenHash: string): Promise<ConnectorRecord | undefined>;

  createInstance(instance: NewInstance): Promise<InstanceRecord>;
  /** The instance a connector key (by hash) belongs to. */
  findInstanceByKey(keyHash: string): Promise<InstanceRecord | undefined>;
  getInstance(id: string): Promise<InstanceRecord | undefined>;
  /** The most recently registered instance of a connector: its manifest and public key are current. */
  latestInstance(connector: string): Promise<InstanceRecord | undefined>;
  /** Every registered instance of a connector, online or not, newest first. */
  listInstances(connector: string): Promise<InstanceRecord[]>;
  /** Records that the instance was seen now. */
  touchInstance(id: string): Promise<void>;

  getConfig(connector: string): Promise<ConfigEntry[]>;
  /** Inserts or replaces the given fields, and removes the `unset` ones, in one transaction. */
  setConfig(
    connector: string,
    entries: ReadonlyArray<{ field: string; value: unknown; secret: boolean }>,
    unset?: readonly string[],
  ): Promise<void>;

  /** Creates a task, or returns the existing one for the same connector and idempotency key. */
  createTask(task: NewTask): Promise<{ id: string; created: boolean }>;
  /** Shallow-merges `patch` into the task's data; false when the connector has no such task. */
  updateTask(connector: string, id: string, patch: Record<string, unknown>): Promise<boolean>;
  getTask(id: string): Promise<TaskRecord | undefined>;
  /** Newest first. */
  listTasks(filter?: { connector?: string | undefined; limit?: number | undefined }): Promise<TaskRecord[]>;

  /** Adds a webhook. @throws WorkspaceError `CONFLICT` when the name is taken */
  createWebhook(webhook: { id: string; name: string; secret: string | null }): Promise<WebhookRecord>;
  getWebhook(id: string): Promise<WebhookRecord | undefined>;
  /** By name. */
  listWebhooks(): Promise<WebhookRecord[]>;
  /** Removes a webhook (by id or name) and its message ids; false when there is none. */
  deleteWebhook(idOrName: string): Promise<boolean>;
  /**
   * Creates the task of a webhook message, or answers the task of an earlier message with the
   * same id (then `created` is false). Safe under concurrent deliveries of one message.
   */
  createWebhookTask(task: NewWebhookTask): Promise<{ id: string; created: boolean }>;

  createBlob(blob: NewBlob): Promise<BlobRecord>;
  getBlob(connector: string, id: string): Promise<BlobRecord | undefined>;
  /** Base64 content, or undefined when the connector has no such blob. */
  getBlobContent(connector: string, id: string): Promise<string | undefined>;

  close(): Promise<void>;
}
