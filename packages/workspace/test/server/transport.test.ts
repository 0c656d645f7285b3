import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { Feature } from '@connector-kit/sdk/protocol';
import { FakeConnector, addAndRegister, startTestWorkspace, waitForPacket, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace({ heartbeatIntervalMs: 100 });
}, 60_000);
afterAll(() => ws?.close());

/** Register-body overrides that negotiate structured errors (§8), so error answers carry `code`. */
const STRUCTURED = { protocol: { version: 1, features: [Feature.structuredErrors] } };

/** Attempts an upgrade and answers the HTTP status it was refused with (or 101). */
function upgradeStatus(url: string, protocols: string[], key: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, key === undefined ? {} : { headers: { authorization: `Connector ${key}` } });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('error', (error) => {
      if (!String(error.message).includes('Unexpected server response')) reject(error);
    });
  });
}

describe('WebSocket upgrade', () => {
  it('refuses an unknown key with 401 and a missing sub-protocol with 400', async () => {
    const { key } = await addAndRegister(ws, 'upgrade-checks', '1');
    expect(await upgradeStatus(ws.websocketEndpoint, ['connector'], 'wrong-key')).toBe(401);
    expect(await upgradeStatus(ws.websocketEndpoint, ['connector'], undefined)).toBe(401);
    expect(await upgradeStatus(ws.websocketEndpoint, [], key)).toBe(400);
    expect(await upgradeStatus(ws.websocketEndpoint, ['graphql-ws'], key)).toBe(400);
    expect(await upgradeStatus(ws.url + 'elsewhere/', ['connector'], key)).toBe(404);
    expect(await upgradeStatus(ws.websocketEndpoint, ['connector'], key)).toBe(101);
    expect(await upgradeStatus(ws.websocketEndpoint.replace(/\/$/, ''), ['connector'], key)).toBe(101);
  });

  it('keeps the first socket of an instance that answers pings and refuses a second with 409 (one-key.test.ts)', async () => {
    const { key } = await addAndRegister(ws, 'upgrade-replace', '2');
    const first = await FakeConnector.connect(ws, key);
    let closed = false;
    first.socket.once('close', () => (closed = true));
    expect(await upgradeStatus(ws.websocketEndpoint, ['connector'], key)).toBe(409);
    expect(ws.hub.online('upgrade-replace')).toHaveLength(1);
    first.handlers.set('ping', () => ({ pong: true }));
    await expect(ws.hub.call('upgrade-replace', 'ping', {})).resolves.toEqual({ pong: true });
    expect(closed).toBe(false);
    await first.close();
  });

  it('closes the socket of an instance that posts /disconnect', async () => {
    const { key } = await addAndRegister(ws, 'upgrade-disconnect', '3');
    const connector = await FakeConnector.connect(ws, key);
    const closed = new Promise<number>((resolve) => connector.socket.once('close', (code) => resolve(code)));
    expect((await ws.device('disconnect', key)).status).toBe(200);
    expect(await closed).toBe(1000);
    await vi.waitFor(() => expect(ws.hub.online('upgrade-disconnect')).toHaveLength(0));
  });
});

