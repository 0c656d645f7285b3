/**
 * Arguments and answers of the connector → workspace methods (protocol.md §4 "Connector →
 * workspace"), each with its check: the workspace checks what a connector sends, the SDK checks
 * what the workspace answers. Messages name the member that is wrong; the caller adds the method.
 */
import { decodeBase64 } from './blobs.js';
import { checked, fail, object, objectOrEmpty, optionalString, requiredString, shown, type Checked } from './check.js';
import { isRecord } from './json.js';

/** Longest `idempotencyKey` of `connector.task.new` (§8 `idempotency-keys`). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** `a` of `connector.task.new` (§4); `idempotencyKey` only where negotiated (§8). */
export type TaskNewArgs = {
  name: string;
  /** The task's data; `{}` when left out. */
  a: Record<string, unknown>;
  idempotencyKey?: string;
};

/**
 * Answer `a` of `connector.task.new` (§4): the bare id string for a v1 connector, `{id, created}`
 * where idempotency keys were negotiated (`created` false when the key matched an earlier task).
 */
export type TaskNewAnswer = string | { id: string; created: boolean };

/** `a` of `connector.task.update` (§4): `id` as `task.new` answered it (the string, or `{id}`). */
export type TaskUpdateArgs = {
  id: string | { id: string };
  a: Record<string, unknown>;
};

/** Answer `a` of `connector.task.update`. */
export type TaskUpdateAnswer = {
  ok: true;
};

/** `a` of `connector.blob.create` (§4): base64 content and optional metadata. */
export type BlobCreateArgs = {
  content: string;
  name?: string;
  /** The sender's count of the content's bytes, so the receiver sees what was lost on the way. */
  size?: number;
  mimetype?: string;
  meta?: unknown;
  taskId?: string;
};

/** Answer `a` of `connector.blob.create` (§4). */
export type BlobCreateAnswer = {
  id: string;
};

/** `a` of `connector.blob.get` and `connector.blob.get-content` (§4). */
export type BlobIdArgs = {
  id: string;
};

/** Answer `a` of `connector.blob.get` (§4 "metadata"). */
export type BlobMetadata = {
  id: string;
  name: string | null;
  size: number;
  mimetype: string | null;
  meta: unknown;
  taskId: string | null;
  /** ISO time the blob was stored, when the workspace says. */
  created?: string;
};

/** Answer `a` of `connector.blob.get-content` (§4). */
export type BlobContentAnswer = {
  content: string;
};

/** `a` of the notice `connector.config-update` (§4, §6 step 5): new OAuth tokens as a JWE. */
export type ConfigUpdateArgs = {
  value: string;
};

/** `a` of the notice `connector.health.check` (§4). */
export type HealthCheckArgs = {
  ok: boolean;
  error: string | null;
};

/**
 * Checks `a` of `connector.task.new`. `idempotencyKeys`: whether the sender negotiated them (§8);
 * without, an `idempotencyKey` means nothing and is dropped, whatever it is.
 */
