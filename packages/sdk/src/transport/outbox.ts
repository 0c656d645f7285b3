/**
 * Outgoing packets: batched into frames once per microtask (never a timer hop on the call
 * path), with frames bounded in packets and bytes (§3 allows several packets per frame).
 */
import { MAX_FRAME_CHARS, MAX_PACKETS_PER_FRAME, frameIsFull, type Packet } from '../protocol/index.js';

/** Limits of one frame. */
export interface OutboxLimits {
  /** Most packets in one frame. @default 256 */
  maxPackets?: number;
  /** Most characters of packet JSON (commas included) in one frame. @default 1 MiB */
  maxChars?: number;
}

/** Collects serialized packets and hands whole frames to `write`. */
export class Outbox {
  readonly #write: (frame: string) => void;
  readonly #maxPackets: number;
  readonly #maxChars: number;
  #parts: string[] = [];
  #chars = 0;
  #scheduled = false;

  constructor(write: (frame: string) => void, limits: OutboxLimits = {}) {
    this.#write = write;
    this.#maxPackets = limits.maxPackets ?? MAX_PACKETS_PER_FRAME;
    this.#maxChars = limits.maxChars ?? MAX_FRAME_CHARS;
  }

  /** Queues one packet; it leaves in the frame flushed at the end of this microtask. */
  push(packet: Packet): void {
    this.pushText(JSON.stringify(packet));
  }

  /** Queues one packet already serialized (its JSON text). */
  pushText(text: string): void {
    // §3 batching: the one rule both sides use, with this outbox's (configurable) limits.
    if (frameIsFull(this.#parts.length, this.#chars, text.length, this.#maxPackets, this.#maxChars)) this.flush();
    this.#chars += (this.#parts.length > 0 ? 1 : 0) + text.length;
    this.#parts.push(text);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what is queued as one frame. */
  flush(): void {
    this.#scheduled = false;
    if (this.#parts.length === 0) return;
    const frame = `{"p":[${this.#parts.join(',')}]}`;
    this.#parts = [];
    this.#chars = 0;
    this.#write(frame);
  }

  /** Drops what is queued (the socket is gone). Returns how many packets were dropped. */
  clear(): number {
    const dropped = this.#parts.length;
    this.#parts = [];
    this.#chars = 0;
    return dropped;
  }
}
