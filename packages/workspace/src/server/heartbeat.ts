/**
 * Liveness (§3: the workspace pings): every interval, each socket gets a ping; one that stays
 * silent for `maxMissed` pings in a row is terminated, so no half-open socket outlives
 * `(maxMissed + 1) × interval` (reliability.md item 3).
 */
import type { Connection } from './connection.js';

/** Timer functions, injectable so tests drive the heartbeat without waiting. */
export interface HeartbeatTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** Time between pings. @default 10000 */
  intervalMs?: number;
  /** Pings a socket may leave unanswered in a row before it is terminated. @default 2 */
  maxMissed?: number;
  /** The sockets to watch, read on every tick. */
  connections: () => Iterable<Connection>;
  /** Called just before a silent socket is terminated. @default nothing */
  onDead?: (connection: Connection) => void;
  /** @default the global setInterval / clearInterval, unref'ed */
  timers?: HeartbeatTimers;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** One round of checks and pings (what the timer runs). */
  tick(): void;
  stop(): void;
}

const defaultTimers: HeartbeatTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Starts pinging the connections returned by `options.connections`. */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const maxMissed = options.maxMissed ?? 2;
  const timers = options.timers ?? defaultTimers;
  const tick = (): void => {
    for (const connection of options.connections()) {
      if (connection.missedPings >= maxMissed) {
        options.onDead?.(connection);
        connection.terminate();
      } else {
        connection.ping();
      }
    }
  };
  const handle = timers.setInterval(tick, options.intervalMs ?? 10_000);
  return { tick, stop: () => timers.clearInterval(handle) };
}