export function checkTaskNewArgs(a: unknown, options: { idempotencyKeys: boolean }): Checked<TaskNewArgs> {
  return checked(() => {
    const args = object(a, '');
    const value: TaskNewArgs = { name: requiredString(args, 'name'), a: objectOrEmpty(args, 'a') };
    if (!options.idempotencyKeys) return value;
    const key = optionalString(args, 'idempotencyKey');
    if (key !== undefined && (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      fail('idempotencyKey', `"idempotencyKey" must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    if (key !== undefined) value.idempotencyKey = key;
    return value;
  });
}

/**
 * Checks a `connector.task.new` answer into its task id: the bare string (v1), `{id, created}`
 * (§8), or the `{task}` some workspaces answer.
 */
export function checkTaskNewAnswer(a: unknown): Checked<{ id: string; created?: boolean }> {
  return checked(() => {
    if (typeof a === 'string' && a !== '') return { id: a };
    if (isRecord(a)) {
      const { id, task, created } = a;
      const found = typeof id === 'string' && id !== '' ? id : typeof task === 'string' && task !== '' ? task : undefined;
      if (found !== undefined) return typeof created === 'boolean' ? { id: found, created } : { id: found };
    }
    return fail('', `the answer must be the task id (a non-empty string, or {"id": string}), got ${shown(a)}`);
  });
}

/** Checks `a` of `connector.task.update` into the plain task id and the patch. */
export function checkTaskUpdateArgs(a: unknown): Checked<{ id: string; a: Record<string, unknown> }> {
  return checked(() => {
    const args = object(a, '');
    const sent = args.id;
    const id = isRecord(sent) ? sent.id : sent;
    if (typeof id !== 'string' || id === '') {
      fail('id', `"id" must be the task id that connector.task.new answered (a non-empty string, or {"id": string}), got ${shown(sent)}`);
    }
    return { id, a: objectOrEmpty(args, 'a') };
  });
}

/**
 * Checks `a` of `connector.blob.create`, with its content decoded (`bytes`): `content` must be
 * base64 (URL-safe and unpadded accepted) and `size`, when sent, the count of those bytes.
 */
export function checkBlobCreateArgs(a: unknown): Checked<BlobCreateArgs & { bytes: Buffer }> {
  return checked(() => {
    const args = object(a, '');
    const content = args.content;
    const bytes = typeof content === 'string' ? decodeBase64(content) : undefined;
    if (bytes === undefined) fail('content', '"content" must be a base64 string');
    const value: BlobCreateArgs & { bytes: Buffer } = { content: content as string, bytes };
    const size = args.size;
    if (size !== undefined && size !== null) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        fail('size', `"size" must be a non-negative integer, got ${shown(size)}`);
      }
      if (size !== bytes.length) fail('size', `"size" says ${size} bytes but "content" holds ${bytes.length}: send the whole file`);
      value.size = size;
    }
    const name = optionalString(args, 'name');
    const mimetype = optionalString(args, 'mimetype');
    const taskId = optionalString(args, 'taskId');
    if (name !== undefined) value.name = name;
    if (mimetype !== undefined) value.mimetype = mimetype;
    if (taskId !== undefined) value.taskId = taskId;
    if (args.meta !== undefined && args.meta !== null) value.meta = args.meta;
    return value;
  });
}

/** Checks a `connector.blob.create` answer: `{id}`, or a bare id string (§3: `a` may be any value). */
export function checkBlobCreateAnswer(a: unknown): Checked<BlobCreateAnswer> {
  return checked(() => {
    const id = typeof a === 'string' ? a : isRecord(a) ? a.id : undefined;
    if (typeof id !== 'string' || id === '') fail('id', `the answer must carry the blob id as "id", got ${shown(a)}`);
    return { id };
  });
}

/** Checks `a` of `connector.blob.get` / `connector.blob.get-content`. */
export function checkBlobIdArgs(a: unknown): Checked<BlobIdArgs> {
  return checked(() => ({ id: requiredString(object(a, ''), 'id') }));
}

/**
 * Checks a `connector.blob.get` answer: `size` is required; other members that are not strings
 * read as null; `id` defaults to `requestedId`.
 */
export function checkBlobMetadata(a: unknown, requestedId: string): Checked<BlobMetadata> {
  return checked(() => {
    const answer = object(a, '', 'the blob\'s metadata (an object with its "size")');
    if (typeof answer.size !== 'number') fail('size', `the answer must carry the blob's "size" (a number), got ${shown(answer.size)}`);
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    const info: BlobMetadata = {
      id: typeof answer.id === 'string' ? answer.id : requestedId,
      name: text(answer.name),
      size: answer.size,
      mimetype: text(answer.mimetype),
      meta: answer.meta ?? null,
      taskId: text(answer.taskId),
    };
    if (typeof answer.created === 'string') info.created = answer.created;
    return info;
  });
}

/** Checks a `connector.blob.get-content` answer, with the content decoded (`bytes`). */
export function checkBlobContentAnswer(a: unknown): Checked<BlobContentAnswer & { bytes: Buffer }> {
  return checked(() => {
    const content = isRecord(a) ? a.content : undefined;
    const bytes = typeof content === 'string' ? decodeBase64(content) : undefined;
    if (bytes === undefined) fail('content', `the answer must carry base64 "content", got ${shown(isRecord(a) ? content : a)}`);
    return { content: content as string, bytes };
  });
}

/** Checks `a` of `connector.config-update`: `value` is the JWE of the new token set (§5, §6). */
export function checkConfigUpdateArgs(a: unknown): Checked<ConfigUpdateArgs> {
  // The value is secret: a wrong one is named by its type only, never shown.
  return checked(() => {
    const value = object(a, '').value;
    if (typeof value !== 'string' || value === '') fail('value', `"value" must be a non-empty string (a JWE), got ${typeof value}`);
    return { value };
  });
}

/**
 * Reads `a` of `connector.health.check` as v1 workspaces do, never failing (a notice has no one
 * to tell): healthy only for `ok: true`; `error` only when a non-empty string.
 */
export function readHealthCheckArgs(a: unknown): HealthCheckArgs {
  const args = isRecord(a) ? a : {};
  return { ok: args.ok === true, error: typeof args.error === 'string' && args.error !== '' ? args.error : null };
}
