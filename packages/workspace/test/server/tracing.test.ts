/**
 * The workspace's spans (issue 16, server/tracing.ts) with a real OpenTelemetry SDK collecting
 * into memory, against raw-ws connectors: a CLIENT span per request into a connector, under an
 * admin caller's `traceparent`; the W3C trace context on `connector.query` only for an instance
 * that negotiated `trace-context` (§8), never for a v1 one; the trace id in the call's log line
 * and activity; and, with no tracer provider registered, no spans and nothing on the wire.
 */
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature, parseTraceparent } from '@connector-kit/sdk/protocol';
import { FakeConnector, addAndRegister, capturingLogger, startTestWorkspace, type TestWorkspace } from '../helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const logs = capturingLogger('debug');
let ws: TestWorkspace;
beforeAll(async () => {
  // Registered before the workspace starts, as an operator's `node --import` setup would.
  api.trace.setGlobalTracerProvider(provider);
  ws = await startTestWorkspace({ callTimeoutMs: 30_000, logger: logs.logger });
}, 60_000);
afterAll(async () => {
  await ws?.close();
  api.trace.disable();
});

/** An outside caller's trace context, as a `traceparent` header carries it. */
const CALLER = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const CALLER_HEADER = `00-${CALLER.traceId}-${CALLER.spanId}-01`;

/** A raw-ws instance of a new connector; `features` announced in connect (none: a v1 instance). */
async function online(on: TestWorkspace, name: string, connectorId: string, features?: string[]): Promise<FakeConnector> {
  const { key } = await addAndRegister(on, name, connectorId);
  if (features !== undefined) {
    const connect = await on.device('connect', key, { protocol: { version: 1, features } });
    expect(connect.body.protocol).toEqual({ version: 1, features });
  }
  const connector = await FakeConnector.connect(on, key);
  await vi.waitFor(() => expect(on.hub.online(name)).toHaveLength(1));
  connector.handlers.set('hello', (variables: { name: string }) => ({ greeting: `hi ${variables.name}` }));
  return connector;
}

/** POST /api/v1/connectors/<name>/call with extra headers. */
async function adminCall(on: TestWorkspace, name: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(`api/v1/connectors/${name}/call`, on.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${on.adminToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ method: 'hello', args: { name: 'Ada' }, timeoutMs: 20_000 }),
  });
  return { status: res.status, body: await res.json() };
}

function spanOf(connector: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.attributes['connector.name'] === connector);
  expect(spans, JSON.stringify(exporter.getFinishedSpans().map((s) => s.name))).toHaveLength(1);
  return spans[0]!;
}

