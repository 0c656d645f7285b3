/**
 * Runs a connector against a workspace: answers the workspace's requests (protocol.md §4),
 * applies config, runs lifecycle hooks and health checks, and shuts down gracefully
 * (reliability.md item 7).
 */
import type { Logger } from 'pino';
import {
  ConnectorMethod,
  connectorNameOf,
  Feature,
  WireErrorCode,
  errorAnswer,
  WorkspaceMethod,
  extendedDeadline,
  progressIntervalMs,
  type ConnectorSchema,
  type ProgressNotice,
  type ErrorAnswer,
  type RequestPacket,
  checkCancelArgs,
  checkSetConfigArgs,
  readQueryOptions,
  type HealthCheckArgs,
  type IntrospectAnswer,
  type QueryOptions,
} from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { Connector } from '../connector/define.js';
import type { BlobApi, LifecycleContext, TaskApi } from '../connector/context.js';
import { Dispatcher, type CallEnvironment } from '../connector/dispatch.js';
import { runWebhookRequest } from '../connector/webhooks.js';
import { decryptSecret } from '../secrets/index.js';
import { WorkspaceLink, type WorkspaceLinkOptions } from '../transport/link.js';
import { systemTimers, type Timers } from '../transport/timers.js';
import { decodeConfig, type KeyRing } from './config.js';
import { createTaskApi } from './tasks.js';
import { createBlobApi } from './blobs.js';
import { AuthController } from './auth-controller.js';
import { ProgressReporter } from './progress.js';
import { SecretScrubber } from './scrub.js';
import type { HttpClient } from '../http/client.js';
import type { CallObservation, RuntimeObserver } from '../observability/observer.js';

/** Options of {@link ConnectorRuntime}. */
export interface RuntimeOptions {
  connector: Connector;
  /** Id (§1): from the definition or package.json. */
  connectorId: string;
  version: string;
  /** The manifest sent at registration and answered to `connector.introspect`. */
  schema: ConnectorSchema;
  logger: Logger;
  /** Private keys for config secrets (current first). @default [] */
  keys?: KeyRing;
  /** Link settings (endpoints, token, timers…), minus what the runtime fills in. Its `timers` also drive the drain deadline and the health interval. */
  link: Omit<WorkspaceLinkOptions, 'connectorId' | 'version' | 'schema' | 'onRequest' | 'logger' | 'features'>;
  /** Interval of `connector.health.check`, in ms. @default 30000 (§4) */
  healthIntervalMs?: number;
  /** How long shutdown waits for calls in flight, in ms. @default 30000 */
  drainTimeoutMs?: number;
  /** Environment of the OAuth settings (§6: `OAUTH_CLIENT_ID`, …). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The connector's name in the workspace, for commands in messages (`workspace oauth connect
   * <name>`) until the workspace tells it on connect. @default the connector's display name as a workspace name
   */
  name?: string;
  /** Sees calls, health reports and `ctx.http` requests (metrics, traces, the health endpoint). @default none */
  observer?: RuntimeObserver;
  /**
   * Learns the secret config values and the auth's tokens, and replaces them in error answers,
   * health notices and the runtime's error log lines; pass the one `logger` was made with
   * (`createLogger({ scrubber })`) so that every log line is scrubbed too. @default a scrubber of its own
   */
  scrubber?: SecretScrubber;
}

/** Extensions this SDK speaks (§8). */
export const SDK_FEATURES: string[] = [
  Feature.structuredErrors,
  Feature.jsonSchema,
  Feature.idempotencyKeys,
  Feature.traceContext,
  Feature.deadlines,
  Feature.cancellation,
  Feature.progress,
];

/** The longest delay a Node timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** A call's deadline (§8 `deadlines`), as progress notices move it (§8 `progress`). */
interface CallDeadline {
  /** The call's timeout: how far each notice pushes the deadline out. */
  readonly timeoutMs: number;
  /** `Date.now()` past which no notice moves the deadline (the call's longest total time). */
  readonly limit: number;
  /** `Date.now()` of the deadline now. */
  at: number;
  timer: NodeJS.Timeout | undefined;
  /** Set once a notice moved the deadline, for the TIMEOUT message. */
  extended?: true;
}

