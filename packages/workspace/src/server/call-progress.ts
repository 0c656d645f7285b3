/**
 * The queries in flight and their progress (protocol.md §8 `progress`): what each
 * `connector.progress` notice records, how it moves the call's deadline, and how the admin API
 * and the activity feed show it. The hub keeps one {@link QueryInFlight} per query it waits on.
 */
import { extendedDeadline, type ProgressNotice } from '@connector-kit/sdk/protocol';

/** Progress events of one call reach the activity feed at most this often (its last 100 events stay useful). */
export const PROGRESS_FEED_INTERVAL_MS = 1000;

/** Longest total time of a call whose deadline progress notices extend, by default: 1 hour. */
export const DEFAULT_MAX_CALL_MS = 3_600_000;

/** A call's progress as the admin API and the activity feed show it. */
export interface ProgressView extends ProgressNotice {
  /** Notices received so far. */
  notices: number;
  /** When the last one arrived (ISO 8601). */
  at: string;
}

/** A query in flight, as `GET /api/v1/connectors/<name>/calls` lists it. */
export interface CallInFlightView {
  /** The call's callback id, as progress events name it (`call`). */
  id: string;
  method: string;
  /** The instance that runs it: id and name. */
  instance: string;
  name: string;
  /** When it was sent (ISO 8601). */
  started: string;
  /** When the workspace stops waiting, as progress notices moved it (ISO 8601). */
  deadline: string;
  /** How far each notice moves the deadline. */
  timeoutMs: number;
  /** Its longest total time: no notice moves the deadline past `started` + this. */
  maxMs: number;
  progress: ProgressView | null;
}

/** One query the hub waits on: its deadline and what progress said. Times are the hub clock's. */
export class QueryInFlight {
  /** The callback id: set when the query goes out. */
  id = '';
  readonly method: string;
  readonly timeoutMs: number;
  readonly maxMs: number;
  readonly started: number;
  readonly startedAt = new Date();
  /** Clock time past which no notice moves the deadline. */
  readonly limit: number;
  /** Clock time of the deadline now. */
  deadline: number;
  notices = 0;
  readonly #last: ProgressNotice = {};
  #lastAt: Date | undefined;
  #published = Number.NEGATIVE_INFINITY;

  constructor(method: string, timeoutMs: number, maxMs: number, now: number) {
    this.method = method;
    this.timeoutMs = timeoutMs;
    // A timeout longer than the longest total time is kept: notices then extend nothing.
    this.maxMs = Math.max(timeoutMs, maxMs);
    this.started = now;
    this.limit = now + this.maxMs;
    this.deadline = now + timeoutMs;
  }

  /**
   * Records a notice (members left out keep their last value) and applies the deadline rule of
   * §8 `progress`: the deadline moves to `now + timeoutMs`, never past {@link limit}.
   * @returns the new deadline when it moved, else undefined
   */
  record(notice: ProgressNotice, now: number): number | undefined {
    Object.assign(this.#last, notice);
    this.notices += 1;
    this.#lastAt = new Date();
    const next = extendedDeadline(now, this.timeoutMs, this.limit);
    if (next <= this.deadline) return undefined;
    this.deadline = next;
    return next;
  }

  /** True when this notice should become an activity event (the first, then one a second at most). */
  publishable(now: number): boolean {
    if (now - this.#published < PROGRESS_FEED_INTERVAL_MS) return false;
    this.#published = now;
    return true;
  }

  /** The progress so far, or null before the first notice. */
  view(): ProgressView | null {
    if (this.#lastAt === undefined) return null;
    return { ...this.#last, notices: this.notices, at: this.#lastAt.toISOString() };
  }

  /** The TIMEOUT message once the deadline passed: it says whether notices had moved it. */
  timeoutMessage(connector: string, query: unknown): string {
    const what = `connector "${connector}" did not answer ${JSON.stringify(query)}`;
    if (this.notices === 0) return `${what} within ${this.timeoutMs} ms`;
    if (this.deadline >= this.limit) {
      return `${what} within its longest total time of ${this.maxMs} ms (${this.notices} progress notices extended its ${this.timeoutMs} ms deadline; a call may ask for a longer "maxMs")`;
    }
    return `${what} within ${this.timeoutMs} ms of its last progress notice (${this.notices} received)`;
  }

  /** The call as the admin API lists it; `clockNow` (the hub clock's now) turns clock times into dates. */
  toView(instance: { id: string; name: string }, clockNow: number): CallInFlightView {
    return {
      id: this.id,
      method: this.method,
      instance: instance.id,
      name: instance.name,
      started: this.startedAt.toISOString(),
      deadline: new Date(Date.now() + (this.deadline - clockNow)).toISOString(),
      timeoutMs: this.timeoutMs,
      maxMs: this.maxMs,
      progress: this.view(),
    };
  }
}
