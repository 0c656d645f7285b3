/**
 * Progress notices of calls in flight (protocol.md §8 `progress`): recorded per call, shown in
 * the activity feed and the admin API, and moving the call's deadline by its timeout with each
 * notice, up to its longest total time. On the hub's clock: no deadline is waited for.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feature } from '@connector-kit/sdk/protocol';
import { createTestClock, type TestClock } from '@connector-kit/sdk/testing';
import { WorkspaceError } from '../../src/index.js';
import { describeActivity } from '../../src/cli/logs.js';
import { FakeConnector, addAndRegister, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let clock: TestClock;
let ws: TestWorkspace;
beforeAll(async () => {
  clock = createTestClock();
  // Pings every 10 minutes: moving the clock here never makes an instance look silent.
  ws = await startTestWorkspace({ callTimeoutMs: 30_000, heartbeatIntervalMs: 600_000, clock });
}, 60_000);
afterAll(() => ws?.close());

let serial = 0;
/** A connected fake connector that negotiated `features` on connect. */
async function online(features: string[]): Promise<{ name: string; connector: FakeConnector }> {
  const name = `progress-${++serial}`;
  const { key } = await addAndRegister(ws, name, `70${serial}`);
  if (features.length > 0) await ws.device('connect', key, { protocol: { version: 1, features } });
  const connector = await FakeConnector.connect(ws, key);
  await vi.waitFor(() => expect(ws.hub.online(name)).toHaveLength(1));
  expect(ws.hub.online(name)[0]!.features).toEqual(features);
  return { name, connector };
}

/** Starts a call of `work` that the connector does not answer; `settled` says when it ended. */
async function start(name: string, connector: FakeConnector, options: { timeoutMs: number; maxMs?: number }) {
  const outcome: { settled?: 'ok' | WorkspaceError; value?: unknown } = {};
  const promise = ws.hub.call(name, 'work', {}, options).then(
    (value) => {
      outcome.settled = 'ok';
      outcome.value = value;
    },
    (error: WorkspaceError) => (outcome.settled = error),
  );
  const query = await connector.waitFor((p) => p.m === 'connector.query' && p.a?.query === 'work');
  return { c: query.c!, query, outcome, promise };
}

/** Sends a notice and waits until the hub counted it (`notices` in flight). */
async function notice(name: string, connector: FakeConnector, a: Record<string, unknown>, notices: number): Promise<void> {
  connector.send({ m: 'connector.progress', a });
  await vi.waitFor(() => expect(ws.hub.callsInFlight(name)[0]?.progress?.notices).toBe(notices));
}

