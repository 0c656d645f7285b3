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
  /** When the admin revoked it (`workspace instance revoke`); its key then opens nothing. */
  revoked: Date | null;
  /** Id of the registration token it registered with (null before tokens had ids). */
  tokenId: string | null;
  /** Approved by the admin (`workspace connector approve`): served without proving it holds its key. */
  approved: boolean;
}

/** State of a connector's public key: secrets are encrypted to the accepted ones only. */
export type KeyState = 'accepted' | 'pending' | 'revoked';

/** A public key an instance of a connector registered with. */
export interface ConnectorKeyRecord {
  connector: string;
  /** Key id (`keyId` of the SDK: the JWE `kid`), or 'none' for instances without a key. */
  kid: string;
  publicKey: string | null;
  state: KeyState;
  created: Date;
  decided: Date | null;
}

/** A registration token as the admin sees it: never the token itself (only its hash is kept). */
export interface RegistrationTokenRecord {
  id: string;
  connector: string;
  created: Date;
  /** Null: never (tokens made with `ttlMs: null`, and those made before tokens expired). */
  expires: Date | null;
  /** Null: any number of registrations. */
  maxUses: number | null;
  uses: number;
  lastUsed: Date | null;
  revoked: boolean;
}

/** How long a new registration token lives and how often it may register. */
export interface RegistrationTokenLimits {
  /** Lifetime from now, in ms; null for a token that never expires. */
  ttlMs: number | null;
  /** Registrations it allows; null for any number. */
  maxUses: number | null;
}

/** The outcome of checking a registration token (by hash). */
export type RegistrationTokenCheck =
  { ok: true; connector: ConnectorRecord; tokenId: string } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'used up' };

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
  /** The registration token it registered with. */
  tokenId?: string | null | undefined;
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
  /** The connector that subscribed its provider to this webhook (§8 webhook-subscriptions), or null. */
  connector: string | null;
  /** What that connector's `webhooks.subscribe` returned (JSON), kept for its unsubscribe; null when none. */
  subscription: unknown;
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

  /**
   * Removes a connector and everything of it (tokens, instances, config, tasks, blobs).
   * @returns false when there is no such connector
   */
  deleteConnector(name: string): Promise<boolean>;

  /** Stores the SHA-256 (hex) of a new registration token of `connector`. @default limits: never expires, any number of uses */
  addRegistrationToken(connector: string, tokenHash: string, limits?: RegistrationTokenLimits): Promise<RegistrationTokenRecord>;
  /** The connector a registration token (by hash) belongs to, unless unknown, revoked, expired or used up. */
  findConnectorByToken(tokenHash: string): Promise<ConnectorRecord | undefined>;
  /** Checks a registration token without using it, and says why it is refused. */
  checkRegistrationToken(tokenHash: string): Promise<RegistrationTokenCheck>;
  /** Counts one registration against the token, atomically: of concurrent uses of a token with one use left, one wins. */
  useRegistrationToken(tokenHash: string): Promise<RegistrationTokenCheck>;
  /** The registration tokens of a connector, newest first, revoked and expired ones too. */
  listRegistrationTokens(connector: string): Promise<RegistrationTokenRecord[]>;
  /** Revokes one token of the connector (by id), or all of them; answers how many were revoked now. */
  revokeRegistrationTokens(connector: string, id?: string): Promise<number>;

  createInstance(instance: NewInstance): Promise<InstanceRecord>;
  /** The instance a connector key (by hash) belongs to. */
  findInstanceByKey(keyHash: string): Promise<InstanceRecord | undefined>;
  getInstance(id: string): Promise<InstanceRecord | undefined>;
  /** The most recently registered instance of a connector. */
  latestInstance(connector: string): Promise<InstanceRecord | undefined>;
  /** The instance whose manifest (config schema, methods) and public key the workspace accepted. */
  acceptedInstance(connector: string): Promise<InstanceRecord | undefined>;
  /** Makes the manifest and public key of an instance of the connector the accepted ones. */
  acceptManifest(connector: string, instanceId: string): Promise<void>;
  /**
   * Records the key an instance registered with, and answers its record: a connector's first
   * key is accepted (trust on first use), any later one waits (pending). Atomic per connector.
   */
  addKey(connector: string, kid: string, publicKey: string | null): Promise<ConnectorKeyRecord>;
  getKey(connector: string, kid: string): Promise<ConnectorKeyRecord | undefined>;
  /** Oldest first. */
  listKeys(connector: string): Promise<ConnectorKeyRecord[]>;
  setKeyState(connector: string, kid: string, state: KeyState): Promise<void>;
  /** Marks an instance approved by the admin. */
  approveInstance(connector: string, instanceId: string): Promise<void>;
  /** Whether the connector's instances must prove they hold their key (set once one did). */
  proofRequired(connector: string): Promise<boolean>;
  requireProof(connector: string): Promise<void>;
  /** Marks an instance of the connector revoked; answers it, or undefined when the connector has no such instance. */
  revokeInstance(connector: string, instanceId: string): Promise<InstanceRecord | undefined>;
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
  createWebhook(webhook: { id: string; name: string; secret: string | null; connector?: string | null }): Promise<WebhookRecord>;
  /** Keeps the state a connector's subscribe returned for webhook `id`. */
  setWebhookSubscription(id: string, subscription: unknown): Promise<void>;
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
