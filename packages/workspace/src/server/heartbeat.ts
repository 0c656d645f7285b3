/**
 * Liveness of connector sockets (§3: the workspace pings). Each socket gets its own watch
 * (`Liveness` of the protocol module, the rule the connector follows too): a ping every
 * interval, and the socket is dropped once nothing has been received from the connector for
 * interval + tolerance (reliability.md item 3). The calls in flight on it fail at once.
 */
import { HEARTBEAT_INTERVAL_MS, Liveness, defaultToleranceMs, type HeartbeatClock } from '@connector-kit/sdk/protocol';
import { WorkspaceError, WorkspaceErrorCode } from '../errors.js';

/** Heartbeat settings of the hub. */
export interface HeartbeatOptions {
  /** Time between pings, in ms. @default 10000 */
  intervalMs?: number | undefined;
  /** Silence allowed on top of one interval before an instance counts as gone, in ms. @default intervalMs × 1.5 (15000) */
  toleranceMs?: number | undefined;
  /** The clock the watches run on. @default the system clock, timers unref'ed */
  clock?: HeartbeatClock | undefined;
}

/** The settings in effect, defaults filled in. */
export interface HeartbeatParameters {
  intervalMs: number;
  toleranceMs: number;
}

/** The system clock; its timers never keep the process alive. */
export const systemClock: HeartbeatClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

/**
 * Fills in the defaults and checks the values.
 * @throws WorkspaceError `BAD_REQUEST` when a value is not a positive number of milliseconds
 */
export function heartbeatParameters(options: HeartbeatOptions = {}): HeartbeatParameters {
  const intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
  const toleranceMs = options.toleranceMs ?? defaultToleranceMs(intervalMs);
  for (const [name, value] of [
    ['heartbeatIntervalMs', intervalMs],
    ['heartbeatToleranceMs', toleranceMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new WorkspaceError(
        WorkspaceErrorCode.badRequest,
        `${name} must be a positive number of milliseconds, got ${String(value)}: e.g. 10000 (ping every 10 s) and 15000`,
      );
    }
  }
  return { intervalMs, toleranceMs };
}

/** What a watch needs of a socket. */
export interface Pingable {
  /** Sends a ping when the socket is open. */
  ping(): void;
}

/** Starts watching one socket; `onDead` runs once, when it has been silent for interval + tolerance. */
export function watchLiveness(
  socket: Pingable,
  parameters: HeartbeatParameters,
  clock: HeartbeatClock,
  onDead: (silentMs: number) => void,
): Liveness {
  return new Liveness({
    intervalMs: parameters.intervalMs,
    deadAfterMs: parameters.intervalMs + parameters.toleranceMs,
    clock,
    ping: () => socket.ping(),
    onDead,
  });
}