describe('frames', () => {
  it('answers a bad packet that carries a callback id with an error, and survives a frame that is not JSON', async () => {
    const { key } = await addAndRegister(ws, 'frames-bad', '4', STRUCTURED);
    const connector = await FakeConnector.connect(ws, key);
    connector.socket.send('this is not json');
    connector.socket.send(JSON.stringify({ p: [{ id: 'x', c: '_req-bad', m: 42 }] }));
    const answer = await waitForPacket(connector, (p) => p.c === '_req-bad');
    expect(answer.a).toMatchObject({ error: '"m" must be a string', code: 'BAD_REQUEST' });
    expect(connector.socket.readyState).toBe(WebSocket.OPEN);
    await connector.close();
  });

  it('answers an unknown method with METHOD_NOT_FOUND, also for __proto__', async () => {
    const { key } = await addAndRegister(ws, 'frames-unknown', '5', STRUCTURED);
    const connector = await FakeConnector.connect(ws, key);
    expect(await connector.request('connector.teleport', {})).toMatchObject({
      code: 'METHOD_NOT_FOUND',
      error: expect.stringContaining('unknown method "connector.teleport"'),
    });
    expect(await connector.request('__proto__', {})).toMatchObject({ code: 'METHOD_NOT_FOUND' });
    expect(await connector.request('toString', {})).toMatchObject({ code: 'METHOD_NOT_FOUND' });
    await connector.close();
  });

  it('closes a socket that sends a frame over maxPayload with 1009', async () => {
    const small = await startTestWorkspace({ maxPayload: 1024 });
    try {
      const { key } = await addAndRegister(small, 'frames-big', '6');
      const connector = await FakeConnector.connect(small, key);
      const closed = new Promise<number>((resolve) => connector.socket.once('close', (code) => resolve(code)));
      connector.send({ c: '_req-1', m: 'connector.task.new', a: { name: 'x'.repeat(2000), a: {} } });
      expect(await closed).toBe(1009);
    } finally {
      await small.close();
    }
  }, 60_000);
});

describe('Workspace.close', () => {
  it('closes sockets with 1001, and can be called twice', async () => {
    const other = await startTestWorkspace();
    const { key } = await addAndRegister(other, 'closing', '9');
    const connector = await FakeConnector.connect(other, key);
    const closed = new Promise<number>((resolve) => connector.socket.once('close', (code) => resolve(code)));
    const pending = other.hub.call('closing', 'silent', {}, { timeoutMs: 60_000 }).catch((e: { code: string }) => e.code);
    await Promise.all([other.close(), other.close()]);
    expect(await closed).toBe(1001);
    expect(await pending).toBe('CONNECTION_LOST');
    await expect(fetch(other.url)).rejects.toThrow();
  }, 60_000);
});

describe('heartbeat', () => {
  it('terminates a socket that answers no ping within interval + tolerance', async () => {
    const { key } = await addAndRegister(ws, 'heartbeat-dead', '7');
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` }, autoPong: false });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    await vi.waitFor(() => expect(ws.hub.online('heartbeat-dead')).toHaveLength(1));
    // 1006: terminated without a close frame.
    expect(await closed).toBe(1006);
    await vi.waitFor(() => expect(ws.hub.online('heartbeat-dead')).toHaveLength(0));
  });

  it('drops a connector that stops answering while calls flow to it, and fails its calls with CONNECTION_LOST at once', async () => {
    const { key } = await addAndRegister(ws, 'heartbeat-frozen', '12');
    // Reads every frame (so the workspace's writes succeed), answers neither pings nor calls:
    // a frozen process whose kernel still takes the bytes.
    const socket = new WebSocket(ws.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` }, autoPong: false });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    let received = 0;
    socket.on('message', () => received++);
    await new Promise((resolve) => socket.once('open', resolve));
    await vi.waitFor(() => expect(ws.hub.online('heartbeat-frozen')).toHaveLength(1));
    const { intervalMs, toleranceMs } = ws.hub.heartbeat;
    const started = performance.now();
    const outcomes: Array<Promise<{ code: string; ms: number }>> = [];
    const flow = setInterval(() => {
      // Calls flow while the instance is online; once the hub has dropped it, a tick that fires
      // before clearInterval below would fail with CONNECTOR_OFFLINE, which is not what is judged.
      if (ws.hub.online('heartbeat-frozen').length === 0) return;
      const sent = performance.now();
      outcomes.push(
        ws.hub.call('heartbeat-frozen', 'anything', {}, { timeoutMs: 60_000 }).then(
          () => ({ code: 'ANSWERED', ms: 0 }),
          (error: { code: string }) => ({ code: error.code, ms: performance.now() - sent }),
        ),
      );
    }, 20);
    try {
      await vi.waitFor(() => expect(ws.hub.online('heartbeat-frozen')).toHaveLength(0), { timeout: 10_000, interval: 5 });
    } finally {
      clearInterval(flow);
    }
    const gone = performance.now() - started;
    // The bound the options imply (interval + tolerance), with slack for a loaded machine.
    expect(gone).toBeLessThan(intervalMs + toleranceMs + 2_000);
    expect(received).toBeGreaterThan(1); // the calls really reached the socket while it was judged
    const settled = await Promise.all(outcomes);
    expect(new Set(settled.map((o) => o.code))).toEqual(new Set(['CONNECTION_LOST']));
    // Failed when the socket was dropped, not at their 60 s deadline.
    for (const o of settled) expect(o.ms).toBeLessThan(intervalMs + toleranceMs + 2_000);
    expect(ws.hub.pendingCount).toBe(0);
    expect(await closed).toBe(1006);
  });

  it('keeps a socket that answers pings', async () => {
    const { key } = await addAndRegister(ws, 'heartbeat-alive', '8');
    const connector = await FakeConnector.connect(ws, key);
    let pings = 0;
    connector.socket.on('ping', () => pings++);
    await vi.waitFor(() => expect(pings).toBeGreaterThanOrEqual(5), { timeout: 3000 });
    expect(connector.socket.readyState).toBe(WebSocket.OPEN);
    await connector.close();
  });
});

