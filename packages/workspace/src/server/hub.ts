/**
 * The connected instances and the table of calls in flight to them (§3, §4).
 *
 * Invariant: every entry of the request table is removed exactly once, by its answer, its
 * timeout, or the close of its socket, so the table ends empty whatever happens.
 */
import { randomBytes } from 'node:crypto';
import {
  ConnectorMethod,
  Feature,
  WorkspaceMethod,
  createIdGenerator,
  AnswerFallbackCode,
  errorFromAnswer,
  maxBlobBytes,
  parseFrame,
  type HeartbeatClock,
  type AnswerPacket,
  WireErrorCode,
  errorAnswer,
  type WireErrorFacts,
  type RequestPacket,
  checkProgressNotice,
  type CancelArgs,
  type QueryArgs,
} from '@connector-kit/sdk/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ActivityFeed } from './activity.js';
import { QueueFull, WorkspaceError, WorkspaceErrorCode } from '../errors.js';
import type { InstanceRecord, Store } from '../store/store.js';
import { setConfigArgs } from './config.js';
import { kidOf } from './trust.js';
import { Connection, type BackpressureLimits } from './connection.js';
import { connectorRequestHandlers, type RequestContext } from './connector-requests.js';
import { heartbeatParameters, systemClock, watchLiveness, type HeartbeatOptions, type HeartbeatParameters } from './heartbeat.js';
import type { IncomingTrace, RequestSpan, WorkspaceTracer } from './tracing.js';
import { DEFAULT_MAX_CALL_MS, QueryInFlight, type CallInFlightView, type ProgressView } from './call-progress.js';

/** The last `connector.health.check` of an instance (§4). */
export interface HealthReport {
  ok: boolean;
  error: string | null;
  at: Date;
}

/** An instance with an open socket. */
export interface OnlineInstance {
  id: string;
  connector: string;
  name: string;
  version: string;
  connectedSince: Date;
  health: HealthReport | undefined;
  features: string[];
  instance: InstanceRecord;
}

/** Options of {@link Hub.call}. */
export interface CallOptions {
  /** Deadline of the answer. @default the hub's callTimeoutMs (§3: 5 minutes) */
  timeoutMs?: number | undefined;
  /**
   * Longest total time of a query whose deadline progress notices extend (§8 `progress`): each
   * notice moves the deadline to now + `timeoutMs`, never past the call's start + this. @default the hub's maxCallMs (1 hour)
   */
  maxMs?: number | undefined;
  /** Task the call belongs to, passed to the connector as `taskId` (§4). @default none */
  taskId?: string | undefined;
  /**
   * The caller gave up when this aborts (e.g. its HTTP client disconnected): the call fails with
   * `CANCELLED`, and an instance that negotiated `cancellation` gets `connector.cancel` (§8). @default none
   */
  signal?: AbortSignal | undefined;
  /**
   * The caller's W3C trace context (e.g. an admin call's `traceparent` header): the request's span
   * continues that trace. Only used when tracing is on. @default the active context, else a new trace
   */
  trace?: IncomingTrace | undefined;
}

/** Options of the {@link Hub} constructor. */
export interface HubOptions {
  store: Store;
  logger: Logger;
  /** Default deadline of a call. @default 300000 */
  callTimeoutMs?: number;
  /** Default longest total time of a query whose deadline progress notices extend (§8 `progress`). @default 3600000 */
  maxCallMs?: number;
  /** When calls to an instance that does not read wait, and when they are refused (reliability.md item 10). */
  backpressure?: BackpressureLimits;
  /** Pings and the silence after which an instance counts as gone (§3, reliability.md item 3). @default 10 s + 15 s */
  heartbeat?: HeartbeatOptions;
  /** The clock of call deadlines and heartbeat watches. @default `heartbeat.clock`, else the system clock (timers unref'ed) */
  clock?: HeartbeatClock;
  /** Most content bytes of one blob (§4 `connector.blob.create`). @default what fits in one 8 MiB frame (about 6 MiB) */
  maxBlobBytes?: number;
  /** Largest `error` of a `connector.health.check` kept, in bytes (limits.ts). @default 8192 */
  healthErrorBytes?: number;
  /**
   * How long a connected instance has to answer a ping when a second socket with its connector
   * key arrives ({@link Hub.admit}): answered, the newcomer is refused; silent, it is dropped
   * and the newcomer takes over. @default 2000
   */
  takeoverProbeMs?: number;
  /** Spans of requests to connectors (tracing.ts), when an OpenTelemetry SDK is registered. @default none: no spans */
  tracer?: WorkspaceTracer | undefined;
}

