/**
 * Issue 13 finding 6, as a registration-token holder would try it on 127.0.0.1: 7 MiB
 * manifests and health errors, registration floods, and connect/disconnect cycles that must
 * leave no per-instance state behind.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { deviceLimits } from '../../src/server/limits.js';
import { addAndRegister, FakeConnector, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

const SEVEN_MIB = 7 * 1024 * 1024;

let ws: TestWorkspace;
beforeAll(async () => {
  // A burst big enough for every registration of this file but the flood test's own workspace.
  ws = await startTestWorkspace();
}, 60_000);
afterAll(() => ws?.close());

async function instancesOf(name: string): Promise<unknown[]> {
  const listed = await ws.api('GET', `connectors/${name}/instances`);
  expect(listed.status).toBe(200);
  return listed.body.instances as unknown[];
}

describe('register body: size limits per field', () => {
  const base = registerBody('7001');
  const schema = base.schema as Record<string, unknown>;
  it.each([
    ['schema.introspect', 2 * 1024 * 1024, { schema: { ...schema, introspect: `declare function a(): void;\n${'/'.repeat(SEVEN_MIB)}` } }],
    ['schema.methods', 2 * 1024 * 1024, { schema: { ...schema, methods: { hello: { description: 'x'.repeat(SEVEN_MIB) } } } }],
    ['schema.configSchema', 256 * 1024, { schema: { ...schema, configSchema: { fields: {}, description: 'x'.repeat(SEVEN_MIB) } } }],
    ['icon', 256 * 1024, { icon: 'A'.repeat(SEVEN_MIB) }],
    ['publicKey', 16 * 1024, { publicKey: 'A'.repeat(100_000) }],
    ['name', 256, { name: 'n'.repeat(1000) }],
    ['version', 256, { version: '1.'.repeat(500) }],
    ['deployment', 256, { deployment: 'd'.repeat(1000) }],
  ])('refuses an oversized %s with 413 naming the field and its limit, and stores nothing', async (field, limit, overrides) => {
    const name = `size-${field.replace('.', '-').toLowerCase()}`;
    const added = await ws.api('POST', 'connectors', { name, connectorId: '7001' });
    const res = await ws.device('register', added.body.registrationToken, registerBody('7001', overrides));
    expect(res.status).toBe(413);
    expect(res.body.error).toContain(`"${field}"`);
    expect(res.body.error).toContain(`over the limit of ${limit} bytes`);
    expect(await instancesOf(name)).toEqual([]);
    // The same token still registers a body within the limits.
    const ok = await ws.device('register', added.body.registrationToken, registerBody('7001'));
    expect(ok.status).toBe(200);
    expect(await instancesOf(name)).toHaveLength(1);
  });

  it('counts bytes, not characters: 100 four-byte characters are over a 256-byte name', async () => {
    const added = await ws.api('POST', 'connectors', { name: 'size-utf8', connectorId: '7001' });
    const res = await ws.device('register', added.body.registrationToken, registerBody('7001', { name: '😀'.repeat(100) }));
    expect(res.status).toBe(413);
    expect(res.body.error).toContain('"name" is 400 bytes');
  });

  it('refuses a connect body over 64 KiB with 413', async () => {
    const { key } = await addAndRegister(ws, 'size-connect', '7002');
    const res = await ws.device('connect', key, { protocol: { version: 1, features: ['f'.repeat(100_000)] } });
    expect(res.status).toBe(413);
    expect(res.body.error).toContain('65536 bytes');
  });
});

describe('health notices', () => {
  it('keeps no 7 MiB health error: the report says it was refused, the answer names the field and limit', async () => {
    const { key } = await addAndRegister(ws, 'size-health', '7003');
    const connector = await FakeConnector.connect(ws, key);
    try {
      // As a notice (no callback id), which is what connectors send (§4).
      connector.send({ m: 'connector.health.check', a: { ok: false, error: 'e'.repeat(SEVEN_MIB) } });
      // As a request, so the refusal can be seen on the wire too.
      const answer = await connector.request('connector.health.check', { ok: false, error: 'e'.repeat(SEVEN_MIB) });
      expect(answer.error).toContain('"error" is 7340032 bytes, over the limit of 8192 bytes');
      const listed = await ws.api('GET', 'connectors');
      const text = JSON.stringify(listed.body);
      expect(text.length).toBeLessThan(64 * 1024);
      const instance = listed.body.connectors.find((c: { name: string }) => c.name === 'size-health').instances[0];
      expect(instance.health.ok).toBe(false);
      expect(instance.health.error).toMatch(/^health error refused: "error" is 7340032 bytes, over the limit of 8192 bytes/);

      // A health error within the limit is kept as sent.
      await connector.request('connector.health.check', { ok: false, error: 'database unreachable' });
      const again = await ws.api('GET', 'connectors/size-health');
      expect(again.body.connector.instances[0].health.error).toBe('database unreachable');
    } finally {
      await connector.close();
    }
  });
});

describe('registrations per token', () => {
  it('answers 429 with Retry-After past the burst, before reading the body, and only for that token', async () => {
    const limited = await startTestWorkspace({ deviceLimits: { registrationBurst: 3, registrationsPerMinute: 1 } });
    try {
      const one = await limited.api('POST', 'connectors', { name: 'flood', connectorId: '7100' });
      const other = await limited.api('POST', 'connectors', { name: 'calm', connectorId: '7101' });
      const register = (token: string, body: unknown): Promise<Response> =>
        fetch(new URL('register', limited.deviceEndpoint), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Connector ${token}` },
          body: JSON.stringify(body),
        });
      for (let i = 0; i < 3; i++) expect((await register(one.body.registrationToken, registerBody('7100'))).status).toBe(200);
      const refused = await register(one.body.registrationToken, registerBody('7100'));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await refused.json()) as { error: string };
      expect(body.error).toContain('connector "flood"');
      expect(body.error).toContain('at most 1 instances per minute');
      // A 7 MiB body on the limited token is refused by the rate, not read to be refused by its size.
      const big = await register(one.body.registrationToken, registerBody('7100', { icon: 'A'.repeat(SEVEN_MIB) }));
      expect(big.status).toBe(429);
      expect((await limited.api('GET', 'connectors/flood/instances')).body.instances).toHaveLength(3);
      // Another connector's token has its own bucket.
      expect((await register(other.body.registrationToken, registerBody('7101'))).status).toBe(200);
      // Unknown tokens are still 401, never 429.
      expect((await register('not-a-token', registerBody('7100'))).status).toBe(401);
    } finally {
      await limited.close();
    }
  }, 60_000);

  it('refuses a limit that is not a positive number, naming it', () => {
    expect(() => deviceLimits({ healthErrorBytes: 0 })).toThrow(/deviceLimits\.healthErrorBytes must be a positive number/);
    expect(() => deviceLimits({ registrationBurst: Number.NaN })).toThrow(/deviceLimits\.registrationBurst/);
    expect(deviceLimits({}).introspectBytes).toBe(2 * 1024 * 1024);
  });
});

describe('per-instance state', () => {
  it('is freed on disconnect: 40 connect/disconnect cycles of 4 instances leave every table empty', async () => {
    const instances = await Promise.all(
      [0, 1, 2, 3].map((i) => addAndRegister(ws, `cycle-${i}`, '7200', { protocol: { version: 1, features: [Feature.structuredErrors] } })),
    );
    const announce = { protocol: { version: 1, features: [Feature.structuredErrors, Feature.idempotencyKeys] } };
    for (let cycle = 0; cycle < 40; cycle++) {
      const { key } = instances[cycle % instances.length]!;
      expect((await ws.device('connect', key, announce)).status).toBe(200);
      const connector = await FakeConnector.connect(ws, key);
      await connector.request('connector.health.check', { ok: cycle % 2 === 0, error: cycle % 2 === 0 ? null : `failure ${cycle}` });
      // Each way a socket can end: POST /disconnect (§2 step 3), a clean close, a dropped socket.
      const end = cycle % 3;
      if (end === 0) {
        expect((await ws.device('disconnect', key)).status).toBe(200);
        await new Promise<void>((resolve) =>
          connector.socket.readyState === connector.socket.CLOSED ? resolve() : connector.socket.once('close', () => resolve()),
        );
      } else if (end === 1) {
        await connector.close();
      } else {
        connector.socket.terminate();
      }
    }
    await vi.waitFor(
      () => expect(ws.hub.stateSizes()).toEqual({ connections: 0, connectors: 0, roundRobin: 0, pending: 0, negotiated: 0, health: 0 }),
      {
        timeout: 10_000,
        interval: 20,
      },
    );
  }, 60_000);

  it('keeps what a newer connect negotiated while the older socket of the instance closes', async () => {
    const { key } = await addAndRegister(ws, 'cycle-overlap', '7201');
    expect((await ws.device('connect', key, {})).status).toBe(200);
    const older = await FakeConnector.connect(ws, key);
    // The instance reconnects before the workspace saw its old socket close: the newer connect
    // negotiates, then the old socket goes, then the new socket arrives.
    expect((await ws.device('connect', key, { protocol: { version: 1, features: [Feature.idempotencyKeys] } })).status).toBe(200);
    await older.close();
    await vi.waitFor(() => expect(ws.hub.online('cycle-overlap')).toHaveLength(0), { timeout: 5000, interval: 10 });
    const newer = await FakeConnector.connect(ws, key);
    try {
      expect(ws.hub.online('cycle-overlap')[0]?.features).toEqual([Feature.idempotencyKeys]);
    } finally {
      await newer.close();
    }
    await vi.waitFor(() => expect(ws.hub.stateSizes().negotiated).toBe(0), { timeout: 5000, interval: 10 });
  });
});
