import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeConnector, addAndRegister, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace({ callTimeoutMs: 300 });
}, 60_000);
afterAll(() => ws?.close());

describe('admin API authentication', () => {
  it('answers 401 without a bearer token or with a wrong one', async () => {
    const none = await ws.api('GET', 'connectors', undefined, null);
    expect(none.status).toBe(401);
    // Its own code: AUTH_FAILED is the connector's (credentials for the outside system).
    expect(none.body.error.code).toBe('ADMIN_TOKEN_INVALID');
    expect((await ws.api('GET', 'connectors', undefined, 'wrong')).status).toBe(401);
    expect((await ws.api('GET', 'no-such-route', undefined, null)).status).toBe(401);
  });

  it('answers 200 with the admin token', async () => {
    expect((await ws.api('GET', 'connectors')).status).toBe(200);
  });
});

describe('admin API errors', () => {
  it('answers unknown routes with 404 JSON, also outside the API', async () => {
    const res = await ws.api('GET', 'nothing/here');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
    const root = await fetch(new URL('favicon.ico', ws.url));
    expect(root.status).toBe(404);
    expect(await root.json()).toHaveProperty('error');
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await ws.api('POST', 'connectors', '{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/not JSON/);
  });

  it('answers a body over 8 MiB with 413', async () => {
    const res = await ws.api('POST', 'connectors', JSON.stringify({ name: 'x'.repeat(8 * 1024 * 1024 + 10) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    // The server still serves afterwards.
    expect((await ws.api('GET', 'connectors')).status).toBe(200);
  });
});

describe('connectors', () => {
  it('adds a connector once, and answers 409 for a second with the same name', async () => {
    const first = await ws.api('POST', 'connectors', { name: 'crm', connectorId: 1234 });
    expect(first.status).toBe(201);
    expect(first.body.connector).toMatchObject({ name: 'crm', connectorId: '1234' });
    expect(first.body.registrationToken).toMatch(/^[\w-]{43}$/);
    const again = await ws.api('POST', 'connectors', { name: 'crm', connectorId: '1' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('"crm"');
  });

  it('rejects a bad name or a missing connectorId with 400', async () => {
    expect((await ws.api('POST', 'connectors', { name: 'a/b', connectorId: '1' })).status).toBe(400);
    expect((await ws.api('POST', 'connectors', { name: 'ok-name' })).status).toBe(400);
  });

  it('makes new registration tokens that register', async () => {
    await ws.api('POST', 'connectors', { name: 'tokens', connectorId: '77' });
    const res = await ws.api('POST', 'connectors/tokens/tokens');
    expect(res.status).toBe(201);
    expect((await ws.device('register', res.body.registrationToken, registerBody('77'))).status).toBe(200);
    expect((await ws.api('POST', 'connectors/missing/tokens')).status).toBe(404);
  });

  it('lists connectors with their online instances and shows one with its manifest', async () => {
    const { key } = await addAndRegister(ws, 'listed', '88');
    const connector = await FakeConnector.connect(ws, key);
    const list = await ws.api('GET', 'connectors');
    const listed = list.body.connectors.find((c: { name: string }) => c.name === 'listed');
    expect(listed.instances).toEqual([
      expect.objectContaining({
        name: 'test-instance',
        version: '1.0.0',
        methods: ['hello'],
        health: null,
        connectedSince: expect.any(String),
      }),
    ]);
    const detail = await ws.api('GET', 'connectors/listed');
    expect(detail.body.connector.manifest).toMatchObject({
      hasPublicKey: false,
      introspect: expect.stringContaining('declare function hello'),
      configSchema: { fields: expect.objectContaining({ apiKey: { name: 'API key', type: 'line' } }) },
    });
    expect((await ws.api('GET', 'connectors/nope')).status).toBe(404);
    await connector.close();
  });

  it('treats __proto__ and constructor as plain connector names', async () => {
    for (const name of ['__proto__', 'constructor']) {
      const added = await ws.api('POST', 'connectors', { name, connectorId: '1' });
      expect(added.status).toBe(201);
      const shown = await ws.api('GET', `connectors/${name}`);
      expect(shown.status).toBe(200);
      expect(shown.body.connector.name).toBe(name);
      expect((await ws.api('GET', `connectors/${name}/config`)).body.values).toEqual({});
    }
    expect((await ws.api('GET', 'connectors/toString')).status).toBe(404);
    expect((await ws.api('POST', 'connectors', '{"__proto__": {"polluted": true}, "name": "p", "connectorId": "1"}')).status).toBe(201);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('POST connectors/:name/call', () => {
  it('answers the result of the connector', async () => {
    const { key } = await addAndRegister(ws, 'call-api', '99');
    const connector = await FakeConnector.connect(ws, key);
    connector.handlers.set('hello', (v: { name: string }) => ({ greeting: `hi ${v.name}` }));
    connector.handlers.set('bad', () => ({
      error: 'name is required',
      code: 'INPUT_INVALID',
      details: [{ path: ['name'], message: 'Required' }],
    }));
    connector.handlers.set('missing', () => ({ error: 'no method "missing"', code: 'METHOD_NOT_FOUND' }));
    connector.handlers.set('broken', () => ({ error: 'boom' }));
    const ok = await ws.api('POST', 'connectors/call-api/call', { method: 'hello', args: { name: 'Ada' } });
    expect(ok).toEqual({ status: 200, body: { result: { greeting: 'hi Ada' } } });

    const invalid = await ws.api('POST', 'connectors/call-api/call', { method: 'bad', args: {} });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({
      error: { code: 'INPUT_INVALID', message: 'name is required', details: [{ path: ['name'], message: 'Required' }] },
    });
    expect((await ws.api('POST', 'connectors/call-api/call', { method: 'missing' })).status).toBe(422);
    const broken = await ws.api('POST', 'connectors/call-api/call', { method: 'broken' });
    expect(broken.status).toBe(502);
    expect(broken.body.error.code).toBe('CONNECTOR_ERROR');
    const timeout = await ws.api('POST', 'connectors/call-api/call', { method: 'silent', timeoutMs: 100 });
    expect(timeout.status).toBe(504);
    expect(timeout.body.error.code).toBe('TIMEOUT');
    const proto = await ws.api('POST', 'connectors/call-api/call', { method: '__proto__' });
    expect(proto.status).toBe(422);
    expect(proto.body.error.code).toBe('METHOD_NOT_FOUND');
    expect(ws.hub.pendingCount).toBe(0);
    await connector.close();
  });

  it('answers 404 for an unknown connector and 503 for one without online instances', async () => {
    expect((await ws.api('POST', 'connectors/ghost/call', { method: 'x' })).status).toBe(404);
    await addAndRegister(ws, 'sleeping', '100');
    const offline = await ws.api('POST', 'connectors/sleeping/call', { method: 'x' });
    expect(offline.status).toBe(503);
    expect(offline.body.error.code).toBe('CONNECTOR_OFFLINE');
  });
});

describe('tasks', () => {
  it('lists tasks by connector and shows one', async () => {
    const { key } = await addAndRegister(ws, 'task-api', '101');
    const connector = await FakeConnector.connect(ws, key);
    const id: string = await connector.request('connector.task.new', { name: 'Follow up', a: { n: 1 } });
    expect(id).toMatch(/^[a-z2-7]{15}$/);
    const list = await ws.api('GET', 'tasks?connector=task-api');
    expect(list.body.tasks).toEqual([expect.objectContaining({ id, name: 'Follow up', status: 'open', data: { n: 1 } })]);
    expect((await ws.api('GET', 'tasks?connector=nobody')).body.tasks).toEqual([]);
    expect((await ws.api('GET', `tasks/${id}`)).body.task).toMatchObject({ id, connector: 'task-api' });
    expect((await ws.api('GET', 'tasks/none')).status).toBe(404);
    await connector.close();
  });
});
