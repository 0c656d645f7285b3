/**
 * One trace from an outside caller to the outside API (issue 16): the admin call carries a
 * `traceparent`, the workspace (in this process, its spans in an in-memory exporter) makes its
 * span and puts it on `connector.query` (§8 `trace-context`), the connector (a real process:
 * test/fixtures/ops-connector.mjs with test/fixtures/otel-collect.mjs as the operator's
 * `--import`, exporting to a collector this test starts) makes its call span under it and a span
 * per ctx.http request, whose `traceparent` reaches the stand-in API. An ALOMA-style v1 instance
 * (raw ws, no `protocol` announced) gets no trace context.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { parseTraceparent } from '@connector-kit/sdk/protocol';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addOpsConnector, spawnOps, workspaceEnv } from './ops-helpers.js';
import { startFakeApi, type FakeApi } from './scaffold-helpers.js';
import { captureLogs } from './auth-helpers.js';

/** A span as the connector process's exporter posts it (otel-collect.mjs). */
interface CollectedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
}

const dir = tempDir('ck-trace-');
const exporter = new InMemorySpanExporter();
const logs = captureLogs('workspace');
const collected: CollectedSpan[] = [];
let collector: Server;
let collectorUrl: string;
let ws: Workspace;
let fakeApi: FakeApi;
let connector: ConnectorProcess | undefined;

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      collected.push(...(JSON.parse(body) as CollectedSpan[]));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/spans`;
  fakeApi = await startFakeApi();
  // The workspace's tracer provider, registered before it starts (as `node --import` would).
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  ws = await startTestWorkspace(join(dir.path, 'ws'), { logger: logs.logger });
});
afterAll(async () => {
  await connector?.stop();
  await ws?.close();
  api.trace.disable();
  await fakeApi?.close();
  await new Promise((resolve) => collector?.close(resolve));
  dir.remove();
});

/** The outside caller's trace context. */
const CALLER = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

async function adminCall(name: string, method: string, args: unknown, headers: Record<string, string>) {
  const res = await fetch(`${ws.url.replace(/\/$/, '')}/api/v1/connectors/${name}/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ws.adminToken}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ method, args, timeoutMs: 30_000 }),
  });
  return { status: res.status, body: await res.json() };
}

function workspaceSpan(connector: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.attributes['connector.name'] === connector);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('one trace through workspace, connector and API', () => {
  it('shows workspace span → connector span → HTTP span with the caller’s trace id', async () => {
    const token = await addOpsConnector(ws, 'traced');
    connector = spawnOps({
      ...workspaceEnv(ws, token, 'traced'),
      API_BASE_URL: fakeApi.url,
      NODE_OPTIONS: `--import ${pathToFileURL(join(ROOT, 'test/fixtures/otel-collect.mjs')).href}`,
      SPAN_COLLECTOR_URL: collectorUrl,
    });
    const running = connector;
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'traced'), running.output()).toHaveLength(1), { timeout: 30_000 });

    const answer = await adminCall('traced', 'item', { id: '7' }, { traceparent: `00-${CALLER.traceId}-${CALLER.spanId}-01` });
    expect(answer, running.output()).toEqual({ status: 200, body: { result: { id: '7', name: 'Item 7' } } });

    // The workspace's span, a child of the caller's.
    const mine = workspaceSpan('traced');
    expect(mine.name).toBe('connector.query item');
    expect(mine.spanContext().traceId).toBe(CALLER.traceId);
    expect(mine.parentSpanContext?.spanId).toBe(CALLER.spanId);

    // The connector's call span under it, and its HTTP span under that (exported by the process).
    let call: CollectedSpan | undefined;
    let http: CollectedSpan | undefined;
    await vi.waitFor(
      () => {
        call = collected.find((s) => s.name === 'connector.query item');
        http = collected.find((s) => s.name === 'GET');
        expect(call, JSON.stringify(collected)).toBeDefined();
        expect(http, JSON.stringify(collected)).toBeDefined();
      },
      { timeout: 20_000 },
    );
    expect(call).toMatchObject({ traceId: CALLER.traceId, parentSpanId: mine.spanContext().spanId, kind: api.SpanKind.SERVER });
    expect(call!.attributes).toMatchObject({ 'connector.outcome': 'ok' });
    expect(http).toMatchObject({ traceId: CALLER.traceId, parentSpanId: call!.spanId, kind: api.SpanKind.CLIENT });
    expect(http!.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });

    // The API saw the HTTP span as its parent: the trace can go on there.
    const request = fakeApi.requests.find((r) => r.path.endsWith('/items/7'));
    expect(parseTraceparent(request?.headers.traceparent)).toEqual({ traceId: CALLER.traceId, spanId: http!.spanId, flags: 1 });

    // Both sides' logs lead to the trace: the workspace's call line and the connector's.
    const line = logs
      .text()
      .split('\n')
      .find((l) => l.includes('"msg":"call answered"') && l.includes('"connector":"traced"'));
    expect(JSON.parse(line!)).toMatchObject({ trace_id: CALLER.traceId, span_id: mine.spanContext().spanId });
    expect(running.output()).toContain(`"trace_id":"${CALLER.traceId}"`);
  });

  it('gives an ALOMA-style v1 instance (raw ws, nothing negotiated) no traceparent, while the workspace still traces', async () => {
    const added = await admin(ws, 'POST', 'connectors', { name: 'aloma', connectorId: 'aloma-v1' });
    expect(added.status).toBe(201);
    // §2 as a v1 connector does it: register without "protocol", connect with {}, then the socket.
    const device = (path: string, secret: string, body: unknown) =>
      fetch(new URL(path, ws.deviceEndpoint), {
        method: 'POST',
        headers: { authorization: `Connector ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { key?: string; protocol?: unknown } }));
    const registered = await device('register', added.body.registrationToken, {
      deployment: '',
      name: 'aloma-1',
      version: '1.0.0',
      id: 'aloma-v1',
      publicKey: null,
      schema: { configSchema: { fields: {} }, introspect: 'declare function hello(args: {}): Promise<string>;\n' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    expect(registered.body.protocol).toBeUndefined();
    const key = registered.body.key as string;
    expect((await device('connect', key, {})).status).toBe(200);

    const queries: Record<string, unknown>[] = [];
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` } });
    socket.on('message', (data) => {
      for (const packet of (JSON.parse(data.toString()) as { p: { c?: string; m?: string; a?: Record<string, unknown> }[] }).p) {
        if (packet.m !== 'connector.query' || packet.c === undefined) continue;
        queries.push(packet.a!);
        socket.send(JSON.stringify({ p: [{ id: `v1-${queries.length}`, c: packet.c, a: 'hello from v1' }] }));
      }
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      await vi.waitFor(async () => expect(await onlineInstances(ws, 'aloma')).toHaveLength(1), { timeout: 20_000 });
      const answer = await adminCall('aloma', 'hello', {}, { traceparent: `00-${CALLER.traceId}-${CALLER.spanId}-01` });
      expect(answer).toEqual({ status: 200, body: { result: 'hello from v1' } });
      // v1's members only (§4): no traceparent, no tracestate, nothing else unannounced.
      expect(queries).toEqual([{ query: 'hello', variables: {} }]);
      expect(workspaceSpan('aloma').spanContext().traceId).toBe(CALLER.traceId);
    } finally {
      socket.close();
    }
  });
});
