/**
 * What a handler receives besides its input.
 */
import type { Logger } from 'pino';
import type { HttpClient } from '../http/client.js';

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

/** The context of one call to a method handler. */
export interface MethodContext<Config = unknown> {
  /** Decrypted config values. */
  readonly config: Config;
  /** A logger bound to this call (method name, call id). Never log secrets. */
  readonly logger: Logger;
  /** Create and update tasks in the workspace. */
  readonly tasks: TaskApi;
  /** The task this call runs for, when the workspace said so. */
  readonly taskId?: string;
  /** Aborted when the connector shuts down or the call is abandoned. Pass it to fetch and friends. */
  readonly signal: AbortSignal;
  /** The method's dotted name. */
  readonly method: string;
  /** HTTP client with the connector's `http.baseUrl` and `auth` applied, bound to this call's signal. */
  readonly http: HttpClient;
}

/** The context of lifecycle hooks (`start`, `healthCheck`). */
export interface LifecycleContext<Config = unknown> {
  readonly config: Config;
  readonly logger: Logger;
  readonly tasks: TaskApi;
  /** Aborted when the connector stops or the config is replaced. */
  readonly signal: AbortSignal;
  /** HTTP client with the connector's `http.baseUrl` and `auth` applied (e.g. to ping the API in `healthCheck`). */
  readonly http: HttpClient;
}
