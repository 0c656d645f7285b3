/**
 * OpenTelemetry traces through `@opentelemetry/api` only: a SERVER span per call (method,
 * outcome, duration), a CLIENT span per `ctx.http` request under it, the workspace's W3C trace
 * context as the call span's parent (§8 `trace-context`), and the ids in the call's log lines.
 *
 * The operator chooses and configures the exporter (an OpenTelemetry SDK registered before the
 * connector starts, which reads the standard `OTEL_*` variables); this module only uses what is
 * registered. Tracing is on when a tracer provider is registered in OpenTelemetry's global
 * registry: that is checked without loading anything, and the API package (an optional peer
 * dependency) is imported only then. Without it, or with no provider, nothing is loaded and calls
 * cost nothing extra.
 */
import type * as Api from '@opentelemetry/api';
import { cleanTracestate, parseTraceparent } from '../protocol/index.js';
import type { HttpRequestObserver } from '../http/client.js';
import type { RuntimeObserver } from './observer.js';

/**
 * The key under which `@opentelemetry/api` 1.x keeps its globals (its own cross-copy contract:
 * every copy of the API v1 in a process shares this registry).
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** True when some OpenTelemetry SDK has registered a global tracer provider. */
export function tracerProviderRegistered(): boolean {
  const registry = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[OTEL_GLOBAL];
  return registry?.trace !== undefined;
}

/** The tracing observer, or undefined when tracing is off (no provider, or no API package). */
export async function startTracing(version: string): Promise<RuntimeObserver | undefined> {
  if (!tracerProviderRegistered()) return undefined;
  let api: typeof Api;
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return undefined; // a provider from a copy we cannot import: nothing to join
  }
  return tracingObserver(api, api.trace.getTracer('@connector-kit/sdk', version));
}

/** The observer over an API and tracer (exported for tests that bring their own). */
export function tracingObserver(api: typeof Api, tracer: Api.Tracer): RuntimeObserver {
  const { SpanKind, SpanStatusCode } = api;

  const httpUnder = (parent: Api.Context): HttpRequestObserver => ({
    start(method, url) {
      const span = tracer.startSpan(
        method,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': method,
            // Origin and path only: a query string may hold an API key.
            'url.full': `${url.origin}${url.pathname}`,
            'server.address': url.hostname,
            'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          },
        },
        parent,
      );
      // The outside API continues the trace when the operator's propagator says so (W3C by default).
      const headers: Record<string, string> = {};
      api.propagation.inject(api.trace.setSpan(parent, span), headers);
      return {
        headers,
        end(status, error) {
          if (status !== undefined) span.setAttribute('http.response.status_code', status);
          if (status === undefined || status >= 500) {
            span.setStatus({
              code: SpanStatusCode.ERROR,
              message: status === undefined ? String((error as Error)?.message) : `HTTP ${status}`,
            });
            span.setAttribute('error.type', status === undefined ? ((error as { name?: string })?.name ?? 'Error') : String(status));
          }
          span.end();
        },
      };
    },
  });

  return {
    callStarted(method, trace) {
      let parent = api.ROOT_CONTEXT;
      const remote = parseTraceparent(trace?.traceparent);
      if (remote !== undefined) {
        const state = cleanTracestate(trace?.tracestate);
        parent = api.trace.setSpanContext(parent, {
          traceId: remote.traceId,
          spanId: remote.spanId,
          traceFlags: remote.flags,
          isRemote: true,
          ...(state === undefined ? {} : { traceState: api.createTraceState(state) }),
        });
      }
      const span = tracer.startSpan(
        `connector.query ${method}`,
        { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'connector', 'rpc.method': method, 'connector.method': method } },
        parent,
      );
      const { traceId, spanId } = span.spanContext();
      return {
        logFields: { trace_id: traceId, span_id: spanId },
        http: httpUnder(api.trace.setSpan(parent, span)),
        end({ ok, code }) {
          span.setAttribute('connector.outcome', ok ? 'ok' : 'error');
          if (!ok) {
            span.setAttribute('error.type', code ?? 'error');
            span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? 'error' });
          }
          span.end();
        },
      };
    },
    http: httpUnder(api.ROOT_CONTEXT),
  };
}