/** One running connector process's core. */
export class ConnectorRuntime {
  readonly link: WorkspaceLink;
  readonly #o: RuntimeOptions;
  readonly #dispatcher: Dispatcher;
  readonly #tasks: TaskApi;
  readonly #blobs: BlobApi;
  readonly #auth: AuthController;
  readonly #inflight = new InflightCalls();
  readonly #scrubber: SecretScrubber;
  #config: Record<string, unknown> = {};
  /** The secret fields of {@link #config}, as the scrubber knows them. */
  #configSecrets: ReadonlyArray<readonly [string, unknown]> = [];
  #configAbort = new AbortController();
  #started = false;
  #draining = false;
  readonly #timers: Timers;
  #healthTimer: unknown;
  /** Set while shutdown waits: called when the last call in flight ends. */
  #drained: (() => void) | undefined;
  #configQueue: Promise<void> = Promise.resolve();
  /** Set-configs received and not yet applied; while there are any, calls wait for {@link #configApplied}. */
  #configsPending = 0;
  /** Resolves once the latest set-config received has been applied (its config set, start() run). */
  #configApplied: Promise<void> = Promise.resolve();
  #keepAlive: NodeJS.Timeout | undefined;
  /** What each call's `ctx.progress` hands its notices to (one function for all calls). */
  readonly #progress = (call: Call, notice: ProgressNotice): void => this.#reportProgress(call, notice);

