import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@connector-kit/sdk/secrets';
import { FakeConnector, capturingLogger, registerBody, startTestWorkspace, waitForPacket, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
const captured = capturingLogger('trace');
beforeAll(async () => {
  ws = await startTestWorkspace({ logger: captured.logger });
}, 60_000);
afterAll(() => ws?.close());

describe('logging', () => {
  it('never writes registration tokens, connector keys, the admin token or secret values, even at trace level', async () => {
    const { publicKey } = await generateKeyPair(2048);
    const added = await ws.api('POST', 'connectors', { name: 'logged', connectorId: '1' });
    const token = added.body.registrationToken as string;
    const { body } = await ws.device('register', token, registerBody('1', { publicKey }));
    await ws.device('connect', body.key);
    await ws.device('register', 'wrong-token-MARKER', registerBody('1'));
    const connector = await FakeConnector.connect(ws, body.key);
    await ws.api('PUT', 'connectors/logged/config', { values: { apiKey: 'secret-MARKER-value', region: 'plain-MARKER-value' } });
    await waitForPacket(connector, (p) => p.m === 'connector.set-config' && JSON.stringify(p.a).includes('plain-MARKER'));
    connector.send({ m: 'connector.config-update', a: { value: 'jwe-MARKER-value' } });
    connector.socket.send('not json MARKER');
    await connector.request('connector.unknown', { x: 'MARKER' });
    await connector.close();

    const log = captured.text();
    expect(log).toContain('config updated');
    for (const secret of [token, body.key, ws.adminToken, 'MARKER']) expect(log).not.toContain(secret);
  });
});