/** {@link Hub.admit}'s verdict on a new socket of an instance. */
export type Admission = { admitted: true } | { admitted: false; message: string };

interface PendingCall {
  connection: Connection;
  query: unknown;
  timer: unknown;
  resolve: (result: unknown) => void;
  reject: (error: WorkspaceError) => void;
  /** Stops listening to the caller's signal. */
  release?: () => void;
  /** Queries only: their deadline and progress (§8 `progress`), and what fails them at the deadline. */
  tracked?: { state: QueryInFlight; connector: string; expire: () => void };
}

/** How long extensions negotiated in `register`/`connect` wait for the instance's socket. */
const NEGOTIATED_TTL_MS = 2 * 60_000;

/** Tracks connected instances, routes calls to them and serves their requests. */
export class Hub {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly callTimeoutMs: number;
  private readonly maxCallMs: number;
  private readonly backpressure: BackpressureLimits;
  /** Heartbeat settings in effect. */
  readonly heartbeat: HeartbeatParameters;
  private readonly clock: HeartbeatClock;
  private readonly connections = new Map<string, Connection>();
  private readonly byConnector = new Map<string, Connection[]>();
  private readonly roundRobin = new Map<string, number>();
  private readonly pending = new Map<string, PendingCall>();
  /**
   * Per-instance state, freed when the instance's last socket goes (issue 13 finding 6):
   * extensions negotiated in `register`/`connect` (with when, so one never followed by a
   * socket is forgotten too) and the last health report.
   */
  private readonly negotiated = new Map<string, { features: ReadonlySet<string>; at: number }>();
  private readonly health = new Map<string, HealthReport>();
  /** Instances revoked (or of removed connectors) while this workspace runs: an upgrade in flight when it happened is refused. */
  private readonly revoked = new Set<string>();
  private readonly healthErrorBytes: number;
  private readonly takeoverProbeMs: number;
  private readonly tracer: WorkspaceTracer | undefined;
  /** Key-proof challenges handed out by `connect`, by instance (one each, a minute long). */
  private readonly challenges = new Map<string, { challenge: string; expires: number }>();
  private readonly nextPacketId = createIdGenerator('w');
  private readonly nextCallbackId = createIdGenerator('call-');
  private readonly handlers: ReturnType<typeof connectorRequestHandlers>;
  /** Each connector's calls, instances and health as they happen (`workspace logs`). */
  readonly activity = new ActivityFeed();

  constructor(options: HubOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.callTimeoutMs = options.callTimeoutMs ?? 300_000;
    this.maxCallMs = options.maxCallMs ?? DEFAULT_MAX_CALL_MS;
    this.backpressure = options.backpressure ?? {};
    this.heartbeat = heartbeatParameters(options.heartbeat);
    this.clock = options.clock ?? options.heartbeat?.clock ?? systemClock;
    this.handlers = connectorRequestHandlers({ maxBlobBytes: options.maxBlobBytes ?? maxBlobBytes() });
    this.healthErrorBytes = options.healthErrorBytes ?? 8 * 1024;
    this.takeoverProbeMs = options.takeoverProbeMs ?? 2000;
    this.tracer = options.tracer;
  }

  /** Calls awaiting an answer (the request table's size). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Every open connection. */
  connectionList(): Iterable<Connection> {
    return this.connections.values();
  }

  /** Sizes of the per-instance and per-call tables, for tests and diagnostics: all 0 once every instance is gone. */
  stateSizes(): { connections: number; connectors: number; roundRobin: number; pending: number; negotiated: number; health: number } {
    return {
      connections: this.connections.size,
      connectors: this.byConnector.size,
      roundRobin: this.roundRobin.size,
      pending: this.pending.size,
      negotiated: this.negotiated.size,
      health: this.health.size,
    };
  }

