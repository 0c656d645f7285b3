/**
 * Issue 13 finding 6: two sockets with one connector key must not replace each other. A
 * connected instance that answers pings keeps its socket and the newcomer is refused with 409;
 * one that does not answer is dropped and the newcomer takes over.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { addAndRegister, capturingLogger, FakeConnector, startTestWorkspace, type TestWorkspace } from '../helpers.js';

const log = capturingLogger('info');
let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace({ logger: log.logger });
}, 60_000);
afterAll(() => ws?.close());

/** Tries an upgrade with `key`: the open socket, or the refusal's status and `error`. */
function tryUpgrade(key: string, options: { autoPong?: boolean } = {}): Promise<{ socket?: WebSocket; status?: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` }, ...options });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode, error: (JSON.parse(text) as { error: string }).error }));
    });
    socket.once('error', reject);
  });
}

function connectedCount(instance: string): number {
  return log
    .text()
    .split('\n')
    .filter((line) => line.includes('"instance connected"') && line.includes(`"instance":"${instance}"`)).length;
}

describe('two sockets with one connector key', () => {
  it('refuses the newcomer with 409 while the connected one answers pings, however often it tries', async () => {
    const { key } = await addAndRegister(ws, 'one-key-live', '9100');
    const first = await FakeConnector.connect(ws, key);
    first.handlers.set('who', () => ({ who: 'first' }));
    try {
      const instance = ws.hub.online('one-key-live')[0]!.id;
      for (let i = 0; i < 5; i++) {
        const second = await tryUpgrade(key);
        expect(second.socket).toBeUndefined();
        expect(second.status).toBe(409);
        expect(second.error).toContain('another process is connected with this connector key');
        expect(second.error).toContain('one connector key serves one process at a time');
        expect(second.error).toContain('CONNECTOR_KEY');
        expect(second.error).not.toContain(key);
        // The first keeps its socket and its calls.
        expect(await ws.hub.call('one-key-live', 'who', {})).toEqual({ who: 'first' });
      }
      expect(first.socket.readyState).toBe(WebSocket.OPEN);
      expect(ws.hub.online('one-key-live')).toHaveLength(1);
      expect(connectedCount(instance)).toBe(1);
    } finally {
      await first.close();
    }
  });

  it('drops a connected socket that answers no ping and lets the newcomer take over', async () => {
    const { key } = await addAndRegister(ws, 'one-key-dead', '9101');
    // A half-open socket of a process that is gone: it reads nothing and answers no ping.
    const stale = await tryUpgrade(key, { autoPong: false });
    const closed = new Promise<number>((resolve) => stale.socket!.once('close', (code) => resolve(code)));
    await vi.waitFor(() => expect(ws.hub.online('one-key-dead')).toHaveLength(1));
    const pending = ws.hub.call('one-key-dead', 'anything', {}, { timeoutMs: 60_000 }).catch((error: { code: string }) => error.code);

    const fresh = await FakeConnector.connect(ws, key);
    fresh.handlers.set('who', () => ({ who: 'fresh' }));
    try {
      expect(await closed).toBe(1006); // terminated: a dead peer would never answer a close frame
      expect(await pending).toBe('CONNECTION_LOST');
      expect(ws.hub.online('one-key-dead')).toHaveLength(1);
      expect(await ws.hub.call('one-key-dead', 'who', {})).toEqual({ who: 'fresh' });
      expect(log.text()).toContain('did not answer a ping within 2000 ms while a new socket with its connector key arrived');
    } finally {
      await fresh.close();
    }
  });

  it('admits a socket at once when the instance has none', async () => {
    const { key } = await addAndRegister(ws, 'one-key-free', '9102');
    const first = await FakeConnector.connect(ws, key);
    await first.close();
    await vi.waitFor(() => expect(ws.hub.online('one-key-free')).toHaveLength(0));
    const again = await FakeConnector.connect(ws, key);
    await again.close();
  });
});
