/**
 * The connector's link to the workspace (protocol.md §2, §3): connect → register on 401 →
 * connect, then a WebSocket that carries packets both ways; liveness pings; reconnect with
 * full-jitter backoff. Knows nothing of how the connector talks to outside systems.
 */
import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import {
  CONNECTOR_REQUEST_PREFIX,
  Feature,
  HEARTBEAT_INTERVAL_MS,
  KEY_PROOF_HEADER,
  MAX_FRAME_BYTES,
  SEND_HIGH_WATER_MARK,
  Liveness,
  createIdGenerator,
  defaultToleranceMs,
  WireErrorCode,
  errorAnswer,
  parseFrame,
  type ConnectorSchema,
  type ErrorAnswer,
  type Packet,
  type RequestPacket,
  type ProtocolAnnouncement,
} from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import { signKeyProof } from '../secrets/proof.js';
import { fullJitterBackoff, type BackoffOptions } from './backoff.js';
import { DeviceApi } from './device-api.js';
import { OfflineQueue } from './offline-queue.js';
import { openSocket, type OpenedSocket } from './socket.js';
import { Outbox } from './outbox.js';
import { PendingRequests } from './pending.js';
import { describeDuration, sleep, systemTimers, type Timers } from './timers.js';

/** Everything the link needs to know. */
export interface WorkspaceLinkOptions {
  connectorId: string;
  version: string;
  /** Instance name (§1). */
  instanceName: string;
  /** `REGISTRATION_TOKEN`; needed only when the workspace asks to register. */
  registrationToken?: string;
  /** `DEVICE_ENDPOINT`. */
  deviceEndpoint: string;
  /** `WEBSOCKET_ENDPOINT`. */
  websocketEndpoint: string;
  /** `DEPLOYMENT`. @default '' */
  deployment?: string;
  /** `PUBLIC_KEY` (base64 PEM) sent at registration. @default null */
  publicKey?: string | null;
  /**
   * `PRIVATE_KEY` of `publicKey`: with it the link announces `key-proof` (§8) and signs the
   * workspace's `connect` challenge, proving it holds the key (issue 13 finding 1). @default none
   */
  proofKey?: KeyObject;
  /** `schema` of the register body. */
  schema: ConnectorSchema;
  icon?: string;
  /** Extensions this side supports (§8). @default [] */
  features?: string[];
  /** A connector key from an earlier registration (`CONNECTOR_KEY`); wins over `keyStore`. @default '' (register on first connect) */
  connectorKey?: string;
  /** Where a key from an earlier start is kept, and each new one goes (§2 step 2). @default none: register on every start */
  keyStore?: KeyStore;
  /** Handles each packet that carries a method (a request or notice from the workspace). */
  onRequest: (packet: RequestPacket) => void;
  logger: Logger;
  /** Interval of our pings, in ms. @default 10000 */
  pingIntervalMs?: number;
  /**
   * Silence of the workspace after which its socket counts as dead, in ms: ping interval +
   * tolerance (reliability.md item 3). Only what the workspace sends counts (pongs, pings,
   * frames), never our own writes. @default pingIntervalMs × 2.5 (25000)
   */
  deadAfterMs?: number;
  /** Reconnect delays. @default base 250 ms, cap 30 s */
  backoff?: BackoffOptions;
  /** Time connected after which the backoff counter resets, in ms. @default 10000 */
  stableAfterMs?: number;
  /**
   * Time-out of `POST /connect` (§2 step 1, all its tries) and of the WebSocket handshake (§3),
   * each, in ms: a black-holed network fails an attempt fast, and the next one serves as soon as
   * it heals. @default 10000
   */
  connectTimeoutMs?: number;
  /**
   * A `POST /connect` unanswered this long is sent again beside the first, on a fresh
   * connection (the first answer wins); 0: never. @default 2500
   */
  connectHedgeMs?: number;
  /** Time-out of `POST /register` (§2 step 2, it carries the manifest), in ms. @default 30000 */
  registerTimeoutMs?: number;
  /** Default time-out of connector → workspace requests, in ms. @default 300000 (§3) */
  requestTimeoutMs?: number;
  /** Largest incoming frame, in bytes; bigger ones close the socket with 1009. @default 8 MiB */
  maxPayload?: number;
  /**
   * Largest frame the workspace accepts (its own max payload). An answer that would not fit is
   * replaced by a `RESULT_TOO_LARGE` error answer instead of being cut or closing the socket
   * (reliability.md item 9). @default 8 MiB
   */
  maxSendPayload?: number;
  /** Messages queued while offline (reliability.md item 6). @default 1000 */
  offlineQueueLimit?: number;
  /** Characters of JSON queued while offline, all messages together (item 6). @default 8 Mi */
  offlineQueueMaxChars?: number;
  /** How long a message may wait offline before it fails with CONNECTION_LOST, in ms (item 6). @default 60000 */
  offlineQueueTtlMs?: number;
  /**
   * Bytes waiting in the socket above which the link is congested (reliability.md item 10): it
   * stops reading the workspace's requests and holds its own until half of that has drained.
   * @default 4 MiB
   */
  sendHighWaterMark?: number;
  /** Injected clock. @default the system timers */
  timers?: Timers;
}

