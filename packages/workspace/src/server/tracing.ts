/**
 * The workspace's OpenTelemetry spans (issue 16), through `@opentelemetry/api` only: a CLIENT
 * span per request the workspace sends a connector (§4 `connector.query` from the admin call API
 * and endpoint deliveries, `connector.start-oauth`, webhook (un)subscriptions), its W3C trace
 * context on the wire for instances that negotiated `trace-context` (§8; never for v1), and the
 * ids in the call's log lines and activity.
 *
 * As in the SDK (packages/sdk/src/observability/tracing.ts), the operator registers an
 * OpenTelemetry SDK before the workspace starts (`node --import …`, reading the standard `OTEL_*`
 * variables); this module only uses what is registered. Without a registered tracer provider the
 * API is never imported and the hub gets no tracer: calls cost one `undefined` check.
 */
import type { IncomingMessage } from 'node:http';
import type * as Api from '@opentelemetry/api';
import { cleanTracestate, formatTraceparent, parseTraceparent } from '@connector-kit/sdk/protocol';

/** A caller's W3C trace context (e.g. the `traceparent`/`tracestate` headers of an admin call). */
export interface IncomingTrace {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

/**
 * An HTTP request's W3C trace context headers (https://www.w3.org/TR/trace-context/), unchecked:
 * the tracer ignores a malformed `traceparent` (and its `tracestate`) and starts a new trace.
 */
export function incomingTrace(req: IncomingMessage): IncomingTrace | undefined {
  const { traceparent, tracestate } = req.headers;
  if (typeof traceparent !== 'string') return undefined;
  return { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) };
}

/** One request's span, as the hub uses it. */
export interface RequestSpan {
  /** Fields for the request's log lines and activity: `{ trace_id, span_id }`. */
  readonly logFields: { trace_id: string; span_id: string };
  /** The trace context for the packet's `a` (§8 `trace-context`): this span as the connector's parent. */
  wire(): { traceparent: string; tracestate?: string };
  /** Records the instance the request went to. */
  instance(id: string, name: string): void;
  /** Ends the span: ok without an error, else with the error's code. */
  end(error?: unknown): void;
}

/** Starts request spans. */
export interface WorkspaceTracer {
  /**
   * @param method the §4 method (`connector.query`, `connector.start-oauth`, …)
   * @param label the query's dotted name for `connector.query`, else the method
   * @param parent the caller's trace context; when absent or malformed, the active context (an
   *   operator's HTTP instrumentation) or a new trace
   */
  start(connector: string, method: string, label: string, parent: IncomingTrace | undefined): RequestSpan;
}

/**
 * The key under which `@opentelemetry/api` 1.x keeps its globals (its cross-copy contract: every
 * copy of the API v1 in a process shares this registry).
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** True when some OpenTelemetry SDK has registered a global tracer provider (checked without loading anything). */
export function tracerProviderRegistered(): boolean {
  const registry = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[OTEL_GLOBAL];
  return registry?.trace !== undefined;
}

/** The workspace's tracer, or undefined when tracing is off (no provider registered, or no API package). */
export async function startTracing(): Promise<WorkspaceTracer | undefined> {
  if (!tracerProviderRegistered()) return undefined;
  let api: typeof Api;
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return undefined; // a provider from a copy we cannot import: nothing to join
  }
  return workspaceTracer(api, api.trace.getTracer('@connector-kit/workspace'));
}

/** The tracer over an API and a tracer (exported for tests that bring their own). */
export function workspaceTracer(api: typeof Api, tracer: Api.Tracer): WorkspaceTracer {
  const { SpanKind, SpanStatusCode } = api;

  /** The caller's context: a valid `traceparent` wins, else whatever is active (or the root). */
  const parentOf = (incoming: IncomingTrace | undefined): Api.Context => {
    const active = api.context.active();
    const remote = parseTraceparent(incoming?.traceparent);
    if (remote === undefined) return active;
    const state = cleanTracestate(incoming?.tracestate);
    return api.trace.setSpanContext(active, {
      traceId: remote.traceId,
      spanId: remote.spanId,
      traceFlags: remote.flags,
      isRemote: true,
      ...(state === undefined ? {} : { traceState: api.createTraceState(state) }),
    });
  };

  return {
    start(connector, method, label, incoming) {
      const name = label === method ? method : `${method} ${label}`;
      const span = tracer.startSpan(
        name,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'rpc.system': 'connector',
            'rpc.method': method,
            'connector.name': connector,
            ...(label === method ? {} : { 'connector.method': label }),
          },
        },
        parentOf(incoming),
      );
      const context = span.spanContext();
      return {
        logFields: { trace_id: context.traceId, span_id: context.spanId },
        wire() {
          const state = context.traceState?.serialize();
          return {
            traceparent: formatTraceparent({ traceId: context.traceId, spanId: context.spanId, flags: context.traceFlags }),
            ...(state ? { tracestate: state } : {}),
          };
        },
        instance(id, instanceName) {
          span.setAttributes({ 'connector.instance.id': id, 'connector.instance.name': instanceName });
        },
        end(error) {
          if (error === undefined) {
            span.setAttribute('connector.outcome', 'ok');
          } else {
            const code = (error as { code?: unknown }).code;
            const type = typeof code === 'string' ? code : 'INTERNAL';
            span.setAttributes({ 'connector.outcome': 'error', 'error.type': type });
            // The code only: an error's message may quote the connector's answer.
            span.setStatus({ code: SpanStatusCode.ERROR, message: type });
          }
          span.end();
        },
      };
    },
  };
}
