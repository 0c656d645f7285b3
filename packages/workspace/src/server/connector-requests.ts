/**
 * What the workspace does for each request or notice a connector sends (§4 "Connector →
 * workspace"). Handlers live in a Map, so a method name such as `__proto__` finds nothing.
 */
import { ConnectorMethod, decodeBase64, Feature } from '@connector-kit/sdk/protocol';
import { WorkspaceError, WorkspaceErrorCode } from '../errors.js';
import type { BlobRecord, InstanceRecord, Store } from '../store/store.js';
import { OAUTH_RESULT_FIELD } from './config.js';
import type { Hub } from './hub.js';
import type { Connection } from './connection.js';
import { isRecord } from '@connector-kit/sdk/protocol';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  store: Store;
  /** The instance whose socket carried the request. */
  instance: InstanceRecord;
  /** Extensions negotiated with it (§8). */
  features: ReadonlySet<string>;
  hub: Hub;
  /** The socket that carried the request. */
  connection: Connection;
}

/** Serves one request; the result is the answer's `a`, any JSON value (§3; ignored for notices). */
export type RequestHandler = (context: RequestContext, args: Record<string, unknown>) => Promise<unknown>;

const MAX_IDEMPOTENCY_KEY = 200;

function bad(method: string, message: string): WorkspaceError {
  return new WorkspaceError('BAD_REQUEST', `${method}: ${message}`);
}

