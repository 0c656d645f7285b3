/**
 * The connected instances and the table of calls in flight to them (§3, §4).
 *
 * Invariant: every entry of the request table is removed exactly once, by its answer, its
 * timeout, or the close of its socket, so the table ends empty whatever happens.
 */
import {
  ConnectorMethod,
  WorkspaceMethod,
  createIdGenerator,
  isErrorAnswer,
  parseFrame,
  type HeartbeatClock,
  type Packet,
} from '@connector-kit/sdk/protocol';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { WorkspaceError, WorkspaceErrorCode } from '../errors.js';
import type { InstanceRecord, Store } from '../store/store.js';
import { setConfigArgs } from './config.js';
import { Connection, QueueFull, type BackpressureLimits } from './connection.js';
import { connectorRequestHandlers, type RequestContext } from './connector-requests.js';
import { heartbeatParameters, systemClock, watchLiveness, type HeartbeatOptions, type HeartbeatParameters } from './heartbeat.js';

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
  /** Task the call belongs to, passed to the connector as `taskId` (§4). @default none */
  taskId?: string | undefined;
}

/** Options of the {@link Hub} constructor. */
export interface HubOptions {
  store: Store;
  logger: Logger;
  /** Default deadline of a call. @default 300000 */
  callTimeoutMs?: number;
  /** When calls to an instance that does not read wait, and when they are refused (reliability.md item 10). */
  backpressure?: BackpressureLimits;
  /** Pings and the silence after which an instance counts as gone (§3, reliability.md item 3). @default 10 s + 15 s */
  heartbeat?: HeartbeatOptions;
}

interface PendingCall {
  connection: Connection;
  query: unknown;
  timer: NodeJS.Timeout;
  resolve: (result: unknown) => void;
  reject: (error: WorkspaceError) => void;
}

/** Tracks connected instances, routes calls to them and serves their requests. */
export class Hub {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly callTimeoutMs: number;
  private readonly backpressure: BackpressureLimits;
  /** Heartbeat settings in effect. */
  readonly heartbeat: HeartbeatParameters;
  private readonly clock: HeartbeatClock;
  private readonly connections = new Map<string, Connection>();
  private readonly byConnector = new Map<string, Connection[]>();
  private readonly roundRobin = new Map<string, number>();
  private readonly pending = new Map<string, PendingCall>();
  private readonly negotiated = new Map<string, ReadonlySet<string>>();
  private readonly health = new Map<string, HealthReport>();
  private readonly nextPacketId = createIdGenerator('w');
  private readonly nextCallbackId = createIdGenerator('call-');
  private readonly handlers = connectorRequestHandlers();

  constructor(options: HubOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.callTimeoutMs = options.callTimeoutMs ?? 300_000;
    this.backpressure = options.backpressure ?? {};
    this.heartbeat = heartbeatParameters(options.heartbeat);
    this.clock = options.heartbeat?.clock ?? systemClock;
  }

  /** Calls awaiting an answer (the request table's size). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Every open connection. */
  connectionList(): Iterable<Connection> {
    return this.connections.values();
  }

  /** Remembers the extensions negotiated for an instance in `register`/`connect` (§8). */
  setFeatures(instanceId: string, features: readonly string[]): void {
    this.negotiated.set(instanceId, new Set(features));
  }

