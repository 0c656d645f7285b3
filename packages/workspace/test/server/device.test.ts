import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { addAndRegister, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace();
}, 60_000);
afterAll(() => ws?.close());

describe('POST /register', () => {
  it('answers a connector key for a valid registration token', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'reg-ok', connectorId: '1001' });
    const res = await ws.device('register', added.body.registrationToken, registerBody('1001'));
    expect(res.status).toBe(200);
    expect(res.body.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.protocol).toBeUndefined();
  });

  it('rejects an unknown registration token with 401 naming REGISTRATION_TOKEN', async () => {
    const res = await ws.device('register', 'not-a-token', registerBody('1001'));
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/REGISTRATION_TOKEN/);
  });

  it('rejects a missing Authorization header with 401', async () => {
    const res = await ws.device('register', undefined, registerBody('1001'));
    expect(res.status).toBe(401);
  });

  it('rejects a body whose id is not the connector id with 403 naming both ids', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'reg-wrong-id', connectorId: '2002' });
    const res = await ws.device('register', added.body.registrationToken, registerBody('9999'));
    expect(res.status).toBe(403);
    expect(res.body.error).toContain('"9999"');
    expect(res.body.error).toContain('"2002"');
  });

  it.each([
    ['id', { id: 42 }],
    ['version', { version: undefined }],
    ['schema.configSchema', { schema: { introspect: '' } }],
    ['schema.introspect', { schema: { configSchema: { fields: {} } } }],
    ['publicKey', { publicKey: 'bm90IGEga2V5' }],
    ['deployment', { deployment: ['prod'] }],
    ['schema.configSchema.fields', { schema: { configSchema: { fields: 'x' }, introspect: '' } }],
    ['schema.methods', { schema: { configSchema: { fields: {} }, introspect: '', methods: [] } }],
    ['icon', { icon: 42 }],
    ['protocol', { protocol: 'v2' }],
  ])('rejects a body with a bad %s with 400 naming the field', async (field, overrides) => {
    const added = await ws.api('POST', 'connectors', { name: `reg-bad-${field.replace('.', '-')}`, connectorId: '3003' });
    const res = await ws.device('register', added.body.registrationToken, registerBody('3003', overrides));
    expect(res.status).toBe(400);
    expect(res.body.error).toContain(`"${field}"`);
  });

  it.each([['[]'], ['"body"'], ['null']])('rejects the body %s, which is not an object, with 400', async (text) => {
    const added = await ws.api('POST', 'connectors', { name: `reg-not-object-${text.length}`, connectorId: '3005' });
    const res = await ws.device('register', added.body.registrationToken, text);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(`invalid register body: the value must be a JSON object, got ${text}`);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'reg-not-json', connectorId: '3004' });
    const res = await ws.device('register', added.body.registrationToken, '{"id": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not JSON/);
  });

  it('answers the negotiated features when the body announces a protocol', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'reg-protocol', connectorId: '4004' });
    const res = await ws.device(
      'register',
      added.body.registrationToken,
      registerBody('4004', { protocol: { version: 1, features: [Feature.idempotencyKeys, 'teleportation'] } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.protocol).toEqual({ version: 1, features: [Feature.idempotencyKeys] });
  });

  it('stores the manifest of the newest instance', async () => {
    const { key } = await addAndRegister(ws, 'reg-manifest', '5005', {
      schema: { ...(registerBody('5005').schema as object), methods: { hello: { input: { type: 'object' } } } },
    });
    expect(key).toBeTruthy();
    const detail = await ws.api('GET', 'connectors/reg-manifest');
    expect(detail.body.connector.manifest.methods).toEqual([
      {
        name: 'hello',
        signature: 'hello(args: { name: string }): Promise<{ greeting: string }>',
        description: 'Says hello.',
        input: { type: 'object' },
      },
    ]);
  });
});

describe('POST /connect', () => {
  it('answers 401 for an empty or unknown key, and 200 once registered', async () => {
    expect((await ws.device('connect', '')).status).toBe(401);
    expect((await ws.device('connect', 'unknown-key')).status).toBe(401);
    const { key } = await addAndRegister(ws, 'connect-flow', '6006');
    const res = await ws.device('connect', key, { protocol: { version: 1, features: [Feature.structuredErrors] } });
    expect(res.status).toBe(200);
    expect(res.body.instance).toMatchObject({ name: 'test-instance', connectorId: '6006', connector: 'connect-flow' });
    expect(res.body.protocol).toEqual({ version: 1, features: [Feature.structuredErrors] });
  });

  it('answers without protocol to a v1 body', async () => {
    const { key } = await addAndRegister(ws, 'connect-v1', '6007');
    const res = await ws.device('connect', key, {});
    expect(res.status).toBe(200);
    expect(res.body.protocol).toBeUndefined();
  });

  it('answers as to v1 when the body is empty', async () => {
    const { key } = await addAndRegister(ws, 'connect-empty', '6008');
    const res = await ws.device('connect', key, '');
    expect(res.status).toBe(200);
    expect(res.body.protocol).toBeUndefined();
  });

  it.each([['[]'], ['null'], ['"{}"'], ['7']])(
    'rejects the body %s, which is not an object, with 400 saying what to send',
    async (text) => {
      const { key } = await addAndRegister(ws, `connect-bad-${text.length}-${text.charCodeAt(0)}`, '6009');
      const res = await ws.device('connect', key, text);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(
        `invalid connect body: the value must be a JSON object ({} or {"protocol": {"version": 1, "features": […]}}), got ${text}`,
      );
    },
  );

  it('rejects a protocol that is not an object with 400 naming "protocol"', async () => {
    const { key } = await addAndRegister(ws, 'connect-bad-protocol', '6010');
    const res = await ws.device('connect', key, { protocol: 'everything' });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('"protocol"');
  });
});

describe('POST /disconnect', () => {
  it('answers 200 for a known key and 401 for an unknown one', async () => {
    const { key } = await addAndRegister(ws, 'disconnect-flow', '7007');
    expect((await ws.device('disconnect', key)).status).toBe(200);
    expect((await ws.device('disconnect', 'nope')).status).toBe(401);
  });
});
