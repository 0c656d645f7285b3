/**
 * `@connector-kit/sdk/testing`: call a connector's methods offline, with the same dispatch as
 * the runtime (validation, error answers), the same auth and `ctx.http`, an in-memory task store,
 * and a clock the test drives. Every export is public API.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { ConnectorError, RemoteError } from '../errors.js';
import { AnswerFallbackCode, connectorNameOf, errorFromAnswer, SpecialQuery, WorkspaceMethod } from '../protocol/index.js';
import type { ProgressNotice } from '../protocol/progress.js';
import type { Connector, ConnectorConfig, MethodMap } from '../connector/define.js';
import type { BlobApi, TaskApi } from '../connector/context.js';
import { blobBytes, blobCreateArgs } from '../runtime/blobs.js';
import { DEFAULT_FRAME_BYTES, maxBlobBytes } from '../protocol/blobs.js';
import type { ConfigFields } from '../connector/fields.js';
import { Dispatcher, type CallOutcome } from '../connector/dispatch.js';
import { runWebhookRequest } from '../connector/webhooks.js';
import { createAuthSession, OAUTH_RESULT_FIELD, type AuthSession, type AuthSpec, type TokenSet } from '../auth/index.js';
import type { OAuth2Session } from '../auth/oauth2-session.js';
import { createHttpClient, type HttpClient } from '../http/client.js';
import { systemTimers, type Timers } from '../transport/timers.js';

export { createTestClock, type TestClock, type TestClockOptions } from './clock.js';

/** A task created through the harness. */
export interface RecordedTask {
  id: string;
  name: string;
  data: Record<string, unknown>;
}

/**
 * A `ctx.progress` report recorded by the harness: the method that made it and the notice as
 * checked (only `message`, `done`, `total`, each when given). Every report is kept, one entry
 * each: the runtime coalesces them on the wire (at most one notice per 250 ms per call), the
 * harness shows what the handler said.
 */
export interface RecordedProgress extends ProgressNotice {
  method: string;
}

/** A blob created through the harness (`ctx.blobs.create`). */
export interface RecordedBlob {
  id: string;
  name: string | null;
  mimetype: string | null;
  meta: unknown;
  taskId: string | null;
  content: Buffer;
}

/**
 * Config as a test passes it: every field of the connector (declared and added by its `auth`)
 * with its type, each optional, so a misspelt field or a wrong type fails at compile time. Names
 * starting with `_` (managed fields such as `_endpointToken`) are accepted as they are. A
 * connector that declares no field at all (nothing to check against) takes any.
 */
export type HarnessConfig<Config> = [keyof Config] extends [never]
  ? Record<string, unknown>
  : { -readonly [K in keyof Config]?: Config[K] } & { [managed: `_${string}`]: unknown };

/** Options of {@link createTestHarness}; `Config` is the connector's config type. */
export interface TestHarnessOptions<Config = Readonly<Record<string, unknown>>> {
  /** Config values as handlers see them (already decrypted); OAuth tokens as `oauthResult`. @default {} */
  config?: HarnessConfig<Config>;
  /** Logger for handlers. @default a silent logger */
  logger?: Logger;
  /** Environment of the auth (e.g. `OAUTH_CLIENT_ID`, `OAUTH_TOKEN_URL`). @default {} */
  env?: Record<string, string | undefined>;
  /**
   * The clock of token expiry, `Retry-After` and backoff waits, and request deadlines: a
   * {@link createTestClock} makes waits instant and lets the test move time. @default the connector's `http.timers`, else the real clock
   */
  clock?: Timers;
  /** The connector's name in messages (`workspace oauth connect <name>`). @default the definition's name as a workspace name */
  name?: string;
  /** Largest frame to the workspace, for the size check of `ctx.blobs.create` (`BLOB_TOO_LARGE`). @default 8 MiB */
  frameBytes?: number;
}

type InputOf<M extends MethodMap, K extends keyof M> = z.input<M[K]['input']>;
// `output` is optional on a method, so strip the `undefined` before asking whether it is a schema.
type OutputOf<M extends MethodMap, K extends keyof M> =
  NonNullable<M[K]['output']> extends z.ZodType ? z.output<NonNullable<M[K]['output']>> : unknown;

