/**
 * What happens to each connector, as it happens: calls (method, outcome, duration, the error's
 * code and message), their progress (§8 `progress`), instances coming and going, health changes. `workspace logs <connector>`
 * follows it through `GET /api/v1/connectors/<name>/activity`. It never holds a call's
 * variables or result: those may carry personal data or secrets, and stay with the caller.
 */

import type { ProgressView } from './call-progress.js';

/** The call's trace and span ids, when the workspace traces (tracing.ts): the event leads to its trace. */
interface Traced {
  traceId?: string;
  spanId?: string;
}

/**
 * What a call that had progress notices adds to its `call` event (§8 `progress`): its id, as its
 * `progress` events name it, and its last progress. A call without notices has neither.
 */
interface Progressed {
  call?: string;
  progress?: ProgressView;
}

/** One thing that happened to a connector. */
export type ActivityEvent =
  | ({ type: 'call'; at: string; connector: string; method: string; ok: true; ms: number } & Traced & Progressed)
  | ({ type: 'call'; at: string; connector: string; method: string; ok: false; ms: number; code: string; message: string } & Traced &
      Progressed)
  /** A `connector.progress` notice of the call `call` in flight on instance `instance` (at most one event a second per call). */
  | ({ type: 'progress'; at: string; connector: string; call: string; method: string; instance: string; name: string } & ProgressView)
  | { type: 'instance'; at: string; connector: string; instance: string; name: string; online: boolean; why?: string }
  | { type: 'health'; at: string; connector: string; instance: string; name: string; ok: boolean; error: string | null };

type Listener = (event: ActivityEvent) => void;

/** Recent events kept per connector, for a follower that starts now. */
export const ACTIVITY_KEPT = 100;

/** Fans each connector's events out to its followers, and keeps the last {@link ACTIVITY_KEPT}. */
export class ActivityFeed {
  readonly #recent = new Map<string, ActivityEvent[]>();
  readonly #listeners = new Map<string, Set<Listener>>();

  publish(event: ActivityEvent): void {
    let recent = this.#recent.get(event.connector);
    if (recent === undefined) this.#recent.set(event.connector, (recent = []));
    recent.push(event);
    if (recent.length > ACTIVITY_KEPT) recent.shift();
    for (const listener of this.#listeners.get(event.connector) ?? []) listener(event);
  }

  /** The last `count` events of `connector`, oldest first. */
  recent(connector: string, count: number): ActivityEvent[] {
    const recent = this.#recent.get(connector) ?? [];
    return count <= 0 ? [] : recent.slice(-count);
  }

  /** Calls `listener` with each new event of `connector` until the returned function is called. */
  follow(connector: string, listener: Listener): () => void {
    let listeners = this.#listeners.get(connector);
    if (listeners === undefined) this.#listeners.set(connector, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.#listeners.delete(connector);
    };
  }

  /** Followers of `connector` right now. */
  followers(connector: string): number {
    return this.#listeners.get(connector)?.size ?? 0;
  }

  /** Forgets a removed connector's events (its followers stay until they go). */
  forget(connector: string): void {
    this.#recent.delete(connector);
  }
}