describe('workspace spans', () => {
  it('continues the admin caller’s traceparent and hands its span to a trace-context instance as the parent', async () => {
    const connector = await online(ws, 'traced', 'tr-1', [Feature.traceContext]);
    const answer = await adminCall(ws, 'traced', { traceparent: CALLER_HEADER, tracestate: 'caller=1' });
    expect(answer).toEqual({ status: 200, body: { result: { greeting: 'hi Ada' } } });

    const span = spanOf('traced');
    expect(span.name).toBe('connector.query hello');
    expect(span.kind).toBe(api.SpanKind.CLIENT);
    expect(span.spanContext().traceId).toBe(CALLER.traceId);
    expect(span.parentSpanContext?.spanId).toBe(CALLER.spanId);
    expect(span.attributes).toMatchObject({
      'rpc.system': 'connector',
      'rpc.method': 'connector.query',
      'connector.method': 'hello',
      'connector.instance.name': 'test-instance',
      'connector.outcome': 'ok',
    });
    expect(span.status.code).toBe(api.SpanStatusCode.UNSET);

    // §8 trace-context: the query carries this span as the connector's parent, and the caller's tracestate.
    const query = connector.packets('connector.query')[0]!;
    expect(parseTraceparent(query.a.traceparent)).toEqual({ traceId: CALLER.traceId, spanId: span.spanContext().spanId, flags: 1 });
    expect(query.a.tracestate).toBe('caller=1');

    // The trace id is in the workspace's log line of the call and in its activity.
    const line = logs
      .text()
      .split('\n')
      .find((l) => l.includes('"msg":"call answered"') && l.includes('"connector":"traced"'));
    expect(JSON.parse(line!)).toMatchObject({ trace_id: CALLER.traceId, span_id: span.spanContext().spanId, method: 'hello' });
    expect(ws.hub.activity.recent('traced', 10).find((e) => e.type === 'call')).toMatchObject({
      ok: true,
      traceId: CALLER.traceId,
      spanId: span.spanContext().spanId,
    });
    await connector.close();
  });

  it('sends a v1 instance no traceparent, yet makes its span; a malformed traceparent starts a new trace', async () => {
    const connector = await online(ws, 'traced-v1', 'tr-2');
    expect(await adminCall(ws, 'traced-v1', { traceparent: CALLER_HEADER })).toMatchObject({ status: 200 });
    const query = connector.packets('connector.query')[0]!;
    // Exactly v1's members (§4): nothing a v1 connector did not negotiate.
    expect(query.a).toEqual({ query: 'hello', variables: { name: 'Ada' } });
    expect(spanOf('traced-v1').spanContext().traceId).toBe(CALLER.traceId);
    await connector.close();

    const again = await online(ws, 'traced-bad', 'tr-3', [Feature.traceContext]);
    await adminCall(ws, 'traced-bad', { traceparent: `00-${'0'.repeat(32)}-${CALLER.spanId}-01` });
    const span = spanOf('traced-bad');
    expect(span.spanContext().traceId).not.toBe('0'.repeat(32));
    expect(span.parentSpanContext).toBeUndefined();
    expect(parseTraceparent(again.packets('connector.query')[0]!.a.traceparent)?.traceId).toBe(span.spanContext().traceId);
    await again.close();
  });

  it('marks a failed request with its code', async () => {
    await ws.api('POST', 'connectors', { name: 'traced-off', connectorId: 'tr-4' });
    expect(await adminCall(ws, 'traced-off', {})).toMatchObject({ status: 503, body: { error: { code: 'CONNECTOR_OFFLINE' } } });
    const span = spanOf('traced-off');
    expect(span.status).toEqual({ code: api.SpanStatusCode.ERROR, message: 'CONNECTOR_OFFLINE' });
    expect(span.attributes).toMatchObject({ 'connector.outcome': 'error', 'error.type': 'CONNECTOR_OFFLINE' });
  });

  it('makes a span for other requests too, without putting trace context on them', async () => {
    const connector = await online(ws, 'traced-other', 'tr-5', [Feature.traceContext]);
    const request = ws.hub.request('traced-other', 'connector.introspect', {}, { timeoutMs: 20_000 });
    const packet = await connector.waitFor((p) => p.m === 'connector.introspect', 20_000);
    expect(packet.a).toEqual({});
    connector.send({ c: packet.c!, a: { ok: true } });
    await request;
    expect(spanOf('traced-other')).toMatchObject({ name: 'connector.introspect', attributes: { 'rpc.method': 'connector.introspect' } });
    await connector.close();
  });
});

describe('without a tracer provider', () => {
  it('makes no spans and sends no traceparent, even to a trace-context instance', async () => {
    api.trace.disable();
    const quiet = await startTestWorkspace({ callTimeoutMs: 30_000 });
    try {
      const connector = await online(quiet, 'untraced', 'tr-6', [Feature.traceContext]);
      const before = exporter.getFinishedSpans().length;
      expect(await adminCall(quiet, 'untraced', { traceparent: CALLER_HEADER })).toMatchObject({ status: 200 });
      expect(connector.packets('connector.query')[0]!.a).toEqual({ query: 'hello', variables: { name: 'Ada' } });
      expect(exporter.getFinishedSpans()).toHaveLength(before);
      expect(quiet.hub.activity.recent('untraced', 10).find((e) => e.type === 'call')).not.toHaveProperty('traceId');
      await connector.close();
    } finally {
      await quiet.close();
    }
  });
});
