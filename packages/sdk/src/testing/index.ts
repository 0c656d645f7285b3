/**
 * `@connector-kit/sdk/testing`: call a connector's methods offline, with the same dispatch as
 * the runtime (validation, error answers) and an in-memory task store. Every export is public API.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { ConnectorError } from '../errors.js';
import { connectorNameOf } from '../protocol/index.js';
import type { Connector, MethodMap } from '../connector/define.js';
import type { TaskApi } from '../connector/context.js';
import type { ConfigFields } from '../connector/fields.js';
import { Dispatcher, type CallOutcome } from '../connector/dispatch.js';
import { createAuthSession, OAUTH_RESULT_FIELD, type AuthSession } from '../auth/index.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { systemTimers } from '../transport/timers.js';

/** A task created through the harness. */
export interface RecordedTask {
  id: string;
  name: string;
  data: Record<string, unknown>;
}

/** Options of {@link createTestHarness}. */
export interface TestHarnessOptions {
  /** Config values as handlers see them (already decrypted). @default {} */
  config?: Record<string, unknown>;
  /** Logger for handlers. @default a silent logger */
  logger?: Logger;
  /** Environment of the auth (e.g. `OAUTH_CLIENT_ID`). @default {} */
  env?: Record<string, string | undefined>;
}

type InputOf<M extends MethodMap, K extends keyof M> = z.input<M[K]['input']>;
// `output` is optional on a method, so strip the `undefined` before asking whether it is a schema.
type OutputOf<M extends MethodMap, K extends keyof M> =
  NonNullable<M[K]['output']> extends z.ZodType ? z.output<NonNullable<M[K]['output']>> : unknown;

/** The harness. */
export interface TestHarness<M extends MethodMap> {
  /**
   * Calls a method as the workspace would and resolves to its result.
   * @throws ConnectorError with the answer's code (`INPUT_INVALID`, `METHOD_NOT_FOUND`, …)
   */
  call<K extends keyof M & string>(method: K, input?: InputOf<M, K>): Promise<OutputOf<M, K>>;
  /** Sends any query (even names that are not methods) and returns the raw outcome. */
  query(query: unknown, variables?: unknown): Promise<CallOutcome>;
  /** Runs the `start` hook with the configured values. */
  start(): Promise<void>;
  /** Runs the `stop` hook. */
  stop(): Promise<void>;
  /** Tasks created so far. */
  readonly tasks: RecordedTask[];
  /** Replaces the config (as a new `set-config` would). */
  setConfig(config: Record<string, unknown>): void;
  /**
   * The `ctx.http` handlers get: the connector's base URL and auth applied. Intercept its
   * requests with nock (see the SDK README).
   */
  readonly http: HttpClient;
}

/** Creates a harness for `connector`. */
export function createTestHarness<F extends ConfigFields, M extends MethodMap>(
  connector: Connector<F, M>,
  options: TestHarnessOptions = {},
): TestHarness<M> {
  const dispatcher = new Dispatcher(connector as unknown as Connector);
  const logger = options.logger ?? pino({ level: 'silent' });
  const tasks: RecordedTask[] = [];
  let config: Record<string, unknown> = { ...options.config };
  let counter = 0;
  const taskApi: TaskApi = {
    async create(name, data) {
      const id = `task-${++counter}`;
      tasks.push({ id, name, data: { ...data } });
      return id;
    },
    async update(id, data) {
      const task = tasks.find((t) => t.id === id);
      if (!task) throw new ConnectorError('TASK_NOT_FOUND', `no task ${id}`);
      Object.assign(task.data, data);
    },
  };
  // The declared auth, as the runtime runs it; OAuth tokens it refreshes go back into the config.
  let auth: AuthSession | undefined;
  const configureAuth = (): void => {
    auth?.close();
    const spec = connector.definition.auth;
    const http = createHttpClient(connector.definition.http ?? {}, { logger, config });
    auth =
      spec === undefined
        ? undefined
        : createAuthSession(spec, {
            config,
            env: options.env ?? {},
            logger,
            timers: connector.definition.http?.timers ?? systemTimers,
            random: Math.random,
            http,
            saveTokens: (tokens) => void (config = { ...config, [OAUTH_RESULT_FIELD]: tokens }),
            connectorName: () => connectorNameOf(connector.definition.name),
          });
  };
  configureAuth();
  const httpFor = (signal?: AbortSignal): HttpClient => createHttpClient(connector.definition.http ?? {}, { auth, signal, logger, config });
  const lifecycle = () => ({ config: config as never, logger, tasks: taskApi, signal: new AbortController().signal, http: httpFor() });
  const query = (q: unknown, variables?: unknown) => {
    const signal = new AbortController().signal;
    return dispatcher.call(q, variables, { config, logger, tasks: taskApi, signal, http: httpFor(signal) });
  };

  return {
    tasks,
    query,
    async call(method, input) {
      const outcome = await query(method, input);
      if (!outcome.ok) {
        const { error, code, details, retryable } = outcome.error;
        throw new ConnectorError(code ?? 'CONNECTOR_ERROR', error, { details, retryable: retryable ?? false });
      }
      // What the handler returned, not the §4 wire shape: `number` stays a number, as typed.
      return outcome.value as never;
    },
    async start() {
      await connector.definition.start?.(lifecycle());
    },
    async stop() {
      await connector.definition.stop?.();
    },
    setConfig(next) {
      config = { ...next };
      configureAuth();
    },
    get http() {
      return httpFor();
    },
  };
}
