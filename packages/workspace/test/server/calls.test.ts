import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { createTestClock } from '@connector-kit/sdk/testing';
import { WorkspaceError } from '../../src/index.js';
import { FakeConnector, addAndRegister, registerBody, startTestWorkspace, waitForPacket, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  // Generous: calls here must not time out on a loaded machine; the TIMEOUT test uses its own workspace.
  ws = await startTestWorkspace({ callTimeoutMs: 30_000 });
}, 60_000);
afterAll(() => ws?.close());

async function online(name: string, connectorId: string, on: TestWorkspace = ws): Promise<FakeConnector> {
  const { key } = await addAndRegister(on, name, connectorId);
  const connector = await FakeConnector.connect(on, key);
  await vi.waitFor(() => expect(on.hub.online(name)).toHaveLength(1));
  return connector;
}

async function callError(promise: Promise<unknown>): Promise<WorkspaceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkspaceError);
  return error as WorkspaceError;
}

describe('Hub.call', () => {
  it('sends connector.query and resolves with the answer', async () => {
    const connector = await online('call-ok', '1');
    connector.handlers.set('hello', (variables: { name: string }) => ({ greeting: `hi ${variables.name}` }));
    await expect(ws.hub.call('call-ok', 'hello', { name: 'Ada' }, { taskId: 't1' })).resolves.toEqual({ greeting: 'hi Ada' });
    const query = connector.packets('connector.query')[0]!;
    expect(query.a).toEqual({ query: 'hello', variables: { name: 'Ada' }, taskId: 't1' });
    expect(query.c).toBeTypeOf('string');
    expect(ws.hub.pendingCount).toBe(0);
    await connector.close();
  });

  it('maps structured error answers to their code, message and details', async () => {
    const connector = await online('call-errors', '2');
    connector.handlers.set('strict', () => ({
      error: 'input is invalid',
      code: 'INPUT_INVALID',
      details: [{ path: ['name'], message: 'Required' }],
    }));
    connector.handlers.set('v1', () => ({ error: 'something broke' }));
    const structured = await callError(ws.hub.call('call-errors', 'strict', {}));
    expect(structured.toJSON()).toMatchInlineSnapshot(`
      {
        "code": "INPUT_INVALID",
        "details": [
          {
            "message": "Required",
            "path": [
              "name",
            ],
          },
        ],
        "message": "input is invalid",
      }
    `);
    const v1 = await callError(ws.hub.call('call-errors', 'v1', {}));
    expect(v1.toJSON()).toEqual({ code: 'CONNECTOR_ERROR', message: 'something broke' });
    expect(ws.hub.pendingCount).toBe(0);
    await connector.close();
  });

  it('fails with CONNECTOR_OFFLINE when no instance is connected', async () => {
    await addAndRegister(ws, 'call-offline', '3');
    expect((await callError(ws.hub.call('call-offline', 'hello', {}))).code).toBe('CONNECTOR_OFFLINE');
  });

  it('fails with TIMEOUT after callTimeoutMs and leaves the request table empty', async () => {
    const short = await startTestWorkspace({ callTimeoutMs: 200 });
    try {
      const connector = await online('call-timeout', '4', short);
      const started = Date.now();
      const error = await callError(short.hub.call('call-timeout', 'silent', {}));
      expect(error.code).toBe('TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(short.hub.pendingCount).toBe(0);
      // A late answer finds nothing to resolve and changes nothing.
      connector.send({ c: connector.packets('connector.query')[0]!.c!, a: { late: true } });
      await expect(connector.request('connector.task.new', { name: 'after', a: {} })).resolves.toMatch(/^[a-z2-7]{15}$/);
      expect(short.hub.pendingCount).toBe(0);
      await connector.close();
    } finally {
      await short.close();
    }
  });

  it("times calls out on the hub's clock: a deadline passes without waiting for it", async () => {
    // Deadlines under the heartbeat interval (10 s), so moving the clock sends no ping whose
    // pong could come too late.
    const clock = createTestClock();
    const manual = await startTestWorkspace({ callTimeoutMs: 8_000, clock });
    try {
      const connector = await online('call-clock', '11', manual);
      const settled: string[] = [];
      const quick = callError(manual.hub.call('call-clock', 'silent', {}, { timeoutMs: 5_000 })).finally(() => settled.push('quick'));
      const standard = callError(manual.hub.call('call-clock', 'silent', {})).finally(() => settled.push('default'));
      await vi.waitFor(() => expect(connector.packets('connector.query')).toHaveLength(2));
      await clock.advance(4_999);
      expect(settled).toEqual([]);
      await clock.advance(1);
      // Settled within the move of the clock: no real time had to pass.
      expect(settled).toEqual(['quick']);
      expect((await quick).code).toBe('TIMEOUT');
      await clock.advance(2_999);
      expect(settled).toEqual(['quick']);
      await clock.advance(1);
      expect(settled).toEqual(['quick', 'default']);
      expect((await standard).message).toContain('within 8000 ms');
      expect(manual.hub.pendingCount).toBe(0);
      await connector.close();
    } finally {
      await manual.close();
    }
  });

  it('honours a per-call timeoutMs, shorter or longer than callTimeoutMs', async () => {
    // Four calls sent in one tick arm their timers in order; Node fires timers of equal deadline in the order they
    // were armed. So the order the calls settle in says which deadline each got, without measuring time: if the
    // option were ignored, `quick` would settle after `first` and `long` before `last`.
    const short = await startTestWorkspace({ callTimeoutMs: 300 });
    try {
      const connector = await online('call-timeout-option', '5', short);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      connector.handlers.set('held', async () => {
        await released;
        return { done: true };
      });
      const settled = new Set<string>();
      const track = <T>(name: string, call: Promise<T>) => call.finally(() => settled.add(name));
      const first = track('first', callError(short.hub.call('call-timeout-option', 'silent', {})));
      const quick = track('quick', callError(short.hub.call('call-timeout-option', 'silent', {}, { timeoutMs: 50 })));
      const long = track('long', short.hub.call('call-timeout-option', 'held', {}, { timeoutMs: 60_000 }));
      const last = track('last', callError(short.hub.call('call-timeout-option', 'silent', {})));

      expect((await quick).code).toBe('TIMEOUT');
      expect(settled).not.toContain('first');
      expect((await first).code).toBe('TIMEOUT');
      expect((await last).code).toBe('TIMEOUT');
      expect(settled).not.toContain('long');
      release();
      await expect(long).resolves.toEqual({ done: true });
      expect(short.hub.pendingCount).toBe(0);
      await connector.close();
    } finally {
      await short.close();
    }
  });

  it('fails every pending call with CONNECTION_LOST at once when the socket closes', async () => {
    const connector = await online('call-lost', '6');
    const calls = [1, 2, 3].map(() => ws.hub.call('call-lost', 'silent', {}, { timeoutMs: 60_000 }));
    await vi.waitFor(() => expect(connector.packets('connector.query')).toHaveLength(3));
    expect(ws.hub.pendingCount).toBe(3);
    const started = Date.now();
    connector.socket.terminate();
    for (const call of calls) expect((await callError(call)).code).toBe('CONNECTION_LOST');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ws.hub.pendingCount).toBe(0);
  });

  it('spreads calls round-robin over the online instances', async () => {
    const { token } = await addAndRegister(ws, 'call-rr', '7');
    const keys = [];
    for (const name of ['a', 'b']) {
      const res = await ws.device('register', token, registerBody('7', { name }));
      keys.push(res.body.key as string);
    }
    const [a, b] = await Promise.all(keys.map((k) => FakeConnector.connect(ws, k)));
    a!.handlers.set('who', () => ({ me: 'a' }));
    b!.handlers.set('who', () => ({ me: 'b' }));
    await vi.waitFor(() => expect(ws.hub.online('call-rr')).toHaveLength(2));
    const answers = await Promise.all([1, 2, 3, 4].map(() => ws.hub.call('call-rr', 'who', {})));
    expect(answers.map((r) => (r as { me: string }).me).sort()).toEqual(['a', 'a', 'b', 'b']);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('batches the packets of one tick into one frame and splits past 256 packets', async () => {
    const connector = await online('call-batch', '8');
    connector.handlers.set('echo', (v: unknown) => v);
    const before = connector.frames.length;
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => ws.hub.call('call-batch', 'echo', { i })));
    expect(results).toEqual(Array.from({ length: 300 }, (_, i) => ({ i })));
    const frames = connector.frames.slice(before).map((f) => (JSON.parse(f) as { p: unknown[] }).p.length);
    expect(frames).toEqual([256, 44]);
    await connector.close();
  });

  it('accepts answers only from the socket the call went out on', async () => {
    const intruder = await online('call-intruder', '9');
    const target = await online('call-target', '10');
    const pending = ws.hub.call('call-target', 'silent', {}, { timeoutMs: 300 });
    const query = await waitForPacket(target, (p) => p.m === 'connector.query');
    intruder.send({ c: query.c!, a: { forged: true } });
    expect((await callError(pending)).code).toBe('TIMEOUT');
    await Promise.all([intruder.close(), target.close()]);
  });
});