function requireString(method: string, args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw bad(method, `"${name}" must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalString(method: string, args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(method, `"${name}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The `id` of `connector.task.update` (§4): the id string, or the `{id}` object that a connector
 * passes on as it got it from an object-form `task.new` answer.
 */
function taskIdArgument(method: string, value: unknown): string {
  const id = isRecord(value) ? value.id : value;
  if (typeof id !== 'string' || id === '') {
    throw bad(
      method,
      `"id" must be the task id that connector.task.new answered (a non-empty string, or {"id": string}), got ${JSON.stringify(value)}`,
    );
  }
  return id;
}

function blobMetadata(blob: BlobRecord): Record<string, unknown> {
  return {
    id: blob.id,
    name: blob.name,
    size: blob.size,
    mimetype: blob.mimetype,
    meta: blob.meta,
    taskId: blob.taskId,
    created: blob.created.toISOString(),
  };
}

/** Limits of the handlers. */
export interface ConnectorRequestLimits {
  /** Most content bytes of one blob; more is answered with BLOB_TOO_LARGE. */
  maxBlobBytes: number;
}

/** The handlers, by method name. */
export function connectorRequestHandlers(limits: ConnectorRequestLimits): Map<string, RequestHandler> {
  const handlers = new Map<string, RequestHandler>();

  handlers.set(ConnectorMethod.taskNew, async ({ store, instance, features }, args) => {
    const m = ConnectorMethod.taskNew;
    const name = requireString(m, args, 'name');
    const data = args.a ?? {};
    if (!isRecord(data)) throw bad(m, `"a" must be an object, got ${JSON.stringify(data)}`);
    // §8: the key is honoured only when the connector negotiated idempotency keys.
    let idempotencyKey: string | undefined;
    if (features.has(Feature.idempotencyKeys)) {
      idempotencyKey = optionalString(m, args, 'idempotencyKey');
      if (idempotencyKey !== undefined && (idempotencyKey === '' || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
        throw bad(m, `"idempotencyKey" must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
      }
    }
    const { id, created } = await store.createTask({ connector: instance.connector, instance: instance.id, name, data, idempotencyKey });
    // §4: a v1 connector (ALOMA's SDK) takes the answer's `a` as the task id and passes it on to
    // task.update, so it gets the bare id string; `{id, created}` (created: false when the key
    // matched an earlier task) only where idempotency keys were negotiated (§8).
    return features.has(Feature.idempotencyKeys) ? { id, created } : id;
  });

  handlers.set(ConnectorMethod.taskUpdate, async ({ store, instance }, args) => {
    const m = ConnectorMethod.taskUpdate;
    const id = taskIdArgument(m, args.id);
    const patch = args.a ?? {};
    if (!isRecord(patch)) throw bad(m, `"a" must be an object, got ${JSON.stringify(patch)}`);
    if (!(await store.updateTask(instance.connector, id, patch))) {
      throw new WorkspaceError('NOT_FOUND', `${m}: connector "${instance.connector}" has no task "${id}"`);
    }
    return { ok: true };
  });

  handlers.set(ConnectorMethod.healthCheck, async ({ hub, instance }, args) => {
    const error = typeof args.error === 'string' && args.error !== '' ? args.error : null;
    hub.setHealth(instance.id, args.ok === true, error);
    return undefined;
  });

  handlers.set(ConnectorMethod.progress, async ({ hub, connection }, args) => {
    // §8 `progress`: a notice of a query in flight on this very socket (hub.ts checks the rest).
    hub.progress(connection, args);
    return undefined;
  });

  handlers.set(ConnectorMethod.configUpdate, async ({ store, hub, instance }, args) => {
    // §6 step 5: the connector refreshed its OAuth tokens; the value is already a JWE, stored as is.
    const value = requireString(ConnectorMethod.configUpdate, args, 'value');
    await store.setConfig(instance.connector, [{ field: OAUTH_RESULT_FIELD, value, secret: true }]);
    // The sender has the new tokens; other replicas get them in a fresh set-config.
    await hub.pushConfig(instance.connector, instance.id);
    return undefined;
  });

  handlers.set(ConnectorMethod.blobCreate, async ({ store, instance }, args) => {
    const m = ConnectorMethod.blobCreate;
    const content = args.content;
    const bytes = typeof content === 'string' ? decodeBase64(content) : undefined;
    if (bytes === undefined) throw bad(m, '"content" must be a base64 string');
    if (bytes.length > limits.maxBlobBytes) {
      throw new WorkspaceError(
        WorkspaceErrorCode.blobTooLarge,
        `${m}: the blob is ${bytes.length} bytes, more than this workspace's limit of ${limits.maxBlobBytes} bytes per blob: store a smaller file`,
        { details: { size: bytes.length, limit: limits.maxBlobBytes } },
      );
    }
    // §4 `size` is the sender's count of the content: a mismatch means content was cut or padded on the way.
    const size = args.size;
    if (size !== undefined && size !== null) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw bad(m, `"size" must be a non-negative integer, got ${JSON.stringify(size)}`);
      }
      if (size !== bytes.length) throw bad(m, `"size" says ${size} bytes but "content" holds ${bytes.length}: send the whole file`);
    }
    const blob = await store.createBlob({
      connector: instance.connector,
      content: bytes.toString('base64'),
      name: optionalString(m, args, 'name'),
      size: bytes.length,
      mimetype: optionalString(m, args, 'mimetype'),
      meta: args.meta ?? undefined,
      taskId: optionalString(m, args, 'taskId'),
    });
    return { id: blob.id };
  });

  handlers.set(ConnectorMethod.blobGet, async ({ store, instance }, args) => {
    const id = requireString(ConnectorMethod.blobGet, args, 'id');
    const blob = await store.getBlob(instance.connector, id);
    if (!blob) throw new WorkspaceError('NOT_FOUND', `connector "${instance.connector}" has no blob "${id}"`);
    return blobMetadata(blob);
  });

  handlers.set(ConnectorMethod.blobGetContent, async ({ store, instance }, args) => {
    const id = requireString(ConnectorMethod.blobGetContent, args, 'id');
    const content = await store.getBlobContent(instance.connector, id);
    if (content === undefined) throw new WorkspaceError('NOT_FOUND', `connector "${instance.connector}" has no blob "${id}"`);
    return { content };
  });

  return handlers;
}