  /**
   * Remembers the extensions negotiated for an instance in `register`/`connect` (§8), for the
   * socket that follows (§2: the socket comes right after `connect`). Entries of instances that
   * never opened one are dropped after {@link NEGOTIATED_TTL_MS}, at the next register/connect.
   */
  setFeatures(instanceId: string, features: readonly string[]): void {
    const now = this.clock.now();
    for (const [id, entry] of this.negotiated) {
      if (now - entry.at > NEGOTIATED_TTL_MS && !this.connections.has(id)) this.negotiated.delete(id);
    }
    // Nothing negotiated is the default (v1): no entry needed.
    if (features.length === 0) this.negotiated.delete(instanceId);
    else this.negotiated.set(instanceId, { features: new Set(features), at: now });
  }

  /**
   * Records a `connector.health.check` (§4). An `error` over the limit is not kept: the report
   * says it was refused, and the notice fails naming the field and the limit.
   * @throws WorkspaceError `PAYLOAD_TOO_LARGE` when `error` is over the limit
   */
  setHealth(instanceId: string, ok: boolean, error: string | null): void {
    if (!this.connections.has(instanceId)) return; // a notice of a socket already gone: nothing to show it on
    const size = error === null ? 0 : Buffer.byteLength(error, 'utf8');
    if (size > this.healthErrorBytes) {
      const message = `"error" is ${size} bytes, over the limit of ${this.healthErrorBytes} bytes: send a shorter health error (the workspace kept none of it)`;
      this.health.set(instanceId, { ok, error: `health error refused: ${message}`, at: new Date() });
      throw new WorkspaceError('PAYLOAD_TOO_LARGE', `${ConnectorMethod.healthCheck}: ${message}`);
    }
    const before = this.health.get(instanceId);
    this.health.set(instanceId, { ok, error, at: new Date() });
    // Changes only: a connector reports every 30 s, and the same report again says nothing new.
    if (before === undefined || before.ok !== ok || before.error !== error) {
      const { connector, name } = this.connections.get(instanceId)!.instance;
      this.activity.publish({ type: 'health', at: new Date().toISOString(), connector, instance: instanceId, name, ok, error });
    }
  }

  /** The online instances of a connector, oldest connection first. */
  online(connector: string): OnlineInstance[] {
    return (this.byConnector.get(connector) ?? []).map((c) => ({
      id: c.instance.id,
      connector: c.instance.connector,
      name: c.instance.name,
      version: c.instance.version,
      connectedSince: c.connectedSince,
      health: this.health.get(c.instance.id),
      features: [...c.features],
      instance: c.instance,
    }));
  }

  /**
   * Decides whether a new socket of `instance` may be attached (issue 13 finding 6: one
   * connector key in two processes must not flap). With no socket of the instance open, yes.
   * With one open, it is pinged: when it answers within `takeoverProbeMs` it is alive, keeps
   * its socket and the newcomer is refused (409: one connector key serves one process); when it
   * does not, it is dropped as dead (its calls fail with CONNECTION_LOST) and the newcomer
   * takes over: a restarted process is not kept out by its old half-open socket.
   */
  async admit(instance: InstanceRecord): Promise<Admission> {
    const current = this.connections.get(instance.id);
    if (!current || !current.open) return { admitted: true };
    const alive = await current.probe(this.takeoverProbeMs, this.clock);
    if (this.connections.get(instance.id) !== current) return { admitted: true }; // it went meanwhile
    if (alive) {
      this.logger.info(
        { connector: instance.connector, instance: instance.id },
        'refused a second socket with the connector key of a connected instance that answers pings',
      );
      return {
        admitted: false,
        message: `another process is connected with this connector key (instance "${instance.name}" of connector "${instance.connector}", connected since ${current.connectedSince.toISOString()}) and answers pings: one connector key serves one process at a time. Give each process its own registration (do not share CONNECTOR_KEY or a kept key file), or stop the other process; this one may retry and takes over once the other is gone`,
      };
    }
    this.logger.warn(
      { connector: instance.connector, instance: instance.id },
      `instance "${instance.name}" did not answer a ping within ${this.takeoverProbeMs} ms while a new socket with its connector key arrived: dropping its old socket`,
    );
    this.detach(current, `did not answer a ping within ${this.takeoverProbeMs} ms when a new socket with its key arrived`);
    current.terminate();
    return { admitted: true };
  }