/** Keeps the connector key between starts (e.g. a file per instance, `runtime/instance-state.ts`). */
export interface KeyStore {
  /** The key kept for this instance, or undefined. */
  load(): string | undefined;
  /** Keeps `key` for the next start. Never throws. */
  save(key: string): void;
}

/** Link state. */
export type LinkState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

/**
 * Events: `open` (socket ready, negotiated features known), `close` (socket gone; reconnecting),
 * `fatal` (a permanent error: the link stopped).
 */
export class WorkspaceLink extends EventEmitter {
  readonly #o: WorkspaceLinkOptions;
  readonly #api: DeviceApi;
  readonly #timers: Timers;
  readonly #pending: PendingRequests;
  readonly #nextId = createIdGenerator();
  readonly #nextCallback = createIdGenerator(CONNECTOR_REQUEST_PREFIX);
  readonly #stop = new AbortController();
  readonly #offline: OfflineQueue;
  #key: string;
  #ws: WebSocket | undefined;
  #outbox: Outbox | undefined;
  /** Set while the socket holds more than `sendHighWaterMark` unsent bytes. */
  #congested = false;
  /** Sends waiting for the congestion to clear, in order. */
  #waitingSends: Array<() => void> = [];
  #state: LinkState = 'idle';
  #features = new Set<string>();
  /** The signed challenge of the last `connect` (key-proof), sent with the upgrade. */
  #proof: string | undefined;
  #workspaceName: string | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: WorkspaceLinkOptions) {
    super();
    this.#o = options;
    this.#key = options.connectorKey || (options.keyStore?.load() ?? '');
    this.#timers = options.timers ?? systemTimers;
    this.#pending = new PendingRequests(this.#timers);
    this.#offline = new OfflineQueue({
      limit: options.offlineQueueLimit,
      maxChars: options.offlineQueueMaxChars,
      ttlMs: options.offlineQueueTtlMs,
      timers: this.#timers,
      onExpired: (packet) => {
        if (packet.c === undefined) return;
        this.#pending.fail(
          packet.c,
          new ConnectorError('CONNECTION_LOST', `${packet.m} was not sent: the workspace link was down for too long`, { retryable: true }),
        );
      },
    });
    this.#api = new DeviceApi({
      endpoint: options.deviceEndpoint,
      connectorId: options.connectorId,
      version: options.version,
      signal: this.#stop.signal,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.connectHedgeMs === undefined ? {} : { connectHedgeMs: options.connectHedgeMs }),
      ...(options.registerTimeoutMs === undefined ? {} : { registerTimeoutMs: options.registerTimeoutMs }),
    });
  }

  /** Current state. */
  get state(): LinkState {
    return this.#state;
  }

  /** The connector's name in the workspace, when its `connect` answer said (ours does; v1 workspaces need not). */
  get workspaceName(): string | undefined {
    return this.#workspaceName;
  }

  /** Extensions both sides announced (§8). Empty against a plain v1 workspace. */
  get features(): ReadonlySet<string> {
    return this.#features;
  }

  /** Requests waiting for an answer (for tests and diagnostics). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Starts connecting; the link keeps reconnecting until {@link close} or a permanent error. */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#loop = this.#run();
  }

  /** Sends an answer to the workspace's request `c` (§3). Dropped when offline: the workspace already failed that call. */
  answer(c: string, a: unknown): void {
    if (this.#outbox === undefined) return;
    const id = this.#nextId();
    let text: string;
    try {
      text = JSON.stringify({ id, c, a });
    } catch (error) {
      // e.g. a BigInt or a cycle in a fallback handler's result: say so instead of never answering.
      const message = `the answer cannot be sent as JSON (${(error as Error).message}): return plain JSON values`;
      this.#o.logger.error(message);
      text = JSON.stringify({ id, c, a: this.#errorAnswer(message, 'RESULT_NOT_JSON') });
    }
    // Item 9: a frame over the workspace's limit would close the socket (1009) and fail every
    // call on it. A single answer travels alone in its frame, `{"p":[…]}` around it.
    const limit = (this.#o.maxSendPayload ?? MAX_FRAME_BYTES) - 16;
    if (text.length * 3 > limit) {
      const bytes = Buffer.byteLength(text);
      if (bytes > limit) {
        const message = `the answer is ${bytes} bytes, more than the ${limit} a frame to the workspace may carry: return less, e.g. one page at a time`;
        this.#o.logger.error(message);
        text = JSON.stringify({ id, c, a: this.#errorAnswer(message, 'RESULT_TOO_LARGE') });
      }
    }
    this.#outbox.pushText(text);
  }

  /** An error answer (§3), with the structured fields only when negotiated (§8). */
  #errorAnswer(message: string, code: string): ErrorAnswer {
    return errorAnswer(this.#features, { message, code, retryable: false });
  }

  /** Unsent bytes in the socket (0 when there is none): bounded by `sendHighWaterMark` plus one frame. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Whether the link is holding back because the workspace is not reading (item 10). */
  get congested(): boolean {
    return this.#congested;
  }

  /** Sends a notice that expects no answer (e.g. `connector.health.check`). */
  notify(m: string, a: Record<string, unknown>): void {
    this.#sendOrQueue({ id: this.#nextId(), m, a });
  }

  /**
   * Sends a request and resolves to the answer's `a` (§4, connector → workspace): any JSON value
   * (§3), `{}` when the answer carried none.
   * @throws ConnectorError `TIMEOUT`, `CONNECTION_LOST`, `OFFLINE_QUEUE_FULL`; RemoteError for error answers
   */
  request(m: string, a: Record<string, unknown>, timeoutMs = this.#o.requestTimeoutMs ?? 300_000): Promise<unknown> {
    if (this.#state === 'closed' || this.#state === 'closing') {
      return Promise.reject(new ConnectorError('NOT_CONNECTED', `cannot send ${m}: the connector is shutting down`));
    }
    const c = this.#nextCallback();
    const promise = this.#pending.add(c, m, timeoutMs);
    const send = (): void => {
      try {
        this.#sendOrQueue({ id: this.#nextId(), c, m, a });
      } catch (error) {
        // A local failure (OFFLINE_QUEUE_FULL): reject with it as is, not as a workspace answer.
        this.#pending.fail(c, error as Error);
      }
    };
    // Item 10: while the socket is backed up, a request waits its turn instead of piling on
    // (and is dropped if it timed out or its socket closed meanwhile: its caller already knows).
    if (this.#congested) this.#waitingSends.push(() => this.#pending.has(c) && send());
    else send();
    return promise;
  }

  /** §2 step 3 + close 1001. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    this.#stop.abort();
    const ws = this.#ws;
    this.#outbox?.flush();
    if (this.#key) await this.#api.disconnect(this.#key);
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1001, 'connector shutting down');
      await Promise.race([closed, sleep(this.#timers, 2_000)]);
      if ((ws.readyState as number) !== WebSocket.CLOSED) ws.terminate();
    }
    this.#state = 'closed';
    this.#pending.failAll((m) => new ConnectorError('NOT_CONNECTED', `${m} was not answered: the connector shut down`));
    this.#offline.clear();
    await this.#loop;
  }

  #sendOrQueue(packet: Packet): void {
    if (this.#outbox !== undefined) this.#outbox.push(packet);
    else this.#offline.push(packet);
  }

  /** Connect/reconnect loop (§2 step 1, §3 "on close … back to step 1"). */
  async #run(): Promise<void> {
    const delay = fullJitterBackoff(this.#o.backoff);
    const stableAfter = this.#o.stableAfterMs ?? 10_000;
    let attempt = 0;
    /** Since when the link has been down, and how many tries failed since (undefined while up). */
    let outage: { since: number; failures: number } | undefined;
    while (!this.#stop.signal.aborted) {
      this.#state = 'connecting';
      let failure: Error | undefined;
      try {
        const socket = await this.#connect();
        if (outage !== undefined) {
          const down = this.#timers.now() - outage.since;
          const tries = outage.failures === 0 ? '' : ` (${outage.failures} failed ${outage.failures === 1 ? 'try' : 'tries'})`;
          this.#o.logger.info({ downMs: down, failures: outage.failures }, `connected again after ${describeDuration(down)}${tries}`);
        }
        outage = undefined;
        const openedAt = this.#timers.now();
        await this.#serve(socket);
        if (this.#timers.now() - openedAt >= stableAfter) attempt = 0;
        // The socket closed ('workspace socket closed' said why): the outage starts now.
        outage = { since: this.#timers.now(), failures: 0 };
      } catch (error) {
        if (this.#stop.signal.aborted) break; // close() was called meanwhile: not a failure
        if (error instanceof ConnectorError && !error.retryable) {
          this.#state = 'closed';
          this.#pending.failAll((m) => new ConnectorError('NOT_CONNECTED', `${m} was not answered: ${error.message}`));
          this.emit('fatal', error);
          return;
        }
        failure = error as Error;
      }
      if (this.#stop.signal.aborted) break;
      const wait = delay(attempt++);
      if (failure !== undefined) {
        outage ??= { since: this.#timers.now(), failures: 0 };
        outage.failures += 1;
        // An outage is never silent and a long one does not flood the log: a warning at the 1st,
        // 2nd, 4th, 8th, … failed try (growing intervals, as the waits grow to their cap), the
        // tries in between at debug level.
        const report = (outage.failures & (outage.failures - 1)) === 0;
        const down = this.#timers.now() - outage.since;
        const message =
          outage.failures === 1
            ? `workspace link: ${failure.message}; trying again in ${describeDuration(wait)}`
            : `workspace link: still down after ${describeDuration(down)} (${outage.failures} failed tries), last: ${failure.message}; trying again in ${describeDuration(wait)}`;
        this.#o.logger[report ? 'warn' : 'debug']({ failures: outage.failures, downMs: down, waitMs: wait }, message);
      } else {
        this.#o.logger.debug({ wait, attempt }, 'reconnecting');
      }
      await sleep(this.#timers, wait, this.#stop.signal);
    }
  }

  /** Our extensions (§8): the configured ones, and key-proof when we hold a private key. */
  #ours(): string[] {
    const features = this.#o.features ?? [];
    return this.#o.proofKey !== undefined && !features.includes(Feature.keyProof) ? [...features, Feature.keyProof] : features;
  }

  #announcement(): ProtocolAnnouncement {
    return { version: 1, features: this.#ours() };
  }

  /** HTTP connect (registering when asked), then open the socket. */
  async #connect(): Promise<OpenedSocket> {
    let registered = false;
    for (;;) {
      const result = await this.#api.connect(this.#key, this.#announcement());
      if (result.ok) {
        // The answer was read by readConnectAnswer (protocol/handshake-check.ts): members of another type are gone.
        const { protocol, challenge, instance } = result.answer;
        // §8: only what both sides listed; without an answer, v1 only.
        const ours = this.#ours();
        this.#features = new Set((protocol?.features ?? []).filter((f) => ours.includes(f)));
        // key-proof (§8): the signature of the workspace's challenge goes with the upgrade.
        this.#proof =
          this.#features.has(Feature.keyProof) && this.#o.proofKey && challenge !== undefined && instance !== undefined
            ? signKeyProof(this.#o.proofKey, instance.id, challenge)
            : undefined;
        if (instance?.connector !== undefined && instance.connector !== '') this.#workspaceName = instance.connector;
        break;
      }
      if (registered) {
        // The key we were just given is refused: the workspace is inconsistent. Give up loudly (item 2).
        throw new ConnectorError(
          'CONNECTOR_KEY_REJECTED',
          `${this.#o.deviceEndpoint}connect refused the connector key it issued moments ago; check the workspace's logs`,
        );
      }
      await this.#register();
      registered = true;
    }
    return this.#openSocket();
  }

  async #register(): Promise<void> {
    const token = this.#o.registrationToken;
    if (!token) {
      throw new ConnectorError(
        'REGISTRATION_TOKEN_MISSING',
        `REGISTRATION_TOKEN is not set and ${this.#o.deviceEndpoint} asks this connector to register: ` +
          `set it in .env or the environment (run 'workspace connector add <name> --connector-id ${this.#o.connectorId}' to get one)`,
      );
    }
    const answer = await this.#api.register(token, {
      deployment: this.#o.deployment ?? '',
      name: this.#o.instanceName,
      version: this.#o.version,
      id: this.#o.connectorId,
      publicKey: this.#o.publicKey ?? null,
      schema: this.#o.schema,
      ...(this.#o.icon === undefined ? {} : { icon: this.#o.icon }),
      protocol: this.#announcement(),
    });
    this.#key = answer.key;
    this.#o.keyStore?.save(answer.key);
    this.#o.logger.info({ instance: this.#o.instanceName }, 'registered with the workspace');
  }

  #openSocket(): Promise<OpenedSocket> {
    return openSocket({
      url: this.#o.websocketEndpoint,
      key: this.#key,
      userAgent: `${this.#o.connectorId}/${this.#o.version}`,
      maxPayload: this.#o.maxPayload ?? MAX_FRAME_BYTES,
      handshakeTimeoutMs: this.#o.connectTimeoutMs ?? 10_000,
      signal: this.#stop.signal,
      ...(this.#proof === undefined ? {} : { headers: { [KEY_PROOF_HEADER]: this.#proof } }),
      onRefused: (status) => {
        if (status === 401) this.#key = ''; // unknown key: register again on the next attempt
      },
    });
  }

  /** Runs one open socket until it closes. */
  #serve({ ws, takeHeld }: OpenedSocket): Promise<void> {
    return new Promise((resolve) => {
      this.#ws = ws;
      // §3 liveness (item 3): we ping, and drop a socket the workspace has been silent on for
      // too long. Only what it sends counts (protocol/heartbeat.ts): our own writes succeed for
      // a frozen workspace or a proxy that stopped reading, until the buffers are full.
      // While congested we do not read (below), so a workspace that does not take half the
      // high-water mark within deadAfterMs counts as gone too: it is not serving.
      const pingInterval = this.#o.pingIntervalMs ?? HEARTBEAT_INTERVAL_MS;
      const deadAfter = this.#o.deadAfterMs ?? pingInterval + defaultToleranceMs(pingInterval);
      const liveness = new Liveness({
        intervalMs: pingInterval,
        deadAfterMs: deadAfter,
        clock: this.#timers,
        ping: () => {
          if (ws.readyState === WebSocket.OPEN) ws.ping();
        },
        onDead: (silent) => {
          this.#o.logger.warn(`nothing received from the workspace for ${silent} ms (limit ${deadAfter} ms): dropping the socket`);
          ws.terminate();
        },
      });
      const heard = (): void => liveness.heard();
      // Backpressure (item 10): above the high-water mark, stop reading the workspace's
      // requests (each one read would add an answer) and hold our own requests; start again
      // once the socket has written half of it out. The send callback runs when a frame has
      // left for the kernel, so it sees the socket drain.
      const highWater = this.#o.sendHighWaterMark ?? SEND_HIGH_WATER_MARK;
      const written = (): void => {
        if (this.#congested && this.#ws === ws && ws.bufferedAmount <= highWater / 2) this.#uncongest(ws);
      };
      this.#outbox = new Outbox((frame) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(frame, written);
        if (!this.#congested && ws.bufferedAmount > highWater) {
          this.#congested = true;
          ws.pause();
          this.#o.logger.warn(
            { bufferedAmount: ws.bufferedAmount },
            'the workspace is not reading fast enough: holding new requests until the socket drains',
          );
        }
      });
      this.#state = 'open';

      ws.on('ping', heard);
      ws.on('pong', heard);
      ws.on('message', (data, isBinary) => {
        heard();
        this.#receive(isBinary ? null : data.toString());
      });
      // Frames held since the socket opened (see OpenedSocket.takeHeld), in the order they arrived.
      for (const { data, isBinary } of takeHeld()) this.#receive(isBinary ? null : data.toString());
      ws.on('error', (error) => this.#o.logger.warn(`workspace socket error: ${error.message}`));
      ws.once('close', (code, reason) => {
        liveness.stop();
        this.#outbox?.clear();
        this.#outbox = undefined;
        this.#ws = undefined;
        // Waiting sends go to the offline queue (or fail) like any send without a socket.
        this.#uncongest(undefined);
        if (code === 1008) this.#key = ''; // policy violation: our key is no longer valid; register again
        this.#pending.failAll(
          (m) => new ConnectorError('CONNECTION_LOST', `the workspace link dropped before ${m} was answered`, { retryable: true }),
        );
        if (this.#state === 'open') this.#state = 'connecting';
        this.#o.logger.info({ code, reason: reason.toString() }, 'workspace socket closed');
        this.emit('close', code);
        resolve();
      });

      this.emit('open', this.#features);
      this.#flushOffline();
    });
  }

  /** Ends congestion: reads again and lets waiting sends go, in order, while it stays clear. */
  #uncongest(ws: WebSocket | undefined): void {
    this.#congested = false;
    if (ws !== undefined && ws.isPaused) ws.resume();
    while (this.#waitingSends.length > 0 && !this.#congested) this.#waitingSends.shift()!();
  }

  #flushOffline(): void {
    for (const packet of this.#offline.drain()) this.#outbox?.push(packet);
  }

  #receive(text: string | null): void {
    if (text === null) {
      this.#o.logger.warn('ignored a binary frame: the protocol uses text frames (§3)');
      return;
    }
    const { packets, problems } = parseFrame(text);
    for (const problem of problems) {
      this.#o.logger.warn(`ignored a malformed ${problem.index < 0 ? 'frame' : 'packet'}: ${problem.message}`);
      if (problem.c !== undefined) {
        const error = `malformed packet: ${problem.message}`;
        // Structured fields only when negotiated (§8).
        this.answer(problem.c, errorAnswer(this.#features, { message: error, code: WireErrorCode.badRequest }));
      }
    }
    for (const packet of packets) {
      if (packet.m !== undefined) {
        this.#o.onRequest(packet);
      } else if (packet.c !== undefined && !this.#pending.settle(packet.c, packet.a, packet.e)) {
        this.#o.logger.debug({ c: packet.c }, 'answer for an unknown or expired request');
      }
    }
  }
}