  /** Records a `connector.health.check` (§4). */
  setHealth(instanceId: string, ok: boolean, error: string | null): void {
    this.health.set(instanceId, { ok, error, at: new Date() });
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

  /** Takes over an upgraded socket of `instance` (§3); a second socket replaces the first. */
  attach(instance: InstanceRecord, socket: WebSocket): Connection {
    const connection = new Connection(socket, instance, this.negotiated.get(instance.id) ?? new Set(), this.backpressure);
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
    this.store.touchInstance(instance.id).catch(() => {});
    // §4: every (re)connect starts the connector's controller with its stored config.
    void this.sendConfig(connection);
    return connection;
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
        a: setConfigArgs(entries),
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
    const a: Record<string, unknown> = { query, variables: variables ?? {} };
    if (options.taskId !== undefined) a.taskId = options.taskId;
    return this.request(connector, WorkspaceMethod.query, a, options, query);
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

    return new Promise((resolve, reject) => {
      try {
        connection.send({ id: this.nextPacketId(), c, m: method, a });
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
      const timer = setTimeout(() => {
        this.settle(c)?.reject(
          new WorkspaceError(
            WorkspaceErrorCode.timeout,
            `connector "${connector}" did not answer ${JSON.stringify(query)} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(c, { connection, query, timer, resolve, reject });
      connection.pending.add(c);
    });
  }

  /** Removes a request table entry and returns it (undefined when already settled). */
  private settle(c: string): PendingCall | undefined {
    const entry = this.pending.get(c);
    if (!entry) return undefined;
    this.pending.delete(c);
    entry.connection.pending.delete(c);
    clearTimeout(entry.timer);
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
    if (this.connections.get(id) === connection) this.connections.delete(id);
    const remaining = (this.byConnector.get(connector) ?? []).filter((c) => c !== connection);
    if (remaining.length > 0) this.byConnector.set(connector, remaining);
    else this.byConnector.delete(connector);
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
        this.answer(connection, problem.c, { error: problem.message, code: 'BAD_REQUEST' });
      }
    }
    for (const packet of packets) {
      if (packet.m !== undefined) this.serve(connection, packet);
      else if (packet.c !== undefined) this.resolveAnswer(connection, packet);
    }
  }

  private resolveAnswer(connection: Connection, packet: Packet): void {
    const entry = this.pending.get(packet.c!);
    // Only the socket a call went out on may answer it: no reply ever reaches the wrong caller.
    if (!entry || entry.connection !== connection) {
      this.logger.debug({ instance: connection.instance.id, c: packet.c }, 'answer without a pending call');
      return;
    }
    this.settle(packet.c!);
    const a = packet.a;
    if (isErrorAnswer(a)) {
      // §3 error answer; `code` and `details` are the structured-errors extension (§8).
      const message = typeof a.error === 'string' ? a.error : JSON.stringify(a.error);
      const code = typeof a.code === 'string' && a.code !== '' ? a.code : WorkspaceErrorCode.connectorError;
      entry.reject(new WorkspaceError(code, message, { details: a.details }));
    } else if (typeof packet.e === 'string' && packet.e !== '') {
      entry.reject(new WorkspaceError(WorkspaceErrorCode.connectorError, packet.e));
    } else {
      entry.resolve(a ?? {});
    }
  }

  /** Serves a request or notice from a connector (§4 "Connector → workspace"). */
  private serve(connection: Connection, packet: Packet): void {
    const method = packet.m!;
    const handler = this.handlers.get(method);
    if (!handler) {
      this.logger.debug({ instance: connection.instance.id, method }, 'unknown method from connector');
      if (packet.c !== undefined) {
        this.answer(connection, packet.c, {
          error: `unknown method "${method}": this workspace serves ${Object.values(ConnectorMethod).join(', ')}`,
          code: 'METHOD_NOT_FOUND',
        });
      }
      return;
    }
    const context: RequestContext = {
      store: this.store,
      instance: connection.instance,
      features: connection.features,
      hub: this,
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
          const answer: Record<string, unknown> = { error: failure.message, code: failure.code };
          if (failure.details !== undefined) answer.details = failure.details;
          this.answer(connection, packet.c, answer);
        } else {
          this.logger.warn({ instance: connection.instance.id, method, err: failure.message }, 'notice failed');
        }
      },
    );
  }

  private answer(connection: Connection, c: string, a: Record<string, unknown>): void {
    connection.send({ id: this.nextPacketId(), c, a });
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