describe('progress notices (§8 progress)', () => {
  it('records each notice on its call, merged, and moves the deadline to now + the timeout with each', async () => {
    const { name, connector } = await online([Feature.deadlines, Feature.progress]);
    const call = await start(name, connector, { timeoutMs: 1_000, maxMs: 60_000 });
    // With deadlines and progress, the query says how far notices may move the deadline.
    expect(call.query.a).toEqual({ query: 'work', variables: {}, timeoutMs: 1_000, maxTimeoutMs: 60_000 });
    expect(call.query.c).toBe(call.c);
    expect(ws.hub.callsInFlight(name)).toEqual([
      {
        id: call.c,
        method: 'work',
        instance: expect.any(String),
        name: 'test-instance',
        started: expect.any(String),
        deadline: expect.any(String),
        timeoutMs: 1_000,
        maxMs: 60_000,
        progress: null,
      },
    ]);

    await clock.advance(900);
    await notice(name, connector, { c: call.c, message: 'page 1', done: 1, total: 3 }, 1);
    await clock.advance(900);
    // 1.8 s after it went out, past its 1 s timeout: the notice at 0.9 s moved the deadline to 1.9 s.
    expect(call.outcome.settled).toBeUndefined();
    await notice(name, connector, { c: call.c, done: 2 }, 2);
    expect(ws.hub.callsInFlight(name)[0]!.progress).toEqual({ message: 'page 1', done: 2, total: 3, notices: 2, at: expect.any(String) });
    await clock.advance(999);
    expect(call.outcome.settled).toBeUndefined();

    connector.send({ c: call.c, a: { imported: 3 } });
    await call.promise;
    expect(call.outcome).toEqual({ settled: 'ok', value: { imported: 3 } });
    expect(ws.hub.callsInFlight(name)).toEqual([]);

    // The feed: the first notice as a progress event (the second came within a second of it), then
    // the call, with its id and last progress.
    const events = ws.hub.activity.recent(name, 10).filter((e) => e.type !== 'instance');
    expect(events).toEqual([
      {
        type: 'progress',
        at: expect.any(String),
        connector: name,
        call: call.c,
        method: 'work',
        instance: expect.any(String),
        name: 'test-instance',
        message: 'page 1',
        done: 1,
        total: 3,
        notices: 1,
      },
      {
        type: 'call',
        at: expect.any(String),
        connector: name,
        method: 'work',
        ok: true,
        ms: 2_799,
        call: call.c,
        progress: { message: 'page 1', done: 2, total: 3, notices: 2, at: expect.any(String) },
      },
    ]);
    expect(describeActivity(events[0] as never)).toMatch(/ {2}progress work {2}1\/3 page 1 {2}on test-instance$/);
    expect(describeActivity(events[1] as never)).toMatch(/ {2}call {5}work {2}ok in 2799 ms {2}\(2 progress notices, last: 2\/3 page 1\)$/);

    // A notice of a call that ended changes nothing and publishes nothing.
    connector.send({ m: 'connector.progress', a: { c: call.c, done: 3 } });
    connector.handlers.set('hello', () => ({}));
    await ws.hub.call(name, 'hello', {});
    expect(ws.hub.activity.recent(name, 10).filter((e) => e.type === 'progress')).toHaveLength(1);
    await connector.close();
  });

  it('never moves the deadline past the call start + maxMs, and says so in the TIMEOUT', async () => {
    const { name, connector } = await online([Feature.deadlines, Feature.progress]);
    const call = await start(name, connector, { timeoutMs: 1_000, maxMs: 2_500 });
    await clock.advance(900);
    await notice(name, connector, { c: call.c }, 1);
    await clock.advance(900);
    await notice(name, connector, { c: call.c, done: 5 }, 2);
    // This notice would move it to 2.8 s: it stops at 2.5 s.
    await clock.advance(699);
    expect(call.outcome.settled).toBeUndefined();
    await clock.advance(1);
    await call.promise;
    expect(call.outcome.settled).toBeInstanceOf(WorkspaceError);
    expect(call.outcome.settled).toMatchObject({
      code: 'TIMEOUT',
      message: `connector "${name}" did not answer "work" within its longest total time of 2500 ms (2 progress notices extended its 1000 ms deadline; a call may ask for a longer "maxMs")`,
    });
    await connector.close();
  });

  it('times out a call whose notices stopped, within the timeout of the last one', async () => {
    const { name, connector } = await online([Feature.progress]);
    const call = await start(name, connector, { timeoutMs: 1_000 });
    // progress without deadlines: the connector gets v1's query, the workspace still extends.
    expect(call.query.a).toEqual({ query: 'work', variables: {} });
    await clock.advance(500);
    await notice(name, connector, { c: call.c, message: 'almost' }, 1);
    await clock.advance(999);
    expect(call.outcome.settled).toBeUndefined();
    await clock.advance(1);
    await call.promise;
    expect(call.outcome.settled).toMatchObject({
      code: 'TIMEOUT',
      message: `connector "${name}" did not answer "work" within 1000 ms of its last progress notice (1 received)`,
    });
    await connector.close();
  });

  it('ignores notices of a connector that did not negotiate progress, and malformed ones: the deadline stays', async () => {
    const { name, connector } = await online([Feature.deadlines]);
    const call = await start(name, connector, { timeoutMs: 1_000, maxMs: 60_000 });
    // deadlines only: no maxTimeoutMs.
    expect(call.query.a).toEqual({ query: 'work', variables: {}, timeoutMs: 1_000 });
    connector.send({ m: 'connector.progress', a: { c: call.c, done: 1 } });
    const v1 = await online([]);
    const v1Call = await start(v1.name, v1.connector, { timeoutMs: 1_000 });
    expect(v1Call.query.a).toEqual({ query: 'work', variables: {} });
    v1.connector.send({ m: 'connector.progress', a: { c: v1Call.c, done: 1 } });
    const full = await online([Feature.deadlines, Feature.progress]);
    const fullCall = await start(full.name, full.connector, { timeoutMs: 1_000 });
    full.connector.send({ m: 'connector.progress', a: { c: fullCall.c, percent: 50 } });
    full.connector.send({ m: 'connector.progress', a: { c: fullCall.c, message: 'x'.repeat(2_000) } });
    full.connector.send({ m: 'connector.progress', a: { done: 1 } });
    // Frames of one socket are handled in order: once this call is answered, the notices before it were.
    for (const { name: n, connector: fake } of [{ name, connector }, v1, full]) {
      fake.handlers.set('hello', () => ({}));
      await ws.hub.call(n, 'hello', {});
    }
    expect(ws.hub.callsInFlight(name)[0]!.progress).toBeNull();
    expect(ws.hub.callsInFlight(v1.name)[0]!.progress).toBeNull();
    expect(ws.hub.callsInFlight(full.name)[0]!.progress).toBeNull();
    await clock.advance(1_000);
    await Promise.all([call.promise, v1Call.promise, fullCall.promise]);
    for (const { outcome } of [call, v1Call, fullCall]) expect(outcome.settled).toMatchObject({ code: 'TIMEOUT' });
    for (const n of [name, v1.name, full.name]) expect(ws.hub.activity.recent(n, 10).filter((e) => e.type === 'progress')).toEqual([]);
    // Nothing was answered to the notices: they carry no callback id.
    for (const fake of [connector, v1.connector, full.connector]) {
      expect(fake.received.filter((p) => p.m === undefined && p.a?.error !== undefined)).toEqual([]);
      await fake.close();
    }
  });
});

