/**
 * What the workspace does for each request or notice a connector sends (§4 "Connector →
 * workspace"). Handlers live in a Map, so a method name such as `__proto__` finds nothing.
 */
import { ConnectorMethod, Feature } from '@connector-kit/sdk/protocol';
import { WorkspaceError } from '../errors.js';
import type { BlobRecord, InstanceRecord, Store } from '../store/store.js';
import { OAUTH_RESULT_FIELD } from './config.js';
import type { Hub } from './hub.js';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  store: Store;
  /** The instance whose socket carried the request. */
  instance: InstanceRecord;
  /** Extensions negotiated with it (§8). */
  features: ReadonlySet<string>;
  hub: Hub;
}

/** Serves one request; the result is the answer's `a` (ignored for notices). */
export type RequestHandler = (context: RequestContext, args: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>;

const MAX_IDEMPOTENCY_KEY = 200;

function bad(method: string, message: string): WorkspaceError {
  return new WorkspaceError('BAD_REQUEST', `${method}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

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

/** The handlers, by method name. */
export function connectorRequestHandlers(): Map<string, RequestHandler> {
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
    const { id } = await store.createTask({ connector: instance.connector, instance: instance.id, name, data, idempotencyKey });
    return { id };
  });

  handlers.set(ConnectorMethod.taskUpdate, async ({ store, instance }, args) => {
    const m = ConnectorMethod.taskUpdate;
    const id = requireString(m, args, 'id');
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
    if (typeof content !== 'string' || !BASE64.test(content)) throw bad(m, '"content" must be a base64 string');
    const size = args.size;
    if (size !== undefined && size !== null && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
      throw bad(m, `"size" must be a non-negative integer, got ${JSON.stringify(size)}`);
    }
    const blob = await store.createBlob({
      connector: instance.connector,
      content,
      name: optionalString(m, args, 'name'),
      size: typeof size === 'number' ? size : undefined,
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
