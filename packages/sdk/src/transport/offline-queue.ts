/**
 * Messages the link holds while it has no socket (reliability.md item 6): bounded in count and
 * characters, each with a time-to-live, so an outage can never exhaust memory.
 */
import type { Packet } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { Timers } from './timers.js';

/** Limits of {@link OfflineQueue}. */
export interface OfflineQueueOptions {
  /** Most messages waiting. @default 1000 */
  limit?: number | undefined;
  /** Most characters of JSON waiting, all messages together. @default 8 Mi */
  maxChars?: number | undefined;
  /** How long a message may wait, in ms. @default 60000 */
  ttlMs?: number | undefined;
  timers: Timers;
  /** Called with each message whose time-to-live ended before it could be sent. */
  onExpired: (packet: Packet) => void;
}

interface Queued {
  packet: Packet;
  expires: number;
  /** Length of the packet's JSON. */
  chars: number;
}

/** A FIFO of packets waiting for a socket. */
export class OfflineQueue {
  readonly #o: OfflineQueueOptions;
  #items: Queued[] = [];
  #chars = 0;
  /** Expires messages when their time-to-live ends, even if nothing else happens. */
  #timer: unknown;

  constructor(options: OfflineQueueOptions) {
    this.#o = options;
  }

  /**
   * Queues `packet` until {@link drain}.
   * @throws ConnectorError `OFFLINE_QUEUE_FULL` (retryable) past the count or character limit
   */
  push(packet: Packet): void {
    const limit = this.#o.limit ?? 1000;
    const maxChars = this.#o.maxChars ?? 8 * 1024 * 1024;
    this.#dropExpired();
    if (this.#items.length >= limit) {
      throw new ConnectorError(
        'OFFLINE_QUEUE_FULL',
        `the workspace link is down and ${limit} messages are already waiting; try again later`,
        {
          retryable: true,
        },
      );
    }
    const chars = JSON.stringify(packet).length;
    if (this.#chars + chars > maxChars) {
      throw new ConnectorError(
        'OFFLINE_QUEUE_FULL',
        `the workspace link is down and ${this.#chars} characters already wait (this message has ${chars}, the limit is ${maxChars}); try again later`,
        { retryable: true },
      );
    }
    this.#items.push({ packet, expires: this.#o.timers.now() + (this.#o.ttlMs ?? 60_000), chars });
    this.#chars += chars;
    this.#schedule();
  }

  /** Empties the queue and returns what is still in time, oldest first. */
  drain(): Packet[] {
    this.#dropExpired();
    const packets = this.#items.map((item) => item.packet);
    this.clear();
    return packets;
  }

  /** Drops everything, expiring nothing. */
  clear(): void {
    this.#items = [];
    this.#chars = 0;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#items.length === 0) return;
    const wait = Math.max(0, this.#items[0]!.expires - this.#o.timers.now());
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#dropExpired();
      this.#schedule();
    }, wait);
  }

  #dropExpired(): void {
    const now = this.#o.timers.now();
    while (this.#items.length > 0 && this.#items[0]!.expires <= now) {
      const { packet, chars } = this.#items.shift()!;
      this.#chars -= chars;
      this.#o.onExpired(packet);
    }
  }
}