describe('backpressure (reliability.md item 10)', () => {
  it('holds calls while a connector does not read, refuses them with CONNECTOR_BUSY past the limit, and delivers the held ones later', async () => {
    const highWaterMark = 256 * 1024;
    const small = await startTestWorkspace({ backpressure: { highWaterMark, maxQueuedChars: 2 * 1024 * 1024 } });
    try {
      const { key } = await addAndRegister(small, 'slow-reader', '11');
      const connector = await FakeConnector.connect(small, key);
      connector.handlers.set('echo', (variables: { n: number }) => ({ n: variables.n }));
      await vi.waitFor(() => expect(small.hub.online('slow-reader')).toHaveLength(1));
      const [connection] = [...small.hub.connectionList()];

      // The connector stops reading; the workspace keeps calling with 64 KiB each: ~25 MB, more
      // than the kernel's socket buffers on 127.0.0.1 hold.
      connector.socket.pause();
      const blob = 'x'.repeat(64 * 1024);
      const outcomes: Array<Promise<unknown>> = [];
      let maxBuffered = 0;
      let sawCongestion = false;
      for (let n = 0; n < 400; n++) {
        outcomes.push(small.hub.call('slow-reader', 'echo', { n, blob }, { timeoutMs: 60_000 }).catch((error: unknown) => error));
        await new Promise((resolve) => setTimeout(resolve, 1));
        maxBuffered = Math.max(maxBuffered, connection!.socket.bufferedAmount);
        sawCongestion ||= connection!.isCongested;
      }
      expect(sawCongestion).toBe(true);
      // The high-water mark plus at most the frames of one flush (1 MiB each, and a call's 64 KiB).
      expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + 2 * 1024 * 1024);

      connector.socket.resume();
      const settled = await Promise.all(outcomes);
      const busy = settled.filter((o) => (o as { code?: string }).code === 'CONNECTOR_BUSY');
      const answered = settled.filter((o) => typeof (o as { n?: number }).n === 'number');
      expect(busy.length, 'no call was refused').toBeGreaterThan(0);
      expect(answered.length + busy.length).toBe(400);
      expect((busy[0] as Error).message).toMatch(/not reading its socket fast enough.*retry later/);
      // Every call that was not refused got its own answer.
      settled.forEach((o, n) => {
        if ((o as { code?: string }).code !== 'CONNECTOR_BUSY') expect(o).toEqual({ n });
      });
      expect(connection!.isCongested).toBe(false);
      await connector.close();
    } finally {
      await small.close();
    }
  }, 60_000);
});