  /**
   * Takes over an upgraded socket of `instance` (§3), admitted by {@link admit}. Two admitted
   * at once (neither saw the other): the later one replaces the earlier, whose process is then
   * refused by {@link admit} when it comes back.
   */
  attach(instance: InstanceRecord, socket: WebSocket): Connection {
    const connection = new Connection(socket, instance, this.negotiated.get(instance.id)?.features ?? new Set(), this.backpressure);
    const previous = this.connections.get(instance.id);
    if (previous) {
      this.detach(previous);
      previous.close(1000, 'replaced');
    }
    this.connections.set(instance.id, connection);
    this.byConnector.set(instance.connector, [...(this.byConnector.get(instance.connector) ?? []), connection]);

    // §3 liveness: only what the connector sends proves it alive (heartbeat.ts).
    connection.liveness = watchLiveness(connection, this.heartbeat, this.clock, (silentMs) => this.dead(connection, silentMs));
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      connection.heard();
      this.receive(connection, Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    });
    socket.on('pong', () => connection.heard());
    socket.on('ping', () => connection.heard());
    socket.on('error', (error) => this.logger.debug({ instance: instance.id, err: error.message }, 'socket error'));
    socket.on('close', (code) => {
      this.logger.info({ connector: instance.connector, instance: instance.id, code }, 'instance disconnected');
      this.detach(connection);
      this.store.touchInstance(instance.id).catch(() => {});
    });

