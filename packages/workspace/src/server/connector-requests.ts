/**
 * What the workspace does for each request or notice a connector sends (§4 "Connector →
 * workspace"). Handlers live in a Map, so a method name such as `__proto__` finds nothing.
 */
import {
  ConnectorMethod,
  Feature,
  checkBlobCreateArgs,
  checkBlobIdArgs,
  checkConfigUpdateArgs,
  checkTaskNewArgs,
  checkTaskUpdateArgs,
  readHealthCheckArgs,
  type BlobMetadata,
  type Checked,
} from '@connector-kit/sdk/protocol';
import { WorkspaceError, WorkspaceErrorCode } from '../errors.js';
import type { BlobRecord, InstanceRecord, Store } from '../store/store.js';
import { OAUTH_RESULT_FIELD } from './config.js';
import type { Hub } from './hub.js';
import type { Connection } from './connection.js';

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

/**
 * The checked value of a connector's arguments (protocol/connector-calls.ts).
 * @throws WorkspaceError `BAD_REQUEST` naming the method and the member that is wrong
 */
function argsOf<T>(method: string, result: Checked<T>): T {
  if (!result.ok) throw new WorkspaceError(WorkspaceErrorCode.badRequest, `${method}: ${result.problem.message}`);
  return result.value;
}

/** The answer of `connector.blob.get` (§4). */
function blobMetadata(blob: BlobRecord): BlobMetadata {
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
    // §8: the key is honoured only when the connector negotiated idempotency keys.
    const negotiated = features.has(Feature.idempotencyKeys);
    const { name, a: data, idempotencyKey } = argsOf(ConnectorMethod.taskNew, checkTaskNewArgs(args, { idempotencyKeys: negotiated }));
    const { id, created } = await store.createTask({ connector: instance.connector, instance: instance.id, name, data, idempotencyKey });
    // §4: a v1 connector (ALOMA's SDK) takes the answer's `a` as the task id and passes it on to
    // task.update, so it gets the bare id string; `{id, created}` (created: false when the key
    // matched an earlier task) only where idempotency keys were negotiated (§8).
    return negotiated ? { id, created } : id;
  });

  handlers.set(ConnectorMethod.taskUpdate, async ({ store, instance }, args) => {
    const m = ConnectorMethod.taskUpdate;
    const { id, a: patch } = argsOf(m, checkTaskUpdateArgs(args));
    if (!(await store.updateTask(instance.connector, id, patch))) {
      throw new WorkspaceError('NOT_FOUND', `${m}: connector "${instance.connector}" has no task "${id}"`);
    }
    return { ok: true };
  });

  handlers.set(ConnectorMethod.healthCheck, async ({ hub, instance }, args) => {
    const { ok, error } = readHealthCheckArgs(args);
    hub.setHealth(instance.id, ok, error);
    return undefined;
  });

  handlers.set(ConnectorMethod.progress, async ({ hub, connection }, args) => {
    // §8 `progress`: a notice of a query in flight on this very socket (hub.ts checks the rest).
    hub.progress(connection, args);
    return undefined;
  });

  handlers.set(ConnectorMethod.configUpdate, async ({ store, hub, instance }, args) => {
    // §6 step 5: the connector refreshed its OAuth tokens; the value is already a JWE, stored as is.
    const { value } = argsOf(ConnectorMethod.configUpdate, checkConfigUpdateArgs(args));
    await store.setConfig(instance.connector, [{ field: OAUTH_RESULT_FIELD, value, secret: true }]);
    // The sender has the new tokens; other replicas get them in a fresh set-config.
    await hub.pushConfig(instance.connector, instance.id);
    return undefined;
  });

  handlers.set(ConnectorMethod.blobCreate, async ({ store, instance }, args) => {
    const m = ConnectorMethod.blobCreate;
    // §4 `size` is the sender's count of the content: the check fails a mismatch (content cut or padded on the way).
    const blob = argsOf(m, checkBlobCreateArgs(args));
    const { bytes } = blob;
    if (bytes.length > limits.maxBlobBytes) {
      throw new WorkspaceError(
        WorkspaceErrorCode.blobTooLarge,
        `${m}: the blob is ${bytes.length} bytes, more than this workspace's limit of ${limits.maxBlobBytes} bytes per blob: store a smaller file`,
        { details: { size: bytes.length, limit: limits.maxBlobBytes } },
      );
    }
    const stored = await store.createBlob({
      connector: instance.connector,
      content: bytes.toString('base64'),
      name: blob.name,
      size: bytes.length,
      mimetype: blob.mimetype,
      meta: blob.meta,
      taskId: blob.taskId,
    });
    return { id: stored.id };
  });

  handlers.set(ConnectorMethod.blobGet, async ({ store, instance }, args) => {
    const { id } = argsOf(ConnectorMethod.blobGet, checkBlobIdArgs(args));
    const blob = await store.getBlob(instance.connector, id);
    if (!blob) throw new WorkspaceError('NOT_FOUND', `connector "${instance.connector}" has no blob "${id}"`);
    return blobMetadata(blob);
  });

  handlers.set(ConnectorMethod.blobGetContent, async ({ store, instance }, args) => {
    const { id } = argsOf(ConnectorMethod.blobGetContent, checkBlobIdArgs(args));
    const content = await store.getBlobContent(instance.connector, id);
    if (content === undefined) throw new WorkspaceError('NOT_FOUND', `connector "${instance.connector}" has no blob "${id}"`);
    return { content };
  });

  return handlers;
}