describe('GET /api/v1/connectors/<name>/calls and the maxMs of a call', () => {
  it('lists the queries in flight with their progress, and 404s an unknown connector', async () => {
    const { name, connector } = await online([Feature.deadlines, Feature.progress]);
    expect(await ws.api('GET', `connectors/${name}/calls`)).toEqual({ status: 200, body: { calls: [] } });
    const call = await start(name, connector, { timeoutMs: 5_000 });
    await notice(name, connector, { c: call.c, message: 'halfway', done: 50, total: 100 }, 1);
    const listed = await ws.api('GET', `connectors/${name}/calls`);
    expect(listed.status).toBe(200);
    expect(listed.body.calls).toEqual([
      expect.objectContaining({
        id: call.c,
        method: 'work',
        timeoutMs: 5_000,
        // The workspace's own longest total time: an hour.
        maxMs: 3_600_000,
        progress: { message: 'halfway', done: 50, total: 100, notices: 1, at: expect.any(String) },
      }),
    ]);
    expect(Date.parse(listed.body.calls[0].deadline)).toBeGreaterThan(Date.parse(listed.body.calls[0].started));
    expect((await ws.api('GET', 'connectors/nobody/calls')).status).toBe(404);
    connector.send({ c: call.c, a: {} });
    await call.promise;
    await connector.close();
  });

  it('refuses a maxMs that is not a whole number of ms from 1 to 86400000', async () => {
    const { name, connector } = await online([Feature.progress]);
    const refused = await ws.api('POST', `connectors/${name}/call`, { method: 'work', args: {}, maxMs: 0 });
    expect(refused).toEqual({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: '"maxMs" must be an integer from 1 to 86400000, got 0' } },
    });
    await connector.close();
  });
});