describe('negotiated features', () => {
  it('remembers features from /connect for the socket', async () => {
    const { key } = await addAndRegister(ws, 'features', '12');
    await ws.device('connect', key, { protocol: { version: 1, features: [Feature.idempotencyKeys] } });
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('features')[0]?.features).toEqual([Feature.idempotencyKeys]));
    await connector.close();
  });

  it('sends each query its deadline as timeoutMs where deadlines was negotiated, and nothing new to a v1 connector (§8)', async () => {
    const { key } = await addAndRegister(ws, 'deadlines', '13');
    const connect = await ws.device('connect', key, { protocol: { version: 1, features: [Feature.deadlines] } });
    expect(connect.body.protocol).toEqual({ version: 1, features: [Feature.deadlines] });
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('deadlines')).toHaveLength(1));
    connector.handlers.set('hello', () => ({ ok: true }));
    await ws.hub.call('deadlines', 'hello', { n: 1 }, { timeoutMs: 1234 });
    await ws.hub.call('deadlines', 'hello', { n: 2 });
    const [given, byDefault] = connector.packets('connector.query');
    expect(given!.a).toEqual({ query: 'hello', variables: { n: 1 }, timeoutMs: 1234 });
    // No timeoutMs of its own: the workspace's callTimeoutMs is the deadline it carries.
    expect(byDefault!.a).toEqual({ query: 'hello', variables: { n: 2 }, timeoutMs: 30_000 });
    // Other requests are not queries: they carry no deadline.
    await expect(ws.hub.request('deadlines', 'connector.introspect', {}, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect((await connector.waitFor((p) => p.m === 'connector.introspect')).a).toEqual({});
    await connector.close();

    const v1 = await online('deadlines-v1', '14');
    v1.handlers.set('hello', () => ({ ok: true }));
    await ws.hub.call('deadlines-v1', 'hello', {}, { timeoutMs: 1234 });
    expect(v1.packets('connector.query')[0]!.a).toEqual({ query: 'hello', variables: {} });
    await v1.close();
  });

  it('sends connector.cancel when a call times out or its caller gives up, where cancellation was negotiated (§8)', async () => {
    const { key } = await addAndRegister(ws, 'cancels', '15');
    await ws.device('connect', key, { protocol: { version: 1, features: [Feature.cancellation] } });
    const connector = await FakeConnector.connect(ws, key);
    await vi.waitFor(() => expect(ws.hub.online('cancels')).toHaveLength(1));

    // 1. Its deadline passes: TIMEOUT to the caller, a cancel notice to the connector.
    expect((await callError(ws.hub.call('cancels', 'silent', { n: 1 }, { timeoutMs: 100 }))).code).toBe('TIMEOUT');
    const first = connector.packets('connector.query')[0]!;
    const timedOut = await connector.waitFor((p) => p.m === 'connector.cancel');
    expect(timedOut).toMatchObject({ m: 'connector.cancel', a: { c: first.c, reason: 'timeout' } });
    expect(timedOut.c).toBeUndefined(); // a notice: no answer expected

    // 2. The caller gives up while the call is in flight: CANCELLED at once, and a cancel notice.
    const caller = new AbortController();
    const pending = ws.hub.call('cancels', 'silent', { n: 2 }, { timeoutMs: 30_000, signal: caller.signal });
    const second = await connector.waitFor((p) => p.m === 'connector.query' && p.a?.variables?.n === 2);
    caller.abort();
    const cancelled = await callError(pending);
    expect(cancelled.code).toBe('CANCELLED');
    expect(cancelled.message).toBe('the call of "silent" on connector "cancels" was cancelled: its caller gave up');
    expect((await connector.waitFor((p) => p.m === 'connector.cancel' && p.a?.c === second.c)).a).toEqual({
      c: second.c,
      reason: 'caller',
    });
    expect(ws.hub.pendingCount).toBe(0);

    // 3. A caller that gave up before the call went out: nothing is sent.
    const queries = connector.packets('connector.query').length;
    await expect(ws.hub.call('cancels', 'silent', {}, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    connector.handlers.set('hello', () => ({ ok: true }));
    await ws.hub.call('cancels', 'hello', {});
    expect(connector.packets('connector.query')).toHaveLength(queries + 1);
    expect(connector.packets('connector.cancel')).toHaveLength(2);
    await connector.close();
  });

  it('sends a v1 connector no connector.cancel, whether the call times out or its caller gives up', async () => {
    const v1 = await online('cancels-v1', '16');
    expect((await callError(ws.hub.call('cancels-v1', 'silent', {}, { timeoutMs: 100 }))).code).toBe('TIMEOUT');
    const caller = new AbortController();
    const pending = ws.hub.call('cancels-v1', 'silent', { n: 2 }, { signal: caller.signal });
    await v1.waitFor((p) => p.m === 'connector.query' && p.a?.variables?.n === 2);
    caller.abort();
    expect((await callError(pending)).code).toBe('CANCELLED');
    // A later call's packet arrives after anything sent before it: had a cancel gone out, it is here by now.
    v1.handlers.set('hello', () => ({ ok: true }));
    await ws.hub.call('cancels-v1', 'hello', {});
    expect(v1.packets('connector.query')).toHaveLength(3);
    expect(v1.received.filter((p) => p.m !== 'connector.query' && p.m !== 'connector.set-config')).toEqual([]);
    await v1.close();
  });
});