  constructor(options: RuntimeOptions) {
    this.#o = options;
    this.#timers = options.link.timers ?? systemTimers;
    this.#scrubber = options.scrubber ?? new SecretScrubber();
    this.#dispatcher = new Dispatcher(options.connector, { scrubber: this.#scrubber });
    this.link = new WorkspaceLink({
      ...options.link,
      connectorId: options.connectorId,
      version: options.version,
      schema: options.schema,
      // §8: webhook-subscriptions only for a connector that can subscribe.
      features: options.connector.definition.webhooks === undefined ? SDK_FEATURES : [...SDK_FEATURES, Feature.webhookSubscriptions],
      logger: options.logger,
      onRequest: (packet) => this.#onRequest(packet),
    });
    this.#tasks = createTaskApi(this.link);
    this.#blobs = createBlobApi(this.link, { frameBytes: options.link.maxSendPayload });
    this.#auth = new AuthController({
      connector: options.connector,
      connectorId: options.connectorId,
      keys: options.keys ?? [],
      env: options.env ?? process.env,
      logger: options.logger,
      notify: (method, args) => this.link.notify(method, args),
      connectorName: () => this.link.workspaceName ?? options.name ?? connectorNameOf(options.connector.definition.name),
      // e.g. invalid_grant: say so now rather than at the next scheduled health check.
      onProblem: () => {
        if (this.#started && this.link.state === 'open') void this.#health().then((status) => this.#reportHealth(status));
      },
    });
    // The tokens change on every refresh: read at each use.
    this.#scrubber.watch('auth', () => this.#auth.secrets());
  }

  /** Calls in flight (for tests and diagnostics). */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Connects and serves until {@link shutdown}. Resolves once; failures surface as the link's `fatal` event. */
  start(): void {
    // The link's waits are unref'd timers; while reconnecting there may be no open socket at
    // all, so this one ref'd handle keeps the process serving until shutdown.
    this.#keepAlive ??= setInterval(() => undefined, 1 << 30);
    this.link.on('fatal', () => this.#releaseProcess());
    // A call whose socket is gone is abandoned: its answer has nowhere to go (the workspace
    // already failed it with CONNECTION_LOST), so tell the handler to stop.
    this.link.on('close', () => {
      for (const call of this.#inflight) call.abort(new ConnectorError('CONNECTION_LOST', 'the workspace link dropped during the call'));
    });
    this.link.start();
  }

  #releaseProcess(): void {
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }

  /**
   * Graceful drain (reliability.md item 7): take no new calls, wait for calls in flight up to
   * `drainTimeoutMs`, abort the rest, run `stop`, send `disconnect`, close with 1001.
   */
  async shutdown(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    if (this.#healthTimer !== undefined) this.#timers.clearInterval(this.#healthTimer);
    if (this.#inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const deadline = this.#timers.setTimeout(resolve, this.#o.drainTimeoutMs ?? 30_000);
        this.#drained = () => {
          this.#timers.clearTimeout(deadline);
          resolve();
        };
      });
      this.#drained = undefined;
    }
    for (const call of this.#inflight) call.abort(new ConnectorError('SHUTTING_DOWN', 'the connector is shutting down'));
    this.#configAbort.abort();
    await this.#runStop();
    this.#auth.close();
    await this.link.close();
    this.#releaseProcess();
  }

  #onRequest(packet: RequestPacket): void {
    const { m, c } = packet;
    const a = packet.a ?? {};
    switch (m) {
      case WorkspaceMethod.query:
        void this.#query(c, a);
        return;
      case WorkspaceMethod.introspect:
        if (c !== undefined) {
          const answer: IntrospectAnswer = { configSchema: this.#o.schema.configSchema, introspect: this.#o.schema.introspect };
          this.link.answer(c, answer);
        }
        return;
      case WorkspaceMethod.setConfig: {
        // Configs apply one after another, in the order they arrived; a call that arrives behind
        // one runs with it (the workspace sends the config on connect, and calls right after).
        this.#configsPending += 1;
        let applied!: () => void;
        this.#configApplied = new Promise<void>((resolve) => (applied = resolve));
        let counted = true;
        const done = (): void => {
          if (!counted) return;
          counted = false;
          this.#configsPending -= 1;
          applied();
        };
        this.#configQueue = this.#configQueue
          .then(() => this.#setConfig(c, this.#secretsOf(a), done))
          .catch((error: unknown) => this.#o.logger.error({ err: this.#scrubber.scrubError(error) }, 'set-config failed'))
          .finally(done);
        return;
      }
      case WorkspaceMethod.cancel:
        // §8 `cancellation`: a notice; a v1 workspace never sends it, and it means nothing unnegotiated.
        if (this.link.features.has(Feature.cancellation)) this.#cancel(a);
        else this.#answerError(c, { error: `unknown request ${JSON.stringify(m)}`, code: WireErrorCode.methodNotFound });
        return;
      case WorkspaceMethod.startOAuth:
      case WorkspaceMethod.finishOAuth:
        void this.#oauth(c, m, a);
        return;
      case WorkspaceMethod.webhookSubscribe:
      case WorkspaceMethod.webhookUnsubscribe:
        // §8: only where negotiated; a v1 workspace never sends them, and is answered as v1 would be.
        if (this.link.features.has(Feature.webhookSubscriptions)) {
          void this.#webhook(c, m, a);
          return;
        }
        this.#answerError(c, { error: `unknown request ${JSON.stringify(m)}`, code: WireErrorCode.methodNotFound });
        return;
      default:
        this.#answerError(c, { error: `unknown request ${JSON.stringify(m)}`, code: WireErrorCode.methodNotFound });
    }
  }

  async #query(c: string | undefined, a: Record<string, unknown>): Promise<void> {
    if (this.#draining) {
      this.#answerError(c, {
        error: 'the connector is shutting down; send the call to another instance',
        code: WireErrorCode.shuttingDown,
        retryable: true,
      });
      return;
    }
    // Only while a set-config is being applied: otherwise the call path stays synchronous.
    if (this.#configsPending > 0) await this.#configApplied;
    // §4 (and §8 `deadlines`, `trace-context`, `progress`): the members beside the name, read by the shared reader.
    const options = readQueryOptions(a);
    const observed = this.#observe(a.query, options);
    const call = new Call(this.#config, this.#tasks, this.#blobs, options.taskId, this.#o.logger, this.#auth, a.query, c, observed);
    // §8 `progress`: only to a workspace that negotiated it, and only for a call it waits on.
    if (c !== undefined && this.link.features.has(Feature.progress)) call.progressSink = this.#progress;
    this.#inflight.add(call);
    this.#armDeadline(options, call);
    try {
      const outcome = await this.#dispatcher.call(a.query, a.variables, call);
      // Past its deadline, or cancelled, the call was answered already: what the handler did later goes nowhere.
      if (call.endedEarly) return;
      observed?.end(outcome.ok ? { ok: true } : { ok: false, code: outcome.error.code });
      if (c === undefined) return;
      if (outcome.ok) this.link.answer(c, outcome.result);
      else this.#answerError(c, outcome.error);
    } finally {
      call.finish();
      this.#inflight.remove(call);
      if (this.#inflight.size === 0) this.#drained?.();
    }
  }

  /**
   * §8 `deadlines`: where negotiated, a query's `a.timeoutMs` is the time it has left, counted
   * from its arrival. At the deadline the handler's `ctx.signal` aborts with a `TIMEOUT`
   * ConnectorError (so `ctx.http` requests in flight end with it) and the call is answered
   * `TIMEOUT` at once, whether or not the handler stops. A v1 workspace sends no deadline, and a
   * `timeoutMs` it sent anyway means nothing here: v1 calls run until they end. With `progress`
   * negotiated too, `a.maxTimeoutMs` is the call's longest total time, up to which each notice
   * sent extends the deadline ({@link #reportProgress}); without it, notices extend nothing.
   */
  #armDeadline(options: QueryOptions, call: Call): void {
    if (!this.link.features.has(Feature.deadlines)) return;
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return;
    const now = Date.now();
    const maxMs = this.link.features.has(Feature.progress) ? options.maxTimeoutMs : undefined;
    const deadline: CallDeadline = {
      timeoutMs,
      limit: now + Math.max(timeoutMs, maxMs ?? timeoutMs),
      at: now + timeoutMs,
      timer: undefined,
    };
    call.deadline = deadline;
    this.#schedule(call, deadline, timeoutMs);
  }

  /** (Re)sets the timer that ends `call` with TIMEOUT `ms` from now. */
  #schedule(call: Call, deadline: CallDeadline, ms: number): void {
    if (deadline.timer !== undefined) clearTimeout(deadline.timer);
    const timer = setTimeout(
      () => {
        const error = new ConnectorError(
          WireErrorCode.timeout,
          deadline.extended === undefined
            ? `${call.name} did not finish within the ${deadline.timeoutMs} ms the workspace gave it; ctx.signal was aborted`
            : `${call.name} did not finish within ${deadline.timeoutMs} ms of its last progress notice (or its longest total time); ctx.signal was aborted`,
        );
        this.#endEarly(call, error);
      },
      Math.min(Math.max(Math.ceil(ms), 0), MAX_TIMER_MS),
    );
    timer.unref();
    deadline.timer = timer;
  }

  /**
   * §8 `progress`: `ctx.progress` of a call the workspace waits on. Coalesced per call (progress.ts);
   * each notice that goes out moves the call's own deadline by the rule the workspace applies on
   * receipt (`extendedDeadline`), so the two stay in step and the connector ends no call that the
   * workspace still waits for.
   */
  #reportProgress(call: Call, notice: ProgressNotice): void {
    const c = call.c;
    if (c === undefined || call.aborted) return;
    call.reporter ??= new ProgressReporter({
      timers: this.#timers,
      intervalMs: progressIntervalMs(call.deadline?.timeoutMs),
      send: (sent) => {
        if (call.aborted || this.link.state !== 'open') return;
        this.link.notify(ConnectorMethod.progress, { c, ...sent });
        const deadline = call.deadline;
        if (deadline === undefined) return;
        const now = Date.now();
        const at = extendedDeadline(now, deadline.timeoutMs, deadline.limit);
        if (at <= deadline.at) return; // at its limit: the deadline stays
        deadline.at = at;
        deadline.extended = true;
        this.#schedule(call, deadline, at - now);
      },
    });
    call.reporter.report(notice);
  }

  /**
   * §8 `cancellation`: `connector.cancel {c, reason}` ends the call with callback id `c`: its
   * signal aborts with `CANCELLED` (the caller gave up) or `TIMEOUT` (the workspace's deadline
   * passed), and it is answered at once. A `c` of no call in flight (it ended already) is ignored.
   */
  #cancel(a: Record<string, unknown>): void {
    // A notice: a malformed one has no one to tell, and cancels nothing.
    const args = checkCancelArgs(a);
    if (!args.ok) return;
    const { c, reason } = args.value;
    let call: Call | undefined;
    for (const candidate of this.#inflight) if (candidate.c === c) call = candidate;
    if (call === undefined) return;
    const error =
      reason === 'timeout'
        ? new ConnectorError(
            WireErrorCode.timeout,
            `${call.name} passed its deadline at the workspace, which cancelled it; ctx.signal was aborted`,
          )
        : new ConnectorError(WireErrorCode.cancelled, `the workspace cancelled ${call.name}: its caller gave up; ctx.signal was aborted`);
    this.#endEarly(call, error);
  }

  /** Ends a call before its handler did: aborts its signal with `error` and answers with it (once). */
  #endEarly(call: Call, error: ConnectorError): void {
    if (!call.endEarly(error)) return;
    call.logger.warn({ code: error.code }, error.message);
    call.observed?.end({ ok: false, code: error.code });
    this.#answerError(call.c, { error: error.message, code: error.code, retryable: false });
  }

  /** Tells the observer a call starts; the workspace's trace context only where negotiated (§8 `trace-context`). */
  #observe(query: unknown, options: QueryOptions): CallObservation | undefined {
    const observer = this.#o.observer;
    if (observer?.callStarted === undefined) return undefined;
    // A name that resolves to no method is one label, whatever was asked: the label set stays bounded.
    const method = this.#dispatcher.resolve(query)?.name ?? '(unknown)';
    let trace: { traceparent?: string; tracestate?: string } | undefined;
    const { traceparent, tracestate } = options;
    if (this.link.features.has(Feature.traceContext) && traceparent !== undefined) {
      trace = { traceparent, ...(tracestate === undefined ? {} : { tracestate }) };
    }
    return observer.callStarted(method, trace);
  }

  /** §4 `connector.health.check`, and the observer (the health endpoint's readiness); known secrets scrubbed from the error. */
  #reportHealth(health: HealthCheckArgs): void {
    const status = health.error === null ? health : { ok: health.ok, error: this.#scrubber.scrub(health.error) };
    this.link.notify(ConnectorMethod.healthCheck, status);
    this.#o.observer?.health?.(status);
  }

  /** §4 `start-oauth` / `finish-oauth`, answered by the connector's OAuth auth (§6). */
  async #oauth(c: string | undefined, m: string, a: Record<string, unknown>): Promise<void> {
    try {
      const answer = await this.#auth.handleOAuth(m, a);
      if (c !== undefined) this.link.answer(c, answer);
    } catch (error) {
      const e = error instanceof ConnectorError ? error : new ConnectorError(WireErrorCode.handlerFailed, (error as Error).message);
      this.#o.logger.warn({ code: e.code }, this.#scrubber.scrub(`${m} failed: ${e.message}`));
      this.#answerError(c, { error: e.message, code: e.code, retryable: e.retryable });
    }
  }

  /** §8 `webhook-subscriptions`: the connector's webhooks.subscribe / unsubscribe, with the lifecycle context. */
  async #webhook(c: string | undefined, m: string, a: Record<string, unknown>): Promise<void> {
    try {
      const answer = await runWebhookRequest(this.#o.connector, m, a, this.#lifecycle(), async (sent) => {
        const value = await decryptSecret(sent, this.#o.keys ?? [], this.#o.connectorId);
        if (typeof value !== 'string') throw new ConnectorError('SECRET_UNREADABLE', 'the webhook secret did not decrypt to text');
        return value;
      });
      this.#o.logger.info({ webhook: (a.webhook as { name?: unknown } | undefined)?.name }, `${m} done`);
      if (c !== undefined) this.link.answer(c, answer);
    } catch (error) {
      const e = error instanceof ConnectorError ? error : new ConnectorError(WireErrorCode.handlerFailed, (error as Error).message);
      this.#o.logger.warn({ code: e.code }, this.#scrubber.scrub(`${m} failed: ${e.message}`));
      this.#answerError(c, {
        error: e.message,
        code: e.code,
        retryable: e.retryable,
        ...(e.details === undefined ? {} : { details: e.details }),
      });
    }
  }

  /**
   * §3 errors: `{error}`; the structured fields only when the workspace announced them (§8).
   * Every error answer passes here: the known secrets are replaced in its message and details.
   */
  #answerError(c: string | undefined, error: ErrorAnswer): void {
    if (c === undefined) return;
    const { error: message, details, ...structured } = error;
    const scrubbed = {
      message: this.#scrubber.scrub(message),
      ...structured,
      ...(details === undefined ? {} : { details: this.#scrubber.scrubDeep(details) }),
    };
    this.link.answer(c, errorAnswer(this.link.features, scrubbed));
  }

  /**
   * The `secrets` of a `connector.set-config` (§4), checked by the shared validator. Malformed
   * ones are logged and read as no config, as before the check: the connector keeps serving.
   */
  #secretsOf(a: Record<string, unknown>): Record<string, unknown> {
    const args = checkSetConfigArgs(a);
    if (args.ok) return args.value.secrets;
    this.#o.logger.warn(`${WorkspaceMethod.setConfig} from the workspace is malformed (${args.problem.message}): applying no config`);
    return {};
  }

  /** §4 `connector.set-config`: stop the old controller, decode, start the new one, report health. */
  async #setConfig(c: string | undefined, secrets: Record<string, unknown>, applied: () => void): Promise<void> {
    const logger = this.#o.logger;
    const decoded = await decodeConfig(secrets, this.#o.schema.configSchema, this.#o.keys ?? [], this.#o.connectorId, logger);
    // Known before any of the new config is used (start() may fail with a value in its message); the
    // previous config's secrets stay known too, for calls still running with them.
    this.#scrubber.set('previous config', this.#configSecrets);
    this.#configSecrets = decoded.secret.map((name) => [name, decoded.values[name]] as const);
    this.#scrubber.set('config', this.#configSecrets);
    if (decoded.missing.length > 0) {
      logger.warn(`config is missing required field(s): ${decoded.missing.join(', ')} (set them with 'workspace config set')`);
    }
    await this.#runStop();
    this.#configAbort = new AbortController();
    this.#config = decoded.values;
    this.#auth.configure(decoded.values);
    let health: { ok: boolean; error: string | null } | undefined;
    try {
      await this.#o.connector.definition.start?.(this.#lifecycle());
      this.#started = true;
    } catch (error) {
      logger.error({ err: this.#scrubber.scrubError(error) }, 'start() failed');
      health = { ok: false, error: `start failed: ${(error as Error).message}` };
    }
    // Calls waiting for this config run now; the health check that follows does not hold them.
    applied();
    health ??= await this.#health();
    this.#reportHealth(health);
    if (c !== undefined) this.link.answer(c, { ok: true });
    this.#scheduleHealth();
  }

  async #runStop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    try {
      await this.#o.connector.definition.stop?.();
    } catch (error) {
      this.#o.logger.error({ err: this.#scrubber.scrubError(error) }, 'stop() failed');
    }
  }

  #lifecycle(): LifecycleContext<never> {
    const signal = this.#configAbort.signal;
    return {
      config: this.#config as never,
      logger: this.#o.logger,
      tasks: this.#tasks,
      blobs: this.#blobs,
      signal,
      http: this.#auth.http(signal, this.#o.logger, this.#o.observer?.http),
    };
  }

  async #health(): Promise<{ ok: boolean; error: string | null }> {
    // The auth knows when nothing can work until a person acts (e.g. re-authorize after invalid_grant).
    const problem = this.#auth.problem();
    if (problem !== undefined) return { ok: false, error: problem };
    const check = this.#o.connector.definition.healthCheck;
    if (check === undefined) return { ok: true, error: null };
    try {
      const status = await check(this.#lifecycle());
      return status ? { ok: status.ok, error: status.error ?? null } : { ok: true, error: null };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  #scheduleHealth(): void {
    if (this.#healthTimer !== undefined) return;
    this.#healthTimer = this.#timers.setInterval(() => {
      if (!this.#started || this.link.state !== 'open') return;
      void this.#health().then((status) => this.#reportHealth(status));
    }, this.#o.healthIntervalMs ?? 30_000);
  }
}

/**
 * The calls in flight, as a list threaded through the calls themselves. A `Set` would do, but
 * a long-lived Set that grows and shrinks on every call rehashes in old space (V8 allocates a
 * rehashed table where the old one lives): garbage that only a full GC returns (bench/RESULTS.md).
 */
class InflightCalls {
  #head: Call | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(call: Call): void {
    call.next = this.#head;
    if (this.#head !== undefined) this.#head.prev = call;
    this.#head = call;
    this.#size += 1;
  }

  remove(call: Call): void {
    if (call.prev !== undefined) call.prev.next = call.next;
    else if (this.#head === call) this.#head = call.next;
    else return; // not in the list
    if (call.next !== undefined) call.next.prev = call.prev;
    call.prev = call.next = undefined;
    this.#size -= 1;
  }

  /** Iterates over a copy, so a call may finish (and leave the list) while this runs. */
  *[Symbol.iterator](): IterableIterator<Call> {
    const calls: Call[] = [];
    for (let call = this.#head; call !== undefined; call = call.next) calls.push(call);
    yield* calls;
  }
}

/**
 * One call in flight, as the dispatcher hands it to the handler. Most handlers use neither their
 * logger (a pino child with redaction, ~10 µs) nor their signal (an AbortController, several µs),
 * so logger, signal and http are made on first use. A class rather than an object literal with
 * getters: V8 builds such literals slowly, several µs each (bench/RESULTS.md).
 */
class Call implements CallEnvironment {
  readonly config: unknown;
  readonly tasks: TaskApi;
  readonly blobs: BlobApi;
  readonly taskId?: string;
  readonly #root: Logger;
  readonly #auth: AuthController;
  readonly #query: unknown;
  readonly #c: string | undefined;
  readonly #observed: CallObservation | undefined;
  /** Neighbours in {@link InflightCalls}. */
  prev: Call | undefined;
  next: Call | undefined;
  #logger: Logger | undefined;
  #http: HttpClient | undefined;
  #controller: AbortController | undefined;
  #aborted = false;
  #finished = false;
  #endedEarly = false;
  #reason: unknown;
  /** Where `ctx.progress` reports go: set by the runtime only where §8 `progress` was negotiated. */
  progressSink: ((call: Call, notice: ProgressNotice) => void) | undefined;
  /** The call's notices, made on its first report. */
  reporter: ProgressReporter | undefined;
  /** Set where §8 `deadlines` gave the call a deadline. */
  deadline: CallDeadline | undefined;

  constructor(
    config: unknown,
    tasks: TaskApi,
    blobs: BlobApi,
    taskId: string | undefined,
    root: Logger,
    auth: AuthController,
    query: unknown,
    c: string | undefined,
    observed?: CallObservation,
  ) {
    this.config = config;
    this.tasks = tasks;
    this.blobs = blobs;
    if (taskId !== undefined) this.taskId = taskId;
    this.#root = root;
    this.#auth = auth;
    this.#query = query;
    this.#c = c;
    this.#observed = observed;
  }

  get logger(): Logger {
    // Trace fields (trace_id, span_id) when traced: a log line leads to its trace.
    return (this.#logger ??= this.#root.child({
      method: Array.isArray(this.#query) ? this.#query.join('.') : this.#query,
      call: this.#c,
      ...this.#observed?.logFields,
    }));
  }

  /** Aborted by {@link abort}; when that came first, the signal is born aborted with its reason. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get http(): HttpClient {
    return (this.#http ??= this.#auth.http(this.signal, this.logger, this.#observed?.http));
  }

  /** `ctx.progress`, after the check: nothing without a sink (§8 `progress` not negotiated), nothing once the call ended. */
  progress(notice: ProgressNotice): void {
    if (!this.#finished) this.progressSink?.(this, notice);
  }

  /** True once the call was aborted (deadline, cancel, link drop, shutdown). */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The handler ended: no more notices, no deadline. */
  finish(): void {
    this.#finished = true;
    this.reporter?.close();
    if (this.deadline?.timer !== undefined) clearTimeout(this.deadline.timer);
  }

  /** True once the call's deadline passed or it was cancelled (§8): it was answered then. */
  get endedEarly(): boolean {
    return this.#endedEarly;
  }

  /** The callback id the answer carries (§3). */
  get c(): string | undefined {
    return this.#c;
  }

  /** The query's name, for messages. */
  get name(): string {
    return typeof this.#query === 'string' ? this.#query : JSON.stringify(this.#query);
  }

  /** What the observer watches of this call, if anything. */
  get observed(): CallObservation | undefined {
    return this.#observed;
  }

  /**
   * The deadline passed or the workspace cancelled the call: aborts the signal with `reason`.
   * False when the call was already aborted (the link dropped, shutdown, an earlier end): then
   * its answer is not this one's to give.
   */
  endEarly(reason: ConnectorError): boolean {
    if (this.#aborted) return false;
    this.#endedEarly = true;
    this.abort(reason);
    return true;
  }

  /** Like AbortController.abort: only the first reason counts. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.reporter?.close();
    this.#controller?.abort(reason);
  }
}
