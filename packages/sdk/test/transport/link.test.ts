/**
 * The connector-side link (protocol.md §2, §3) against a hand-written fake workspace on
 * 127.0.0.1: real HTTP, real WebSocket, small timing parameters, no sleeps.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ConnectorError, RemoteError } from '../../src/index.js';
import { type Timers, type WorkspaceLink } from '../../src/internal/index.js';
import { systemTimers } from '../../src/transport/timers.js';
import { refusedPort } from '../../../../test/support/ports.js';
import { deferred } from '../support/fake-workspace.js';
import { captureLogger } from '../support/logs.js';
import { closeLinks, makeLink, opened, workspace } from '../support/link-harness.js';

afterEach(closeLinks);

describe('WorkspaceLink', () => {
  it('registers on a 401, connects again with the new key, and opens the socket with sub-protocol connector', async () => {
    const fake = await workspace({ features: ['structured-errors', 'cancellation'] });
    const { link, events } = makeLink(fake, { publicKey: 'UFVCTElD', deployment: 'prod' });
    link.start();
    await opened(events);

    expect(fake.hits.map((h) => `${h.path} ${h.authorization}`)).toEqual([
      '/connect Connector', // the empty key of a first start (HTTP trims the trailing space)
      '/register Connector reg-token',
      '/connect Connector key-1',
    ]);
    expect(fake.hits.every((h) => h.userAgent === 'hello/1.2.3')).toBe(true);
    expect(fake.hits[1]?.body).toEqual({
      deployment: 'prod',
      name: 'hello-1',
      version: '1.2.3',
      id: 'hello',
      publicKey: 'UFVCTElD',
      schema: { configSchema: { fields: {} }, introspect: 'declare function hello(): {};' },
      protocol: { version: 1, features: ['structured-errors', 'idempotency-keys'] },
    });
    expect(fake.hits[2]?.body).toEqual({ protocol: { version: 1, features: ['structured-errors', 'idempotency-keys'] } });
    expect(fake.upgrades).toEqual([{ protocol: 'connector', authorization: 'Connector key-1' }]);
    expect(link.state).toBe('open');
    // Only what both sides announced (§8).
    expect([...link.features]).toEqual(['structured-errors']);
  });

  it('uses no extension against a workspace that announces none (plain v1)', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    expect(link.features.size).toBe(0);
  });

  it('skips registration when its connector key is still valid', async () => {
    const fake = await workspace();
    fake.keys.add('kept-key');
    const { link, events } = makeLink(fake, { connectorKey: 'kept-key', registrationToken: undefined });
    link.start();
    await opened(events);
    expect(fake.count('register')).toBe(0);
    expect(fake.upgrades[0]?.authorization).toBe('Connector kept-key');
  });

  it('keeps the key it registered with in its key store, and a later start connects with it without registering', async () => {
    const fake = await workspace();
    const kept: string[] = [];
    const store = { load: () => kept.at(-1), save: (key: string) => void kept.push(key) };
    const first = makeLink(fake, { keyStore: store });
    first.link.start();
    await opened(first.events);
    expect(kept).toEqual(['key-1']);
    await first.link.close();

    const second = makeLink(fake, { keyStore: store, registrationToken: undefined });
    second.link.start();
    await opened(second.events);
    expect(fake.count('register')).toBe(1);
    expect(fake.upgrades.map((u) => u.authorization)).toEqual(['Connector key-1', 'Connector key-1']);
    expect(kept).toEqual(['key-1']);
  });

  it('registers again when the kept key is unknown to the workspace, and keeps the new key', async () => {
    const fake = await workspace();
    const kept = ['from-another-workspace'];
    const { link, events } = makeLink(fake, { keyStore: { load: () => kept.at(-1), save: (key) => void kept.push(key) } });
    link.start();
    await opened(events);
    expect(fake.hits.map((h) => `${h.path} ${h.authorization}`)).toEqual([
      '/connect Connector from-another-workspace',
      '/register Connector reg-token',
      '/connect Connector key-1',
    ]);
    expect(kept).toEqual(['from-another-workspace', 'key-1']);
  });

  it('prefers connectorKey (CONNECTOR_KEY) over a kept key', async () => {
    const fake = await workspace();
    fake.keys.add('explicit');
    const { link, events } = makeLink(fake, { connectorKey: 'explicit', keyStore: { load: () => 'kept', save: () => undefined } });
    link.start();
    await opened(events);
    expect(fake.upgrades[0]?.authorization).toBe('Connector explicit');
  });

  it('stops with REGISTRATION_REJECTED naming REGISTRATION_TOKEN and the URL after exactly one register attempt', async () => {
    const fake = await workspace({ registrationToken: 'the-right-token' });
    const { link, fatal } = makeLink(fake, { registrationToken: 'a-wrong-token' });
    const waiting = link.request('connector.task.new', { name: 't', a: {} }).catch((e: unknown) => e);
    link.start();
    await vi.waitFor(() => expect(fatal).toHaveLength(1), { timeout: 5_000 });
    expect(fake.count('register')).toBe(1);
    expect(fake.count('connect')).toBe(1);
    expect(link.state).toBe('closed');
    const error = fatal[0]!;
    expect({ code: error.code, retryable: error.retryable, message: error.message.replace(String(fake.port), 'PORT') })
      .toMatchInlineSnapshot(`
      {
        "code": "REGISTRATION_REJECTED",
        "message": "REGISTRATION_TOKEN was rejected by http://127.0.0.1:PORT/register (401: unknown registration token): copy the token printed by 'workspace connector add' (or 'workspace connector token <name>') into REGISTRATION_TOKEN",
        "retryable": false,
      }
    `);
    expect(error.message).not.toContain('a-wrong-token');
    // A request queued while connecting is not left hanging.
    expect(await waiting).toMatchObject({ code: 'NOT_CONNECTED' });
    expect(link.pendingCount).toBe(0);
  });

  it('stops with REGISTRATION_TOKEN_MISSING when asked to register without a token', async () => {
    const fake = await workspace();
    const { link, fatal } = makeLink(fake, { registrationToken: undefined });
    link.start();
    await vi.waitFor(() => expect(fatal).toHaveLength(1), { timeout: 5_000 });
    expect(fake.count('register')).toBe(0);
    expect({ code: fatal[0]!.code, message: fatal[0]!.message.replace(String(fake.port), 'PORT') }).toMatchInlineSnapshot(`
      {
        "code": "REGISTRATION_TOKEN_MISSING",
        "message": "REGISTRATION_TOKEN is not set and http://127.0.0.1:PORT/ asks this connector to register: set it in .env or the environment (run 'workspace connector add <name> --connector-id hello' to get one)",
      }
    `);
  });

  it('keeps retrying while connect answers 5xx, then connects', async () => {
    const fake = await workspace();
    fake.connectStatus = 503;
    const { link, events, fatal } = makeLink(fake);
    link.start();
    await vi.waitFor(() => expect(fake.count('connect')).toBeGreaterThanOrEqual(4), { timeout: 5_000 });
    expect(link.state).toBe('connecting');
    fake.connectStatus = undefined;
    await opened(events);
    expect(fatal).toEqual([]);
  });

  it('is never silent through an outage: warns at the 1st, 2nd, 4th, 8th, 16th failed try, then says when it is back', async () => {
    const fake = await workspace();
    fake.connectStatus = 503;
    const log = captureLogger();
    const { link, events } = makeLink(fake, { logger: log.logger });
    link.start();
    await vi.waitFor(() => expect(fake.count('connect')).toBeGreaterThanOrEqual(20), { timeout: 10_000 });
    fake.connectStatus = undefined;
    await opened(events);
    const failures = log.lines().filter((l) => typeof l.failures === 'number' && typeof l.waitMs === 'number');
    expect(failures.length).toBeGreaterThanOrEqual(19);
    const warned = failures.filter((l) => l.level === 40).map((l) => l.failures);
    expect(warned.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(failures.filter((l) => l.level === 20).map((l) => l.failures)).toContain(3);
    expect(failures[0]!.msg).toMatch(/^workspace link: .*503.*; trying again in \d+ ms$/);
    expect(failures[1]!.msg).toMatch(
      /^workspace link: still down after [\d.]+ m?s \(2 failed tries\), last: .*503.*; trying again in \d+ ms$/,
    );
    const back = log.lines().find((l) => typeof l.msg === 'string' && l.msg.startsWith('connected again after'));
    expect(back?.level).toBe(30);
    expect(back?.msg).toMatch(new RegExp(`\\(${String(back?.failures)} failed tries\\)$`));
  });

  it('keeps retrying while the workspace refuses connections, then connects once it is up', async () => {
    const refused = await refusedPort();
    const port = refused.port;
    const timers = recordingTimers();
    const { link, events, fatal } = makeLink(await workspace(), {
      deviceEndpoint: `http://127.0.0.1:${port}/`,
      websocketEndpoint: `ws://127.0.0.1:${port}/transport/`,
      timers,
    });
    link.start();
    await vi.waitFor(() => expect(timers.waits.length).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(link.state).toBe('connecting');
    expect(fatal).toEqual([]);
    await refused.release();
    await workspace({ port });
    await opened(events);
    expect(fatal).toEqual([]);
  });

  it('answers a request from the workspace and routes its own requests by _req- callback ids', async () => {
    const fake = await workspace();
    const { link, events, requests } = makeLink(fake);
    link.start();
    await opened(events);

    fake.send([{ id: 'w1', c: 'ws-1', m: 'connector.introspect', a: {} }]);
    await vi.waitFor(() => expect(requests).toHaveLength(1), { timeout: 5_000 });
    expect(requests[0]).toEqual({ id: 'w1', c: 'ws-1', m: 'connector.introspect', a: {} });
    link.answer('ws-1', { ok: true });
    const answer = await fake.waitForPacket((p) => p.c === 'ws-1');
    expect(answer.a).toEqual({ ok: true });
    expect(typeof answer.id).toBe('string');

    fake.autoAnswer.set('connector.task.new', (a) => ({ id: `task-for-${String(a.name)}` }));
    await expect(link.request('connector.task.new', { name: 'n1', a: {} })).resolves.toEqual({ id: 'task-for-n1' });
    const sent = await fake.waitForPacket((p) => p.m === 'connector.task.new');
    expect(sent.c).toMatch(/^_req-/);
    expect(sent.a).toEqual({ name: 'n1', a: {} });
    expect(link.pendingCount).toBe(0);
  });

  it('rejects its request with a RemoteError carrying the code of an error answer', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    fake.autoAnswer.set('connector.blob.get', () => ({ error: 'no blob b-1', code: 'NOT_FOUND' }));
    const error = await link.request('connector.blob.get', { id: 'b-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'connector.blob.get failed: no blob b-1' });
  });

  it('keeps a frame that arrives together with the handshake', async () => {
    const fake = await workspace();
    fake.greeting = [{ id: 'g1', c: 'ws-early', m: 'connector.introspect' }];
    const { link, requests } = makeLink(fake);
    link.start();
    await vi.waitFor(() => expect(requests.map((r) => r.c)).toEqual(['ws-early']), { timeout: 5_000 });
  });

  it('answers a malformed packet with a plain v1 error when structured errors were not negotiated', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    fake.socket.send('{"p":[{"id":7,"c":"ws-bad","m":"connector.query"}]}');
    const answer = await fake.waitForPacket((p) => p.c === 'ws-bad');
    expect(answer.a).toEqual({ error: 'malformed packet: "id" must be a string' });
  });

  it('answers a malformed packet that carries a callback id with BAD_REQUEST', async () => {
    const fake = await workspace({ features: ['structured-errors'] });
    const { link, events, requests } = makeLink(fake);
    link.start();
    await opened(events);
    fake.socket.send('{"p":[{"id":7,"c":"ws-bad","m":"connector.query"},{"id":"ok","c":"ws-good","m":"connector.introspect"}]}');
    const answer = await fake.waitForPacket((p) => p.c === 'ws-bad');
    expect(answer.a).toEqual({ error: 'malformed packet: "id" must be a string', code: 'BAD_REQUEST' });
    await vi.waitFor(() => expect(requests.map((r) => r.c)).toEqual(['ws-good']), { timeout: 5_000 });
    // Frames that are not JSON at all are ignored; the link stays up.
    fake.socket.send('not json');
    fake.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    fake.send([{ id: 'x', c: 'ws-after', m: 'connector.introspect' }]);
    await vi.waitFor(() => expect(requests.map((r) => r.c)).toEqual(['ws-good', 'ws-after']), { timeout: 5_000 });
  });

  it('fails a request in flight with CONNECTION_LOST when the socket closes, and empties the table', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    const waiting = link.request('connector.task.new', { name: 'n', a: {} });
    await fake.waitForPacket((p) => p.m === 'connector.task.new');
    expect(link.pendingCount).toBe(1);
    fake.dropAll();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).not.toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', retryable: true });
    expect(link.pendingCount).toBe(0);
  });

  it('reconnects after the workspace drops the socket, without registering again', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    fake.dropAll();
    await opened(events, 2);
    expect(events).toEqual(['open', 'close 1006', 'open']);
    expect(fake.count('register')).toBe(1);
    expect(fake.sockets).toHaveLength(2);
    // The new socket works.
    fake.autoAnswer.set('connector.task.update', () => ({}));
    await expect(link.request('connector.task.update', { id: 't', a: {} })).resolves.toEqual({});
  });

  it('registers again when the workspace closes the socket with 1008', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    fake.keys.delete('key-1');
    const before = fake.hits.length;
    fake.socket.close(1008, 'connector key revoked');
    await opened(events, 2);
    expect(events).toEqual(['open', 'close 1008', 'open']);
    // Straight to registration: the revoked key is not tried again.
    expect(fake.hits.slice(before).map((h) => `${h.path} ${h.authorization}`)).toEqual([
      '/connect Connector',
      '/register Connector reg-token',
      '/connect Connector key-2',
    ]);
    expect(fake.upgrades.map((u) => u.authorization)).toEqual(['Connector key-1', 'Connector key-2']);
  });

  it('registers again when the socket upgrade is refused with 401', async () => {
    const fake = await workspace();
    fake.keys.add('stale');
    fake.refusedOnSocket.add('stale');
    const { link, events } = makeLink(fake, { connectorKey: 'stale' });
    link.start();
    await opened(events);
    expect(fake.hits.map((h) => `${h.path} ${h.authorization}`)).toEqual([
      '/connect Connector stale',
      '/connect Connector',
      '/register Connector reg-token',
      '/connect Connector key-1',
    ]);
    expect(fake.upgrades.map((u) => u.authorization)).toEqual(['Connector key-1']);
  });

  it('detects a peer that stops answering pings and reconnects', async () => {
    const fake = await workspace({ autoPong: false });
    const { link, events } = makeLink(fake, { pingIntervalMs: 20, deadAfterMs: 100 });
    link.start();
    await opened(events);
    await vi.waitFor(() => expect(events).toContain('close 1006'), { timeout: 5_000 });
    await opened(events, 2);
    expect(fake.sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('drops a workspace that stops answering while the connector keeps sending: its own writes are no sign of life', async () => {
    // The fake reads every frame (so each write succeeds) but never answers a ping: a frozen workspace.
    const fake = await workspace({ autoPong: false });
    const pingIntervalMs = 20;
    const deadAfterMs = 150;
    const { link, events } = makeLink(fake, { pingIntervalMs, deadAfterMs });
    link.start();
    await opened(events);
    const openedAt = performance.now();
    const flow = setInterval(() => link.notify('connector.health.check', { ok: true, error: null }), 5);
    try {
      await vi.waitFor(() => expect(events).toContain('close 1006'), { timeout: 5_000, interval: 5 });
    } finally {
      clearInterval(flow);
    }
    expect(performance.now() - openedAt).toBeLessThan(deadAfterMs + 2_000);
    expect(fake.received.filter((p) => p.m === 'connector.health.check').length).toBeGreaterThan(5);
    await opened(events, 2);
  });

  it('drops a workspace that stops reading while the connector keeps sending, and reconnects', async () => {
    const fake = await workspace();
    const deadAfterMs = 150;
    const { link, events } = makeLink(fake, { pingIntervalMs: 20, deadAfterMs });
    link.start();
    await opened(events);
    // A proxy that stops reading: nothing it holds reaches the workspace, no pong comes back.
    fake.socket.pause();
    const pausedAt = performance.now();
    const flow = setInterval(() => link.notify('connector.health.check', { ok: true, error: null }), 5);
    try {
      await vi.waitFor(() => expect(events).toContain('close 1006'), { timeout: 5_000, interval: 5 });
    } finally {
      clearInterval(flow);
    }
    expect(performance.now() - pausedAt).toBeLessThan(deadAfterMs + 2_000);
    await opened(events, 2);
    expect(link.state).toBe('open');
  });

  it('gives up a WebSocket handshake that gets no answer after connectTimeoutMs, and tries again', async () => {
    const fake = await workspace();
    fake.swallowUpgrades = true;
    const { link, events } = makeLink(fake, { connectTimeoutMs: 200 });
    link.start();
    // Each attempt: POST /connect answered, the upgrade never; the handshake ends at 200 ms.
    await vi.waitFor(() => expect(fake.swallowed).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(link.state).toBe('connecting');
    fake.swallowUpgrades = false;
    await opened(events);
  });

  it('keeps a socket whose peer answers pings', async () => {
    const fake = await workspace();
    let pongs = 0;
    const { link, events } = makeLink(fake, { pingIntervalMs: 20, deadAfterMs: 1_000 });
    link.start();
    await opened(events);
    fake.socket.on('ping', () => (pongs += 1));
    await vi.waitFor(() => expect(pongs).toBeGreaterThanOrEqual(5), { timeout: 5_000 });
    expect(events).toEqual(['open']);
  });

  it('posts /disconnect and closes with 1001 on close(), then stops', async () => {
    const fake = await workspace();
    const { link, events } = makeLink(fake);
    link.start();
    await opened(events);
    await link.close();
    expect(fake.hits.at(-1)).toMatchObject({ path: '/disconnect', authorization: 'Connector key-1' });
    await vi.waitFor(() => expect(fake.closes).toEqual([1001]), { timeout: 5_000 });
    expect(link.state).toBe('closed');
    await expect(link.request('connector.task.new', {})).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await link.close(); // idempotent
    expect(fake.count('disconnect')).toBe(1);
  });

  it('closes while connecting without leaving a socket open', async () => {
    const fake = await workspace();
    fake.keys.add('k');
    const hold = deferred();
    fake.holdConnect = hold.promise;
    const { link } = makeLink(fake, { connectorKey: 'k' });
    link.start();
    await vi.waitFor(() => expect(fake.count('connect')).toBe(1), { timeout: 5_000 });
    let closed = false;
    const closing = link.close().then(() => (closed = true));
    hold.resolve();
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 5_000 });
    await closing;
    expect(link.state).toBe('closed');
    await vi.waitFor(() => expect(fake.sockets.every((ws) => ws.readyState === WebSocket.CLOSED)).toBe(true), { timeout: 5_000 });
  });

  it('closes a socket that receives a frame over maxPayload with 1009', async () => {
    const fake = await workspace();
    const { link, events, requests } = makeLink(fake, { maxPayload: 1024 });
    link.start();
    await opened(events);
    fake.send([{ id: 'big', c: 'ws-big', m: 'connector.query', a: { pad: 'x'.repeat(4096) } }]);
    await vi.waitFor(() => expect(fake.closes).toEqual([1009]), { timeout: 5_000 });
    expect(requests).toEqual([]);
    await opened(events, 2);
  });

  it('answers RESULT_TOO_LARGE for an answer over the workspace frame limit, and RESULT_NOT_JSON for one JSON cannot carry; the socket stays (item 9)', async () => {
    const fake = await workspace({ features: ['structured-errors'] });
    const { link, events } = makeLink(fake, {
      maxSendPayload: 64 * 1024,
      onRequest: (p) => {
        const size = Number(p.a?.size);
        if (p.m === 'big') link.answer(p.c!, { text: 'é'.repeat(size) });
        else link.answer(p.c!, { n: 10n } as unknown as Record<string, unknown>);
      },
    });
    link.start();
    await opened(events);
    // Bytes count, not characters: 30,000 'é' are 60,000 bytes of UTF-8 and fit; 40,000 are 80,000 and do not.
    expect(await fake.request('big', { size: 30_000 })).toEqual({ text: 'é'.repeat(30_000) });
    const tooLarge = await fake.request('big', { size: 40_000 });
    expect(tooLarge).toMatchObject({ code: 'RESULT_TOO_LARGE', retryable: false });
    expect(String(tooLarge.error)).toMatch(/the answer is 8\d{4} bytes, more than the 65520 .*one page at a time/);
    expect(await fake.request('bigint')).toMatchObject({ code: 'RESULT_NOT_JSON', error: expect.stringContaining('BigInt') });
    // The same socket still carries calls.
    expect(fake.sockets).toHaveLength(1);
    expect(await fake.request('big', { size: 10 })).toEqual({ text: 'é'.repeat(10) });
  });

  it('stops reading and holds its own requests while the workspace does not read, then delivers everything in order (item 10)', async () => {
    const fake = await workspace();
    fake.autoAnswer.set('connector.task.new', () => ({ id: 'task-1' }));
    const highWater = 256 * 1024;
    const blob = 'x'.repeat(64 * 1024);
    let handled = 0;
    const link: WorkspaceLink = makeLink(fake, {
      sendHighWaterMark: highWater,
      onRequest: (p) => {
        handled++;
        link.answer(p.c!, { blob });
      },
    }).link;
    const events: string[] = [];
    link.on('open', () => events.push('open'));
    link.start();
    await opened(events);

    // The workspace stops reading, then keeps sending requests, each asking for 64 KiB: ~20 MB
    // in all, more than the kernel's socket buffers on 127.0.0.1 hold.
    fake.socket.pause();
    let maxBuffered = 0;
    let held: Promise<unknown> | undefined;
    const total = 300;
    for (let i = 0; i < total; i++) {
      fake.send([{ id: `w-${i}`, c: `blob-${i}`, m: 'blob', a: {} }]);
      await new Promise((resolve) => setTimeout(resolve, 1));
      maxBuffered = Math.max(maxBuffered, link.bufferedAmount);
      if (held === undefined && link.congested) held = link.request('connector.task.new', { name: 'while congested', a: {} });
    }
    expect(held, 'the link never became congested').toBeDefined();
    // Bounded: the high-water mark plus at most one more frame of answers (the outbox caps frames at 1 MiB).
    expect(maxBuffered).toBeLessThanOrEqual(highWater + 1024 * 1024 + 64 * 1024);
    // It stopped reading: not every request was handled while the workspace was not reading.
    expect(handled).toBeLessThan(total);

    fake.socket.resume();
    await expect(held!).resolves.toEqual({ id: 'task-1' });
    await vi.waitFor(() => expect(fake.received.filter((p) => p.c?.startsWith('blob-')).length).toBe(total), { timeout: 10_000 });
    expect(handled).toBe(total);
    expect(link.congested).toBe(false);
    // Nothing lost or reordered: answers in request order, the held request after the answers sent before it.
    const order = fake.received.filter((p) => p.c?.startsWith('blob-')).map((p) => Number(p.c!.slice(5)));
    expect(order).toEqual([...Array(total).keys()]);
  });

  it('grows reconnect delays while connections fail fast, and resets them after a stable period', async () => {
    const fake = await workspace();
    const timers = recordingTimers();
    fake.dropOnConnect = true;
    const { link, events } = makeLink(fake, {
      timers,
      backoff: { baseMs: 4, capMs: 64, random: () => 1 - Number.EPSILON },
      stableAfterMs: 1_000,
    });
    link.start();
    await vi.waitFor(() => expect(timers.waits.length).toBeGreaterThanOrEqual(6), { timeout: 5_000 });
    expect(timers.waits.slice(0, 6)).toEqual([4, 8, 16, 32, 64, 64]);
    fake.dropOnConnect = false;
    const before = events.filter((e) => e === 'open').length;
    await opened(events, before + 1);
    const waitsBefore = timers.waits.length;
    timers.skew += 60_000; // the socket has now been up for a minute
    fake.dropAll();
    await vi.waitFor(() => expect(timers.waits.length).toBeGreaterThan(waitsBefore), { timeout: 5_000 });
    expect(timers.waits[waitsBefore]).toBe(4);
  });
});

/** Real timers whose clock can jump ahead; records the waits of the reconnect loop (short timeouts). */
function recordingTimers(): Timers & { waits: number[]; skew: number } {
  const t = {
    waits: [] as number[],
    skew: 0,
    setTimeout: (fn: () => void, ms: number) => {
      if (ms < 1_000) t.waits.push(ms);
      return systemTimers.setTimeout(fn, ms);
    },
    clearTimeout: systemTimers.clearTimeout,
    setInterval: systemTimers.setInterval,
    clearInterval: systemTimers.clearInterval,
    now: () => Date.now() + t.skew,
  };
  return t;
}