    this.logger.info({ connector: instance.connector, instance: instance.id, name: instance.name }, 'instance connected');
    this.activity.publish({
      type: 'instance',
      at: new Date().toISOString(),
      connector: instance.connector,
      instance: instance.id,
      name: instance.name,
      online: true,
    });
    this.store.touchInstance(instance.id).catch(() => {});
    // §4: every (re)connect starts the connector's controller with its stored config.
    void this.sendConfig(connection);
    return connection;
  }

  /** The extensions negotiated for an instance in its last `register`/`connect` (§8). */
  featuresOf(instanceId: string): ReadonlySet<string> {
    return this.negotiated.get(instanceId)?.features ?? new Set();
  }

  /**
   * A fresh key-proof challenge for an instance (the `connect` answer's `challenge`), valid for
   * one upgrade within a minute; it replaces the instance's earlier one.
   */
  issueChallenge(instanceId: string): string {
    const now = Date.now();
    for (const [id, entry] of this.challenges) if (entry.expires <= now) this.challenges.delete(id);
    const challenge = randomBytes(32).toString('base64url');
    this.challenges.set(instanceId, { challenge, expires: now + 60_000 });
    return challenge;
  }

  /** Takes (once) the instance's challenge, unless there is none or it expired. */
  takeChallenge(instanceId: string): string | undefined {
    const entry = this.challenges.get(instanceId);
    this.challenges.delete(instanceId);
    return entry !== undefined && entry.expires > Date.now() ? entry.challenge : undefined;
  }

  /** True when the instance was revoked or its connector removed (see {@link revoke}). */
  isRevoked(instanceId: string): boolean {
    return this.revoked.has(instanceId);
  }

  /**
   * Shuts revoked instances out (`workspace instance revoke`, `workspace connector rm`): their
   * sockets close with 1008 (policy violation, §3) and their calls in flight fail with
   * CONNECTION_LOST; they get no more calls, config or OAuth steps. The store must already say
   * so, for their keys to open nothing when they come back.
   * @param why completes "it …" in the error of their calls in flight, e.g. "was revoked"
   * @returns how many of them were connected
   */
  revoke(instanceIds: readonly string[], why: string): number {
    let closed = 0;
    for (const id of instanceIds) {
      this.revoked.add(id);
      const connection = this.connections.get(id);
      if (!connection) continue;
      closed++;
      this.detach(connection, why);
      connection.close(1008, 'revoked');
    }
    return closed;
  }

  /** Closes the socket of an instance (after `POST /disconnect`, §2 step 3). */
  disconnect(instanceId: string): void {
    const connection = this.connections.get(instanceId);
    if (connection) connection.close(1000, 'disconnected');
  }

  /** Sends `connector.set-config` with the stored config to every online instance of the connector. */
  async pushConfig(connector: string, except?: string): Promise<number> {
    const targets = (this.byConnector.get(connector) ?? []).filter((c) => c.instance.id !== except);
    await Promise.all(targets.map((c) => this.sendConfig(c)));
    return targets.length;
  }

  private async sendConfig(connection: Connection): Promise<void> {
    try {
      const entries = await this.store.getConfig(connection.instance.connector);
      // §4: set-config carries a callback id like every workspace request, but no answer is
      // required, so it takes no entry in the request table; a late answer is ignored.
      connection.send({
        id: this.nextPacketId(),
        c: this.nextCallbackId(),
        m: WorkspaceMethod.setConfig,
        a: setConfigArgs(entries, kidOf(connection.instance.publicKey)),
      });
    } catch (error) {
      this.logger.warn({ instance: connection.instance.id, err: (error as Error).message }, 'could not send set-config');
    }
  }

  /**
   * Calls a method of a connector on one of its online instances, round-robin (§4 `connector.query`).
   * @throws WorkspaceError `CONNECTOR_OFFLINE`, `TIMEOUT`, `CONNECTION_LOST`, or the code of the
   *   connector's error answer (`CONNECTOR_ERROR` when it carries none)
   */
  call(connector: string, query: string | readonly string[], variables: unknown, options: CallOptions = {}): Promise<unknown> {
    const a: QueryArgs = { query, variables: variables ?? {} };
    if (options.taskId !== undefined) a.taskId = options.taskId;
    const started = this.clock.now();
    const method = typeof query === 'string' ? query : query.join('.');
    const at = new Date().toISOString();
    const span = this.tracer?.start(connector, WorkspaceMethod.query, method, options.trace);
    // Trace fields when traced: a log line or activity event leads to its trace.
    const traced = span?.logFields;
    const ids = traced === undefined ? {} : { traceId: traced.trace_id, spanId: traced.span_id };
    const state = new QueryInFlight(method, options.timeoutMs ?? this.callTimeoutMs, options.maxMs ?? this.maxCallMs, started);
    // §8 `progress`: a call that had notices says so (and which call it was); others keep v1's event.
    const progressed = (): { call?: string; progress?: ProgressView } => {
      const view = state.view();
      return view === null ? {} : { call: state.id, progress: view };
    };
    return this.traced(span, this.send(connector, WorkspaceMethod.query, a, options, query, span, state)).then(
      (result) => {
        const ms = this.clock.now() - started;
        this.activity.publish({ type: 'call', at, connector, method, ok: true, ms, ...ids, ...progressed() });
        this.logger.debug({ connector, method, ms, ...traced }, 'call answered');
        return result;
      },
      (error: unknown) => {
        const { code, message } = error instanceof WorkspaceError ? error : { code: 'INTERNAL', message: String(error) };
        const ms = this.clock.now() - started;
        this.activity.publish({ type: 'call', at, connector, method, ok: false, ms, code, message, ...ids, ...progressed() });
        this.logger.debug({ connector, method, ms, code, ...traced }, 'call failed');
        throw error;
      },
    );
  }

  /**
   * Sends any workspace → connector request of §4 (e.g. `connector.start-oauth`) to one online
   * instance, round-robin, and resolves to its answer's `a`. `label` names it in errors.
   * @throws WorkspaceError as {@link call} does
   */
  request(
    connector: string,
    method: string,
    a: Record<string, unknown>,
    options: CallOptions = {},
    label: unknown = method,
  ): Promise<unknown> {
    const span = this.tracer?.start(connector, method, method, options.trace);
    return this.traced(span, this.send(connector, method, a, options, label, span));
  }

  /** Ends `span` (when traced) as `answer` settles. */
  private traced(span: RequestSpan | undefined, answer: Promise<unknown>): Promise<unknown> {
    if (span === undefined) return answer;
    return answer.then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => {
        span.end(error);
        throw error;
      },
    );
  }

  /** Sends a request to one online instance, round-robin: the body of {@link request}. */
  private send(
    connector: string,
    method: string,
    a: Record<string, unknown>,
    options: CallOptions,
    label: unknown,
    span: RequestSpan | undefined,
    state?: QueryInFlight,
  ): Promise<unknown> {
    const query = label;
    const instances = this.byConnector.get(connector);
    if (!instances || instances.length === 0) {
      return Promise.reject(
        new WorkspaceError(
          WorkspaceErrorCode.connectorOffline,
          `connector "${connector}" has no connected instance: start the connector so it connects to this workspace`,
        ),
      );
    }
    const turn = this.roundRobin.get(connector) ?? 0;
    this.roundRobin.set(connector, turn + 1);
    const connection = instances[turn % instances.length]!;
    const timeoutMs = options.timeoutMs ?? this.callTimeoutMs;
    const c = this.nextCallbackId();

    // §8 `deadlines`: a connector that negotiated it learns how long the call has, so it can stop
    // the handler (ctx.signal) when this workspace stops waiting. v1 connectors get v1 packets.
    let args = method === WorkspaceMethod.query && connection.features.has(Feature.deadlines) ? { ...a, timeoutMs } : a;
    // §8 `progress`: with deadlines, the connector also learns how far notices may move its own.
    const tracked =
      method === WorkspaceMethod.query
        ? (state ?? new QueryInFlight(String(label), timeoutMs, this.maxCallMs, this.clock.now()))
        : undefined;
    if (tracked !== undefined) tracked.id = c;
    if (tracked !== undefined && connection.features.has(Feature.deadlines) && connection.features.has(Feature.progress)) {
      args = { ...args, maxTimeoutMs: tracked.maxMs };
    }
    if (span !== undefined) {
      span.instance(connection.instance.id, connection.instance.name);
      // §8 `trace-context`: this request's span becomes the connector's parent, on `connector.query`
      // only and only for an instance that negotiated it; a v1 instance never sees `traceparent`.
      if (method === WorkspaceMethod.query && connection.features.has(Feature.traceContext)) args = { ...args, ...span.wire() };
    }

    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(cancelledError(connector, query));

    return new Promise((resolve, reject) => {
      try {
        connection.send({ id: this.nextPacketId(), c, m: method, a: args });
      } catch (error) {
        if (error instanceof QueueFull) {
          reject(
            new WorkspaceError(
              WorkspaceErrorCode.connectorBusy,
              `connector "${connector}" is not reading its socket fast enough (${error.queuedChars} characters already wait for it): retry later, or start more instances`,
              { details: { retryable: true } },
            ),
          );
        } else {
          reject(new WorkspaceError('BAD_REQUEST', `the call's variables cannot be sent as JSON: ${(error as Error).message}`));
        }
        return;
      }
      const expire = (): void => {
        const entry = this.settle(c);
        if (!entry) return;
        entry.reject(
          new WorkspaceError(
            WorkspaceErrorCode.timeout,
            tracked?.timeoutMessage(connector, query) ??
              `connector "${connector}" did not answer ${JSON.stringify(query)} within ${timeoutMs} ms`,
          ),
        );
        if (method === WorkspaceMethod.query) this.sendCancel(connection, c, 'timeout');
      };
      const timer = this.clock.setTimeout(expire, timeoutMs);
      const entry: PendingCall = { connection, query, timer, resolve, reject };
      if (tracked !== undefined) entry.tracked = { state: tracked, connector, expire };
      if (signal !== undefined) {
        const onAbort = (): void => {
          if (!this.settle(c)) return;
          reject(cancelledError(connector, query));
          if (method === WorkspaceMethod.query) this.sendCancel(connection, c, 'caller');
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.release = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(c, entry);
      connection.pending.add(c);
    });
  }

  /**
   * §8 `progress`: a `connector.progress` notice `{c, message?, done?, total?}` from an instance
   * that negotiated it. The notice is recorded on the query `c` (members left out keep their last
   * value), moves its deadline to now + its timeout (never past its longest total time), and
   * becomes a `progress` activity event (the first, then at most one a second per call). A notice
   * for a call that is no longer in flight (answered, timed out), or that went to another socket,
   * changes nothing.
   * @throws WorkspaceError `BAD_REQUEST` when the extension was not negotiated or the notice is malformed
   */
  progress(connection: Connection, args: Record<string, unknown>): void {
    const m = ConnectorMethod.progress;
    if (!connection.features.has(Feature.progress)) {
      throw new WorkspaceError(
        'BAD_REQUEST',
        `${m}: the extension "progress" was not negotiated on this socket (§8): the notice was ignored`,
      );
    }
    const checked = checkProgressNotice(args, true);
    if ('problem' in checked) throw new WorkspaceError('BAD_REQUEST', `${m}: ${checked.problem}`);
    const c = args.c;
    if (typeof c !== 'string' || c === '' || c.length > 200) {
      throw new WorkspaceError('BAD_REQUEST', `${m}: "c" must be the callback id of a query in flight (a string of 1 to 200 characters)`);
    }
    const entry = this.pending.get(c);
    const query = entry?.tracked;
    if (entry === undefined || query === undefined || entry.connection !== connection) {
      this.logger.debug({ instance: connection.instance.id, c }, 'progress notice for no query in flight on this socket');
      return;
    }
    const now = this.clock.now();
    const moved = query.state.record(checked.notice, now);
    if (moved !== undefined) {
      this.clock.clearTimeout(entry.timer);
      entry.timer = this.clock.setTimeout(query.expire, moved - now);
    }
    if (!query.state.publishable(now)) return;
    const { id, name } = connection.instance;
    // The view's `at` is this notice's arrival: the event's time.
    this.activity.publish({
      type: 'progress',
      ...query.state.view()!,
      connector: query.connector,
      call: c,
      method: query.state.method,
      instance: id,
      name,
    });
  }

  /** The queries of a connector in flight now, oldest first, with their deadline and progress (§8 `progress`). */
  callsInFlight(connector: string): CallInFlightView[] {
    const now = this.clock.now();
    const calls: CallInFlightView[] = [];
    for (const entry of this.pending.values()) {
      if (entry.tracked?.connector !== connector) continue;
      calls.push(entry.tracked.state.toView(entry.connection.instance, now));
    }
    return calls;
  }

  /**
   * §8 `cancellation`: tells an instance that negotiated it that nobody waits for call `c` any
   * more (`reason` `caller`: the caller gave up; `timeout`: its deadline passed), so the handler's
   * ctx.signal aborts. A notice: no callback id, no answer. v1 instances get nothing.
   */
  private sendCancel(connection: Connection, c: string, reason: 'caller' | 'timeout'): void {
    if (!connection.features.has(Feature.cancellation)) return;
    try {
      const args: CancelArgs = { c, reason };
      connection.send({ id: this.nextPacketId(), m: WorkspaceMethod.cancel, a: args });
    } catch (error) {
      // A socket too full to take a notice: the connector's own deadline still ends the call.
      this.logger.debug({ instance: connection.instance.id, err: (error as Error).message }, 'could not send connector.cancel');
    }
  }

  /** Removes a request table entry and returns it (undefined when already settled). */
  private settle(c: string): PendingCall | undefined {
    const entry = this.pending.get(c);
    if (!entry) return undefined;
    this.pending.delete(c);
    entry.connection.pending.delete(c);
    this.clock.clearTimeout(entry.timer);
    entry.release?.();
    return entry;
  }

  /**
   * A silent instance (reliability.md item 3): it leaves the lists and its calls fail with
   * CONNECTION_LOST now, not when the closing handshake or the calls' deadlines would end.
   */
  private dead(connection: Connection, silentMs: number): void {
    const { id, connector, name } = connection.instance;
    this.logger.warn(
      { connector, instance: id, silentMs },
      `instance "${name}" sent nothing for ${silentMs} ms (limit ${this.heartbeat.intervalMs + this.heartbeat.toleranceMs} ms): dropping its socket`,
    );
    this.detach(connection, `sent nothing for ${silentMs} ms`);
    connection.terminate();
  }

  private detach(connection: Connection, why = 'closed'): void {
    connection.liveness?.stop();
    const { id, connector } = connection.instance;
    if (this.connections.get(id) === connection) {
      this.connections.delete(id);
      this.health.delete(id);
      this.activity.publish({
        type: 'instance',
        at: new Date().toISOString(),
        connector,
        instance: id,
        name: connection.instance.name,
        online: false,
        ...(why === 'closed' ? {} : { why }),
      });
      // Kept when a newer register/connect negotiated again: its socket is on the way.
      if (this.negotiated.get(id)?.features === connection.features) this.negotiated.delete(id);
    }
    const remaining = (this.byConnector.get(connector) ?? []).filter((c) => c !== connection);
    if (remaining.length > 0) this.byConnector.set(connector, remaining);
    else {
      this.byConnector.delete(connector);
      this.roundRobin.delete(connector);
    }
    // No answer can arrive on a closed socket: fail its calls now rather than at their deadline.
    for (const c of [...connection.pending]) {
      const entry = this.settle(c);
      entry?.reject(
        new WorkspaceError(
          WorkspaceErrorCode.connectionLost,
          `the connection to instance "${connection.instance.name}" of connector "${connector}" ${why === 'closed' ? 'closed' : `was dropped (it ${why})`} while ${JSON.stringify(entry.query)} was in flight`,
        ),
      );
    }
  }

  /** Handles one text frame from a connector (§3). */
  private receive(connection: Connection, text: string): void {
    const { packets, problems } = parseFrame(text);
    for (const problem of problems) {
      // parseFrame's messages never quote the frame, so they are safe to log.
      this.logger.warn(
        { instance: connection.instance.id, problem: problem.message, index: problem.index, chars: text.length },
        'bad frame from connector',
      );
      if (problem.c !== undefined) {
        this.answerError(connection, problem.c, { message: problem.message, code: WorkspaceErrorCode.badRequest });
      }
    }
    for (const packet of packets) {
      if (packet.m !== undefined) this.serve(connection, packet);
      else this.resolveAnswer(connection, packet);
    }
  }

  private resolveAnswer(connection: Connection, packet: AnswerPacket): void {
    const entry = this.pending.get(packet.c);
    // Only the socket a call went out on may answer it: no reply ever reaches the wrong caller.
    if (!entry || entry.connection !== connection) {
      this.logger.debug({ instance: connection.instance.id, c: packet.c }, 'answer without a pending call');
      return;
    }
    this.settle(packet.c);
    // §3 error answer; `code` and `details` are the structured-errors extension (§8).
    const error = errorFromAnswer(
      packet,
      AnswerFallbackCode.connector,
      ({ code, message, details }) => new WorkspaceError(code, message, { details }),
    );
    if (error === undefined) entry.resolve(packet.a ?? {});
    else entry.reject(error);
  }

  /** Serves a request or notice from a connector (§4 "Connector → workspace"). */
  private serve(connection: Connection, packet: RequestPacket): void {
    const method = packet.m;
    const handler = this.handlers.get(method);
    if (!handler) {
      this.logger.debug({ instance: connection.instance.id, method }, 'unknown method from connector');
      if (packet.c !== undefined) {
        this.answerError(connection, packet.c, {
          message: `unknown method "${method}": this workspace serves ${Object.values(ConnectorMethod).join(', ')}`,
          code: WireErrorCode.methodNotFound,
        });
      }
      return;
    }
    const context: RequestContext = {
      store: this.store,
      instance: connection.instance,
      features: connection.features,
      hub: this,
      connection,
    };
    handler(context, packet.a ?? {}).then(
      (result) => {
        if (packet.c !== undefined) this.answer(connection, packet.c, result ?? {});
      },
      (error: unknown) => {
        const failure = error instanceof WorkspaceError ? error : new WorkspaceError('INTERNAL', `the workspace failed to serve ${method}`);
        if (!(error instanceof WorkspaceError)) {
          this.logger.error({ instance: connection.instance.id, method, err: (error as Error).message }, 'request failed');
        }
        if (packet.c !== undefined) {
          this.answerError(connection, packet.c, failure);
        } else {
          this.logger.warn({ instance: connection.instance.id, method, err: failure.message }, 'notice failed');
        }
      },
    );
  }

  private answer(connection: Connection, c: string, a: unknown): void {
    connection.send({ id: this.nextPacketId(), c, a });
  }

  /**
   * An error answer (§3): `{error}` to a v1 connector; `code`, `details` and `retryable` only
   * to one that negotiated structured errors (§8: announced, never assumed).
   */
  private answerError(connection: Connection, c: string, error: WireErrorFacts): void {
    const { message, code, details, retryable = false } = error;
    this.answer(connection, c, errorAnswer(connection.features, { message, code, details, retryable }));
  }

  /** Closes every socket with `code` and waits (up to `graceMs`) for them to close. */
  async closeAll(code: number, reason: string, graceMs = 1000): Promise<void> {
    const sockets = [...this.connections.values()];
    await Promise.all(
      sockets.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (connection.socket.readyState === connection.socket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              connection.terminate();
              resolve();
            }, graceMs);
            connection.socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            connection.close(code, reason);
          }),
      ),
    );
  }
}

/** The error of a call whose caller gave up (CallOptions.signal). */
function cancelledError(connector: string, query: unknown): WorkspaceError {
  return new WorkspaceError(
    WorkspaceErrorCode.cancelled,
    `the call of ${JSON.stringify(query)} on connector "${connector}" was cancelled: its caller gave up`,
  );
}
