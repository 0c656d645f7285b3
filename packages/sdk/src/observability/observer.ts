/**
 * Hooks the runtime calls as calls start and end, health checks are reported and `ctx.http`
 * sends requests. Metrics (metrics.ts), traces (tracing.ts) and the health endpoint
 * (health-server.ts) implement them; the runtime knows none of them. With no observer the runtime
 * does no extra work per call.
 */
import type { HttpRequestObserver } from '../http/client.js';

/** How a call ended: its answer, or the `code` of its error answer. */
export interface CallEnd {
  ok: boolean;
  /** The error answer's code (e.g. `INPUT_INVALID`); undefined when ok. */
  code?: string | undefined;
}

/** One call being observed. */
export interface CallObservation {
  /** Fields for the call's log lines, e.g. `{ trace_id, span_id }`. @default none */
  readonly logFields?: Record<string, string>;
  /** Observes the call's `ctx.http` requests (child spans, request metrics). @default none */
  readonly http?: HttpRequestObserver;
  /** The call answered (or failed). Called once. */
  end(result: CallEnd): void;
}

/** What the runtime reports. Every member is optional. */
export interface RuntimeObserver {
  /**
   * A `connector.query` started. `method` is the resolved method name or `(unknown)`;
   * `traceparent`/`tracestate` are the workspace's (W3C trace context, negotiated `trace-context`).
   */
  callStarted?(method: string, trace: { traceparent?: string; tracestate?: string } | undefined): CallObservation | undefined;
  /** A health status was reported to the workspace (§4 `connector.health.check`). */
  health?(status: { ok: boolean; error: string | null }): void;
  /** `ctx.http` requests made outside calls (`start`, `healthCheck`). @default none */
  readonly http?: HttpRequestObserver;
}

/** One observer that forwards to each of `observers`. */
export function combineObservers(observers: readonly RuntimeObserver[]): RuntimeObserver | undefined {
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return observers[0];
  const https = observers.map((o) => o.http).filter((h): h is HttpRequestObserver => h !== undefined);
  return {
    callStarted(method, trace) {
      const started = observers.map((o) => o.callStarted?.(method, trace)).filter((c): c is CallObservation => c !== undefined);
      if (started.length === 0) return undefined;
      const http = combineHttp(started.map((c) => c.http).filter((h): h is HttpRequestObserver => h !== undefined));
      const logFields = Object.assign({}, ...started.map((c) => c.logFields ?? {})) as Record<string, string>;
      return {
        logFields,
        ...(http === undefined ? {} : { http }),
        end: (result) => {
          for (const c of started) c.end(result);
        },
      };
    },
    health(status) {
      for (const o of observers) o.health?.(status);
    },
    ...(https.length === 0 ? {} : { http: combineHttp(https)! }),
  };
}

/** One request observer forwarding to each of `observers` (headers merged in order). */
export function combineHttp(observers: readonly HttpRequestObserver[]): HttpRequestObserver | undefined {
  if (observers.length <= 1) return observers[0];
  return {
    start(method, url) {
      const started = observers.map((o) => o.start(method, url));
      return {
        headers: Object.assign({}, ...started.map((s) => s.headers ?? {})) as Record<string, string>,
        end: (status, error) => {
          for (const s of started) s.end(status, error);
        },
      };
    },
  };
}