/** The harness. `M` are the connector's methods, `Config` its config type. */
export interface TestHarness<M extends MethodMap, Config = Readonly<Record<string, unknown>>> {
  /**
   * Calls a method as the workspace would and resolves to what the handler returned (after
   * output validation; not the §4 wire shape, so a number stays a number).
   * @throws ConnectorError with the answer's code (`INPUT_INVALID`, `METHOD_NOT_FOUND`, the handler's own code, …) and details
   */
  call<K extends keyof M & string>(method: K, input?: InputOf<M, K>): Promise<OutputOf<M, K>>;
  /** Sends any query (even names that are not methods) and returns the raw outcome: `{ ok, result, value }` or `{ ok: false, error }`. */
  query(query: unknown, variables?: unknown): Promise<CallOutcome>;
  /**
   * Asks the autocomplete hook for suggestions, as the workspace's `__autocomplete` does (§7).
   * @throws ConnectorError with the answer's code (`INPUT_INVALID` for an empty entity, `METHOD_NOT_FOUND` without a hook or fallback, the hook's own)
   */
  autocomplete(entity: string, variables?: Record<string, unknown>): Promise<unknown>;
  /**
   * Posts `data` to the endpoint handler, as the workspace forwards what reaches the connector's
   * endpoint URL (§7 `_endpoint`); resolves to what the handler returned.
   * @throws ConnectorError with the answer's code (`METHOD_NOT_FOUND` without an endpoint, the handler's own)
   */
  endpoint(data: Record<string, unknown>): Promise<unknown>;
  /**
   * Runs `webhooks.subscribe` as the workspace does when it attaches a webhook to the connector
   * (§8 `webhook-subscriptions`), and resolves to the state the workspace would keep. `secret` is
   * given in clear here (the workspace sends it encrypted). `id` and `name` default to test values.
   * @throws ConnectorError `METHOD_NOT_FOUND` without `webhooks`, `BAD_REQUEST`, or what the hook threw
   */
  subscribeWebhook(webhook: { url: string; secret: string | null; id?: string; name?: string }): Promise<unknown>;
  /** Runs `webhooks.unsubscribe` with the state `subscribeWebhook` resolved to, as the workspace does when the webhook is removed. */
  unsubscribeWebhook(state: unknown, webhook: { url: string; id?: string; name?: string }): Promise<void>;
  /** Runs the `start` hook with the current config. */
  start(): Promise<void>;
  /** Runs the `stop` hook. */
  stop(): Promise<void>;
  /** Tasks created so far, oldest first (updates are merged into their data). */
  readonly tasks: RecordedTask[];
  /** Blobs created so far, oldest first; a test may push its own for handlers to read. */
  readonly blobs: RecordedBlob[];
  /** Every `ctx.progress` report of every call so far, oldest first; a test may empty it (`progress.length = 0`). */
  readonly progress: RecordedProgress[];
  /** Replaces the config, as a new `set-config` would (the auth starts over with it). */
  setConfig(config: HarnessConfig<Config>): void;
  /** The config in effect, including the `oauthResult` the connector saved last. */
  readonly config: HarnessConfig<Config>;
  /** The OAuth token set the connector uses now (after any refresh); undefined without OAuth or before a token exists. */
  readonly tokens: TokenSet | undefined;
  /** Every token set the connector saved (what `connector.config-update` sends the workspace, §6 step 5), oldest first. */
  readonly savedTokens: readonly TokenSet[];
  /** The clock in use (the `clock` option, or the real one). */
  readonly clock: Timers;
  /**
   * The `ctx.http` handlers get: the connector's base URL, pagination and auth applied. Its
   * requests go through Node's fetch (intercept them with nock, or point the connector at a fake API).
   */
  readonly http: HttpClient;
}

/**
 * Creates a harness for `connector`: `config` is typed from the connector's fields and auth.
 * @throws ConnectorError `DEFINITION_INVALID` when `http.baseUrl` is not a URL (on first use of `ctx.http`)
 */
