/**
 * The tracing observer (observability/tracing.ts) with a real OpenTelemetry SDK collecting into
 * memory: the workspace's traceparent is the call span's parent, each ctx.http request is a
 * child span with its traceparent header, and all share one trace id.
 */
import * as api from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { tracingObserver } from '../../src/observability/index.js';
import { formatTraceparent, parseTraceparent } from '../../src/protocol/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => api.propagation.disable());

describe('tracingObserver', () => {
  it('makes a SERVER span under the workspace span and CLIENT spans under it, one trace id', () => {
    const observer = tracingObserver(api, provider.getTracer('test'));
    const workspace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 };
    const call = observer.callStarted!('crm.contacts.get', { traceparent: formatTraceparent(workspace), tracestate: 'ws=1' })!;
    const request = call.http!.start('GET', new URL('https://api.example.com/v1/contacts/7?api_key=secret'));
    request.end(200);
    call.end({ ok: true });
    const failed = observer.callStarted!('crm.contacts.get', undefined)!;
    failed.end({ ok: false, code: 'INPUT_INVALID' });

    const [http, server, root] = exporter.getFinishedSpans();
    expect(server!.name).toBe('connector.query crm.contacts.get');
    expect(server!.kind).toBe(api.SpanKind.SERVER);
    expect(server!.spanContext().traceId).toBe(workspace.traceId);
    expect(server!.parentSpanContext?.spanId).toBe(workspace.spanId);
    expect(server!.attributes).toMatchObject({ 'rpc.method': 'crm.contacts.get', 'connector.outcome': 'ok' });
    expect(http!.kind).toBe(api.SpanKind.CLIENT);
    expect(http!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    expect(http!.spanContext().traceId).toBe(workspace.traceId);
    // The query string (which may hold a key) is not recorded.
    expect(http!.attributes).toMatchObject({ 'url.full': 'https://api.example.com/v1/contacts/7', 'http.response.status_code': 200 });
    // The outside API gets the child span as its parent.
    expect(parseTraceparent(request.headers?.traceparent)).toEqual({
      traceId: workspace.traceId,
      spanId: http!.spanContext().spanId,
      flags: 1,
    });
    expect(call.logFields).toEqual({ trace_id: workspace.traceId, span_id: server!.spanContext().spanId });
    // Without a traceparent (a workspace that negotiated nothing) the call starts its own trace.
    expect(root!.parentSpanContext).toBeUndefined();
    expect(root!.status).toMatchObject({ code: api.SpanStatusCode.ERROR, message: 'INPUT_INVALID' });
  });
});

describe('parseTraceparent', () => {
  it('accepts version 00 only, with non-zero ids', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toMatchObject({ flags: 1 });
    for (const bad of [
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'x',
      42,
    ])
      expect(parseTraceparent(bad)).toBeUndefined();
  });
});
