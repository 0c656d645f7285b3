/**
 * One connector instance's WebSocket, seen from the workspace: batched sends, liveness, and the
 * callback ids of calls in flight on it.
 */
import {
  MAX_FRAME_CHARS,
  MAX_PACKETS_PER_FRAME,
  SEND_HIGH_WATER_MARK,
  frameIsFull,
  type HeartbeatClock,
  type Liveness,
  type Packet,
} from '@connector-kit/sdk/protocol';
import { WebSocket } from 'ws';
import type { InstanceRecord } from '../store/store.js';
import { QueueFull, WorkspaceErrorCode } from '../errors.js';

/** The frame limits of §3, one definition for both sides (`@connector-kit/sdk/protocol`). */
export { MAX_PACKETS_PER_FRAME, MAX_FRAME_CHARS };

/**
 * Joins already-serialized packets into one frame: the same text `encodeFrame` would produce
 * from the packets (§3 `{"p": [packet, …]}`), without serializing them a second time.
 */
export function frameFromEncodedPackets(encoded: readonly string[]): string {
  return `{"p":[${encoded.join(',')}]}`;
}

/** Splits serialized packets into frames of at most {@link MAX_PACKETS_PER_FRAME} packets and about {@link MAX_FRAME_CHARS} characters. */
export function splitIntoFrames(encoded: readonly string[]): string[] {
  const frames: string[] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const packet of encoded) {
    if (frameIsFull(batch.length, chars, packet.length)) {
      frames.push(frameFromEncodedPackets(batch));
      batch = [];
      chars = 0;
    }
    chars += (batch.length > 0 ? 1 : 0) + packet.length;
    batch.push(packet);
  }
  if (batch.length > 0) frames.push(frameFromEncodedPackets(batch));
  return frames;
}

/** Limits of {@link Connection}'s backpressure (reliability.md item 10). */
export interface BackpressureLimits {
  /** Unsent bytes in the socket above which frames wait in the queue. @default 4 MiB */
  highWaterMark?: number;
  /** Characters of packets that may wait while the socket drains; past that, {@link Connection.send} refuses. @default 16 Mi */
  maxQueuedChars?: number;
}

/** A connected instance. Created by the hub when the upgrade at `/transport/` succeeds (§3). */
export class Connection {
  /** When the socket opened. */
  readonly connectedSince = new Date();
  /** Callback ids of workspace → connector calls awaiting an answer on this socket. */
  readonly pending = new Set<string>();
  /** The liveness watch of this socket (heartbeat.ts), set by the hub once it is attached. */
  liveness: Liveness | undefined;

  /** Waiting {@link probe}s: each is called once when something arrives. */
  private readonly probes = new Set<() => void>();
  private queue: string[] = [];
  private queuedChars = 0;
  private flushScheduled = false;
  /** Set while the socket holds more than the high-water mark: frames wait in `queue`. */
  private congested = false;
  private readonly highWaterMark: number;
  private readonly maxQueuedChars: number;

  constructor(
    readonly socket: WebSocket,
    readonly instance: InstanceRecord,
    /** Extensions negotiated in `register`/`connect` (§8). */
    readonly features: ReadonlySet<string>,
    limits: BackpressureLimits = {},
  ) {
    this.highWaterMark = limits.highWaterMark ?? SEND_HIGH_WATER_MARK;
    this.maxQueuedChars = limits.maxQueuedChars ?? 16 * 1024 * 1024;
  }

  /** Whether sends wait because the connector is not reading fast enough. */
  get isCongested(): boolean {
    return this.congested;
  }

  /** True while the socket can carry frames. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * Queues a packet; every packet queued in the same tick leaves in one frame (or a few, past
   * the caps), flushed in a microtask so a call never waits for a timer.
   * While the connector does not read, packets wait here (item 10) up to `maxQueuedChars`.
   * @throws TypeError when the packet cannot be serialized (e.g. a BigInt in the arguments)
   * @throws QueueFull when that much already waits
   */
  send(packet: Packet): void {
    if (this.congested && this.queuedChars >= this.maxQueuedChars)
      throw new QueueFull(
        WorkspaceErrorCode.connectorBusy,
        `${this.queuedChars} characters already wait for a connector that is not reading`,
        { queuedChars: this.queuedChars, retryable: true },
      );
    const text = JSON.stringify(packet);
    this.queue.push(text);
    this.queuedChars += text.length;
    if (this.flushScheduled || this.congested) return;
    this.flushScheduled = true;
    queueMicrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    // A closed socket drops its queue: its pending calls fail with CONNECTION_LOST on 'close'.
    if (!this.open) {
      this.queue = [];
      this.queuedChars = 0;
      return;
    }
    if (this.congested) return;
    const queued = this.queue;
    this.queue = [];
    this.queuedChars = 0;
    for (const frame of splitIntoFrames(queued)) this.socket.send(frame, this.written);
    if (this.socket.bufferedAmount > this.highWaterMark) this.congested = true;
  };

  /**
   * A frame left for the kernel: once half the high-water mark has drained, queued packets go.
   * Not a sign of life (§3, heartbeat.ts): the kernel takes bytes for a frozen connector too.
   */
  private readonly written = (): void => {
    if (!this.congested || this.socket.bufferedAmount > this.highWaterMark / 2) return;
    this.congested = false;
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flush);
    }
  };

  /** Something arrived from the connector (a frame, a pong, a ping): only that proves it alive. */
  heard(): void {
    this.liveness?.heard();
    for (const probe of [...this.probes]) probe();
  }

  /**
   * Pings and waits up to `ms` for anything from the connector (a pong, a ping, a frame):
   * true when it came, false when the time passed or the socket is not open.
   */
  probe(ms: number, clock: HeartbeatClock): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (alive: boolean): void => {
        clock.clearTimeout(timer);
        this.probes.delete(heard);
        resolve(alive);
      };
      const heard = (): void => done(true);
      const timer = clock.setTimeout(() => done(false), ms);
      this.probes.add(heard);
      this.ping();
    });
  }

  /** Sends a ping (§3 liveness) when the socket is open. */
  ping(): void {
    if (this.open) this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(code, reason);
  }

  /** Drops the socket without a close handshake (a dead peer would never answer one). */
  terminate(): void {
    this.socket.terminate();
  }
}