export function createTestHarness<F extends ConfigFields, M extends MethodMap, A extends AuthSpec | undefined>(
  connector: Connector<F, M, A>,
  options: TestHarnessOptions<ConnectorConfig<F, A>> = {},
): TestHarness<M, ConnectorConfig<F, A>> {
  type Config = HarnessConfig<ConnectorConfig<F, A>>;
  const definition = (connector as unknown as Connector).definition;
  const dispatcher = new Dispatcher(connector as unknown as Connector);
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? definition.http?.timers ?? systemTimers;
  const httpOptions = { ...definition.http, timers: clock };
  const name = options.name ?? connectorNameOf(definition.name);
  const tasks: RecordedTask[] = [];
  const progress: RecordedProgress[] = [];
  const recordProgress = (notice: ProgressNotice, method: string): void => {
    progress.push({ method, ...notice });
  };
  const savedTokens: TokenSet[] = [];
  let config: Record<string, unknown> = { ...options.config };
  let counter = 0;
  const taskApi: TaskApi = {
    async create(taskName, data) {
      const id = `task-${++counter}`;
      tasks.push({ id, name: taskName, data: { ...data } });
      return id;
    },
    async update(id, data) {
      const task = tasks.find((t) => t.id === id);
      if (!task) throw new ConnectorError('TASK_NOT_FOUND', `no task ${id}`);
      Object.assign(task.data, data);
    },
  };
  // Blobs as the workspace keeps them: the same frame check as the runtime, NOT_FOUND as the workspace answers.
  const blobs: RecordedBlob[] = [];
  const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
  const findBlob = (id: string): RecordedBlob => {
    const blob = blobs.find((b) => b.id === id);
    if (!blob) throw new RemoteError('NOT_FOUND', `connector.blob.get failed: no blob "${id}"`);
    return blob;
  };
  const blobApi: BlobApi = {
    maxBytes: maxBlobBytes(frameBytes, 256),
    async create(content, blobOptions = {}) {
      const bytes = blobBytes(content);
      blobCreateArgs(bytes, blobOptions, frameBytes);
      const id = `blob-${blobs.length + 1}`;
      blobs.push({
        id,
        name: blobOptions.name ?? null,
        mimetype: blobOptions.mimetype ?? null,
        meta: blobOptions.meta ?? null,
        taskId: blobOptions.taskId ?? null,
        content: Buffer.from(bytes),
      });
      return id;
    },
    async get(id) {
      const { content, ...info } = findBlob(id);
      return { ...info, size: content.length };
    },
    async content(id) {
      return Buffer.from(findBlob(id).content);
    },
  };
  // The declared auth, as the runtime runs it; OAuth tokens it refreshes go back into the config.
  let auth: AuthSession | undefined;
  const configureAuth = (): void => {
    auth?.close();
    const spec = definition.auth;
    auth =
      spec === undefined
        ? undefined
        : createAuthSession(spec, {
            config,
            env: options.env ?? {},
            logger,
            timers: clock,
            random: Math.random,
            // As the runtime: the auth's own requests are not mapped by the connector's mapError.
            http: createHttpClient({ ...httpOptions, mapError: undefined }, { logger, config }),
            saveTokens: (tokens) => {
              savedTokens.push(tokens);
              config = { ...config, [OAUTH_RESULT_FIELD]: tokens };
            },
            connectorName: () => name,
          });
  };
  configureAuth();
  const httpFor = (signal?: AbortSignal): HttpClient => createHttpClient(httpOptions, { auth, signal, logger, config });
  const lifecycle = () => ({
    config: config as never,
    logger,
    tasks: taskApi,
    blobs: blobApi,
    signal: new AbortController().signal,
    http: httpFor(),
  });
  const query = (q: unknown, variables?: unknown) => {
    const signal = new AbortController().signal;
    return dispatcher.call(q, variables, {
      config,
      logger,
      tasks: taskApi,
      blobs: blobApi,
      signal,
      http: httpFor(signal),
      progress: recordProgress,
    });
  };

  const valueOf = async (outcome: CallOutcome): Promise<unknown> => {
    if (!outcome.ok) {
      throw errorFromAnswer(
        { a: outcome.error },
        AnswerFallbackCode.connector,
        ({ code, message, details, retryable }) => new ConnectorError(code, message, { details, retryable }),
      );
    }
    // What the handler returned, not the §4 wire shape: `number` stays a number, as typed.
    return outcome.value;
  };

  return {
    tasks,
    blobs,
    progress,
    savedTokens,
    clock,
    query,
    async call(method, input) {
      return (await valueOf(await query(method, input))) as never;
    },
    async endpoint(data) {
      return valueOf(await query(SpecialQuery.endpoint, data));
    },
    async autocomplete(entity, variables = {}) {
      return valueOf(await query(SpecialQuery.autocomplete, { ...variables, entity }));
    },
    async subscribeWebhook(webhook) {
      const sent = { id: webhook.id ?? 'wh_test', name: webhook.name ?? 'test-webhook', url: webhook.url, secret: webhook.secret };
      const answer = await runWebhookRequest(
        connector as unknown as Connector,
        WorkspaceMethod.webhookSubscribe,
        { webhook: sent },
        lifecycle(),
        async (s) => s,
      );
      return answer.state;
    },
    async unsubscribeWebhook(state, webhook) {
      const sent = { id: webhook.id ?? 'wh_test', name: webhook.name ?? 'test-webhook', url: webhook.url };
      await runWebhookRequest(
        connector as unknown as Connector,
        WorkspaceMethod.webhookUnsubscribe,
        { webhook: sent, state },
        lifecycle(),
        async (s) => s,
      );
    },
    async start() {
      await definition.start?.(lifecycle());
    },
    async stop() {
      await definition.stop?.();
    },
    setConfig(next) {
      config = { ...next };
      configureAuth();
    },
    get config() {
      return { ...config } as Config;
    },
    get tokens() {
      return (auth as Partial<OAuth2Session> | undefined)?.tokens?.();
    },
    get http() {
      return httpFor();
    },
  };
}
