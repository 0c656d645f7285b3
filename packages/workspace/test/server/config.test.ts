import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, decryptSecret, importPrivateKey, importPublicKey, keyId, type EncodedKeyPair } from '@connector-kit/sdk/secrets';
import { FakeConnector, addAndRegister, startTestWorkspace, waitForPacket, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
let keys: EncodedKeyPair;
beforeAll(async () => {
  [ws, keys] = await Promise.all([startTestWorkspace(), generateKeyPair(2048)]);
}, 60_000);
afterAll(() => ws?.close());

function decrypt(jwe: string, audience: string): Promise<unknown> {
  const key = importPrivateKey(keys.privateKey);
  return decryptSecret(jwe, [{ key, kid: keyId(importPublicKey(keys.publicKey)) }], audience);
}

describe('connector.set-config', () => {
  it('is sent on connect, and again to online instances when config changes, with secrets encrypted', async () => {
    const { key } = await addAndRegister(ws, 'cfg-push', '4242', { publicKey: keys.publicKey });
    const connector = await FakeConnector.connect(ws, key);
    const first = await waitForPacket(connector, (p) => p.m === 'connector.set-config');
    expect(first.a).toEqual({ secrets: {} });

    const put = await ws.api('PUT', 'connectors/cfg-push/config', {
      values: { apiKey: 'sk-live-MARKER', region: 'eu', pageSize: '42', verbose: 'true' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ connector: 'cfg-push', updated: ['apiKey', 'region', 'pageSize', 'verbose'], pushedTo: 1 });

    const second = await waitForPacket(connector, (p) => p.m === 'connector.set-config' && p !== first);
    const secrets = second.a.secrets as Record<string, unknown>;
    expect(secrets.region).toBe('eu');
    expect(secrets.pageSize).toBe(42);
    expect(secrets.verbose).toBe(true);
    expect(secrets.apiKey).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await decrypt(secrets.apiKey as string, '4242')).toBe('sk-live-MARKER');
    await expect(decrypt(secrets.apiKey as string, 'other-id')).rejects.toThrow();

    // Stored only as ciphertext; shown only masked.
    const stored = await ws.store.getConfig('cfg-push');
    expect(JSON.stringify(stored)).not.toContain('sk-live-MARKER');
    const shown = await ws.api('GET', 'connectors/cfg-push/config');
    expect(JSON.stringify(shown.body)).not.toContain('sk-live-MARKER');
    expect(shown.body.values).toEqual({ apiKey: '••••••', region: 'eu', pageSize: 42, verbose: true });

    // A reconnect gets the stored config right away.
    await connector.close();
    const again = await FakeConnector.connect(ws, key);
    const onReconnect = await waitForPacket(again, (p) => p.m === 'connector.set-config');
    expect(await decrypt(onReconnect.a.secrets.apiKey, '4242')).toBe('sk-live-MARKER');
    await again.close();
  });

  it('rejects unknown fields listing the known ones, managed fields, and values of the wrong type', async () => {
    await addAndRegister(ws, 'cfg-checks', '1', { publicKey: keys.publicKey });
    const unknown = await ws.api('PUT', 'connectors/cfg-checks/config', { values: { nope: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('unknown config field "nope": the connector\'s fields are apiKey, region, pageSize, verbose');
    const managed = await ws.api('PUT', 'connectors/cfg-checks/config', { values: { oauthResult: 'x' } });
    expect(managed.status).toBe(400);
    expect(managed.body.error.message).toMatch(/managed/);
    const wrongType = await ws.api('PUT', 'connectors/cfg-checks/config', { values: { pageSize: 'many' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(/"pageSize" is of type number/);
    const proto = await ws.api('PUT', 'connectors/cfg-checks/config', '{"values": {"__proto__": {"polluted": true}}}');
    expect(proto.status).toBe(400);
    expect(proto.body.error.message).toMatch(/unknown config field "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses to set a secret when the connector registered without PUBLIC_KEY, but sets plain fields', async () => {
    await addAndRegister(ws, 'cfg-nokey', '2');
    const secret = await ws.api('PUT', 'connectors/cfg-nokey/config', { values: { apiKey: 'x' } });
    expect(secret.status).toBe(400);
    expect(secret.body.error.message).toMatch(/without PUBLIC_KEY.*connector keys/);
    const plain = await ws.api('PUT', 'connectors/cfg-nokey/config', { values: { region: 'us' } });
    expect(plain.status).toBe(200);
  });

  it('answers 409 for config of a connector that never registered', async () => {
    await ws.api('POST', 'connectors', { name: 'cfg-unregistered', connectorId: '3' });
    const res = await ws.api('PUT', 'connectors/cfg-unregistered/config', { values: { region: 'x' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_REGISTERED');
  });
});
