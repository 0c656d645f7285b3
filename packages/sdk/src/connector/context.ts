/**
 * What a handler receives besides its input.
 */
import type { Logger } from 'pino';
import type { HttpClient } from '../http/client.js';
import type { ProgressNotice } from '../protocol/progress.js';
import type { BlobMetadata } from '../protocol/connector-calls.js';

/** Options of {@link TaskApi.create}. */
export interface CreateTaskOptions {
  /**
   * Makes the request safe to send again: the workspace creates at most one task per key
   * (extension `idempotency-keys`, §8). @default a fresh random key per call
   */
  idempotencyKey?: string;
}

/** Tasks in the workspace (protocol.md §4, connector → workspace). */
export interface TaskApi {
  /** Creates a task and resolves to its id. */
  create(name: string, data: Record<string, unknown>, options?: CreateTaskOptions): Promise<string>;
  /** Shallow-merges `data` into the task's data. */
  update(id: string, data: Record<string, unknown>): Promise<void>;
}

/** Options of {@link BlobApi.create}: what the workspace keeps beside the content (§4). */
export interface CreateBlobOptions {
  /** File name, e.g. `invoice.pdf`. */
  name?: string;
  /** Media type, e.g. `application/pdf`. */
  mimetype?: string;
  /** Any JSON value kept with the blob. */
  meta?: unknown;
  /** The task the blob belongs to. @default none */
  taskId?: string;
}

/** A blob's metadata, as `connector.blob.get` answers it (§4). */
export type BlobInfo = BlobMetadata;

/**
 * Files in the workspace (protocol.md §4 `connector.blob.*`). Content travels as base64 in one
 * frame, so a blob holds at most about 6 MiB with the default 8 MiB frames (`maxBytes`).
 */
export interface BlobApi {
  /**
   * Stores `content` (bytes, or a string as UTF-8) and resolves to the new blob's id.
   * @throws ConnectorError `BLOB_TOO_LARGE` when the content does not fit in one frame (nothing is sent); RemoteError `BLOB_TOO_LARGE` when it is over the workspace's own limit
   */
  create(content: Uint8Array | string, options?: CreateBlobOptions): Promise<string>;
  /**
   * The blob's metadata.
   * @throws RemoteError `NOT_FOUND` when this connector has no blob of that id
   */
  get(id: string): Promise<BlobInfo>;
  /**
   * The blob's content.
   * @throws RemoteError `NOT_FOUND` when this connector has no blob of that id; ConnectorError `BAD_ANSWER` when the answer is not base64
   */
  content(id: string): Promise<Buffer>;
  /** The most content bytes {@link create} can send (with short metadata). */
  readonly maxBytes: number;
}

/** The context of one call to a method handler. */
export interface MethodContext<Config = unknown> {
  /** Decrypted config values. */
  readonly config: Config;
  /** A logger bound to this call (method name, call id). Never log secrets. */
  readonly logger: Logger;
  /** Create and update tasks in the workspace. */
  readonly tasks: TaskApi;
  /** Create and read files (blobs) in the workspace. */
  readonly blobs: BlobApi;
  /** The task this call runs for, when the workspace said so. */
  readonly taskId?: string;
  /** Aborted when the connector shuts down or the call is abandoned. Pass it to fetch and friends. */
  readonly signal: AbortSignal;
  /** The method's dotted name. */
  readonly method: string;
  /** HTTP client with the connector's `http.baseUrl` and `auth` applied, bound to this call's signal. */
  readonly http: HttpClient;
  /**
   * Reports how far the call got, e.g. `ctx.progress({ message: 'page 3', done: 3, total: 12 })`;
   * members left out keep their last value, and `ctx.progress()` alone is a heartbeat. Where the
   * workspace negotiated `progress` (§8) it gets a `connector.progress` notice (at most one per
   * 250 ms per call: the latest report wins) that it shows in its activity feed and that moves
   * the call's deadline to now + its timeout, up to the call's longest total time. Anywhere else
   * (a v1 workspace, a query that expects no answer, a call already ended) it sends nothing.
   * @throws ConnectorError `PROGRESS_INVALID` when a member has the wrong type, a count is negative or not finite, `message` is over 1024 bytes, or a member is unknown
   */
  progress(notice?: ProgressNotice): void;
}

/** The context of lifecycle hooks (`start`, `healthCheck`). */
export interface LifecycleContext<Config = unknown> {
  readonly config: Config;
  readonly logger: Logger;
  readonly tasks: TaskApi;
  /** Create and read files (blobs) in the workspace. */
  readonly blobs: BlobApi;
  /** Aborted when the connector stops or the config is replaced. */
  readonly signal: AbortSignal;
  /** HTTP client with the connector's `http.baseUrl` and `auth` applied (e.g. to ping the API in `healthCheck`). */
  readonly http: HttpClient;
}
