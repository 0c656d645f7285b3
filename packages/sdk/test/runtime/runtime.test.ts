/**
 * ConnectorRuntime end to end against the fake workspace (protocol.md §4, §5, §8;
 * reliability.md items 5, 7, 23).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Logger } from 'pino';
import { buildManifest, ConnectorError, defineConnector, field } from '../../src/index.js';
import { ConnectorRuntime, readRuntimeEnv } from '../../src/internal/index.js';
import { loadKeys } from '../../src/runtime/keys.js';
import { encryptSecret, generateKeyPair, importPublicKey, type EncodedKeyPair } from '../../src/secrets/index.js';
import type { KeyRing } from '../../src/runtime/config.js';
import { deferred, FakeWorkspace, type FakeWorkspaceOptions } from '../support/fake-workspace.js';
import { createTestClock, type TestClock } from '../../src/testing/clock.js';
import { captureLogger, silentLogger } from '../support/logs.js';

const MARKER = 'SECRET-MARKER-7f3a9c';
const CONNECTOR_ID = 'runtime-test';

let gate = deferred();
let startCalls = 0;
let aborted: unknown;
/** Sees the abort reason of every `watch` call. */
let watchers: ((reason: unknown) => void) | undefined;

const connector = defineConnector({
  name: 'Runtime test',
  config: { region: field.line({ plain: true }), apiKey: field.line({ label: 'API key' }) },
  methods: (method) => ({
    whoami: method({
      description: 'returns the config it sees',
      input: z.object({}),
      handler: (_input, ctx) => {
        ctx.logger.info({ config: ctx.config }, 'handler saw its config');
        return { region: ctx.config.region, hasKey: ctx.config.apiKey !== undefined, keyMatches: ctx.config.apiKey === MARKER };
      },
    }),
    greet: method({ description: 'greets', input: z.object({ name: z.string().min(1) }), handler: ({ name }) => `hi ${name}` }),
    file: method({
      description: 'files a task',
      input: z.object({ title: z.string() }),
      handler: async ({ title }, ctx) => ({ id: await ctx.tasks.create('todo', { title }) }),
    }),
    track: method({
      description: 'files a task, then marks it done',
      input: z.object({ title: z.string() }),
      handler: async ({ title }, ctx) => {
        const id = await ctx.tasks.create('todo', { title });
        await ctx.tasks.update(id, { done: true });
        return { id };
      },
    }),
    watch: method({
      description: 'waits until its signal aborts and records why',
      input: z.object({}),
      handler: async (_input, ctx) => {
        aborted = await new Promise<unknown>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }),
        );
        watchers?.(aborted);
        return {};
      },
    }),
    report: method({
      description: 'works in steps of everyMs, reporting progress after each',
      input: z.object({ steps: z.number().int(), everyMs: z.number().int() }),
      handler: async ({ steps, everyMs }, ctx) => {
        ctx.progress({ message: 'starting', total: steps });
        for (let done = 1; done <= steps; done++) {
          await new Promise((resolve) => setTimeout(resolve, everyMs));
          ctx.progress({ done });
        }
        return { steps };
      },
    }),
    lateReport: method({
      description: 'reports progress after it answered',
      input: z.object({}),
      handler: (_input, ctx) => {
        setTimeout(() => ctx.progress({ message: 'too late' }), 20);
        return { answered: true };
      },
    }),
    badReport: method({
      description: 'reports a member progress does not have',
      input: z.object({}),
      handler: (_input, ctx) => {
        ctx.progress({ percent: 50 } as never);
        return {};
      },
    }),
    slow: method({
      description: 'waits for the test',
      input: z.object({}),
      handler: async () => {
        await gate.promise;
        return { done: true };
      },
    }),
  }),
  start: () => {
    startCalls += 1;
  },
  healthCheck: (ctx) => (ctx.config.region === 'down' ? { ok: false, error: 'the CRM is unreachable' } : undefined),
});
const schema = buildManifest(connector);

let pair: EncodedKeyPair;
let otherPair: EncodedKeyPair;
let ring: KeyRing;

beforeAll(async () => {
  [pair, otherPair] = await Promise.all([generateKeyPair(2048), generateKeyPair(2048)]);
  ring = loadKeys(readRuntimeEnv({ PRIVATE_KEY: pair.privateKey, PUBLIC_KEY: pair.publicKey }), true).ring;
}, 60_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  gate.resolve();
  gate = deferred();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  options: {
    features?: string[];
    logger?: Logger;
    fake?: FakeWorkspaceOptions;
    timers?: TestClock;
    drainTimeoutMs?: number;
    healthIntervalMs?: number;
  } = {},
) {
  const fake = await FakeWorkspace.start({ features: options.features ?? [], ...options.fake });
  cleanups.push(() => fake.stop());
  const runtime = new ConnectorRuntime({
    connector,
    connectorId: CONNECTOR_ID,
    version: '1.0.0',
    schema,
    logger: options.logger ?? silentLogger,
    keys: ring,
    link: {
      instanceName: 'rt-1',
      registrationToken: fake.registrationToken,
      deviceEndpoint: fake.deviceEndpoint,
      websocketEndpoint: fake.websocketEndpoint,
      backoff: { baseMs: 5, capMs: 20 },
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    },
    ...(options.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: options.drainTimeoutMs }),
    ...(options.healthIntervalMs === undefined ? {} : { healthIntervalMs: options.healthIntervalMs }),
  });
  cleanups.push(() => runtime.shutdown());
  const open = new Promise<void>((resolve) => runtime.link.once('open', () => resolve()));
  runtime.start();
  await open;
  return { fake, runtime };
}

const query = (fake: FakeWorkspace, name: unknown, variables: Record<string, unknown> = {}) =>
  fake.request('connector.query', { query: name, variables });

async function secret(value: string, to: EncodedKeyPair = pair): Promise<string> {
  return encryptSecret(value, importPublicKey(to.publicKey), CONNECTOR_ID);
}

describe('ConnectorRuntime', () => {
  it('answers connector.introspect with the configSchema and the declarations', async () => {
    const { fake } = await serve();
    expect(await fake.request('connector.introspect')).toEqual({ configSchema: schema.configSchema, introspect: schema.introspect });
  });

  it('applies set-config: plain values as sent, secrets decrypted; then sends a health check', async () => {
    const { fake } = await serve();
    const startsBefore = startCalls;
    expect(await fake.request('connector.set-config', { secrets: { region: 'eu', apiKey: await secret(MARKER) } })).toEqual({ ok: true });
    expect(startCalls).toBe(startsBefore + 1);
    const health = await fake.waitForPacket((p) => p.m === 'connector.health.check');
    expect(health).toMatchObject({ a: { ok: true, error: null } });
    expect(health.c).toBeUndefined(); // a notice: no answer expected (§4)
    expect(await query(fake, 'whoami')).toEqual({ region: 'eu', hasKey: true, keyMatches: true });
  });

  it('runs a call that arrives right behind a set-config with that config, as the workspace sends them on connect (§4)', async () => {
    const { fake } = await serve();
    // One frame: the set-config a workspace sends on connect, and a call close behind it. The
    // secret takes a JWE decryption (async) to apply: the call must wait for it, not see no config.
    fake.send([
      { id: 'w-a', c: 'cfg', m: 'connector.set-config', a: { secrets: { region: 'eu', apiKey: await secret(MARKER) } } },
      { id: 'w-b', c: 'call', m: 'connector.query', a: { query: 'whoami', variables: {} } },
    ]);
    expect((await fake.waitForPacket((p) => p.c === 'call' && p.m === undefined)).a).toEqual({
      region: 'eu',
      hasKey: true,
      keyMatches: true,
    });
    // A second config applies to the calls behind it in turn.
    fake.send([
      { id: 'w-c', c: 'cfg2', m: 'connector.set-config', a: { secrets: { region: 'us' } } },
      { id: 'w-d', c: 'call2', m: 'connector.query', a: { query: 'whoami', variables: {} } },
    ]);
    expect((await fake.waitForPacket((p) => p.c === 'call2' && p.m === undefined)).a).toEqual({
      region: 'us',
      hasKey: false,
      keyMatches: false,
    });
  });

  it('reports a failing health check in the notice after set-config', async () => {
    const { fake } = await serve();
    await fake.request('connector.set-config', { secrets: { region: 'down', apiKey: await secret('k') } });
    expect((await fake.waitForPacket((p) => p.m === 'connector.health.check')).a).toEqual({ ok: false, error: 'the CRM is unreachable' });
  });

  it('never logs a secret, even at trace level', async () => {
    const capture = captureLogger();
    const { fake } = await serve({ logger: capture.logger });
    await fake.request('connector.set-config', { secrets: { region: 'eu', apiKey: await secret(MARKER) } });
    expect(await query(fake, 'whoami')).toMatchObject({ keyMatches: true });
    // The handler logged its config: the logger redacted it.
    expect(capture.lines().find((l) => l.msg === 'handler saw its config')).toMatchObject({ config: '[redacted]' });
    expect(capture.text()).not.toContain(MARKER);
  });

  it('reports a secret it cannot decrypt by field name only, and leaves it unset', async () => {
    const capture = captureLogger();
    const { fake } = await serve({ logger: capture.logger });
    const foreign = await secret(MARKER, otherPair);
    expect(await fake.request('connector.set-config', { secrets: { region: 'eu', apiKey: foreign } })).toEqual({ ok: true });
    expect(await query(fake, 'whoami')).toEqual({ region: 'eu', hasKey: false, keyMatches: false });
    const errors = capture
      .lines()
      .filter((l) => l.level === 50)
      .map((l) => String(l.msg));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^config field "apiKey" could not be decrypted: /);
    expect(capture.text()).toContain('config is missing required field(s): apiKey');
    expect(capture.text()).not.toContain(MARKER);
    expect(capture.text()).not.toContain(foreign);
  });

  it('sends only {error} for a failed call to a plain v1 workspace', async () => {
    const { fake } = await serve({ features: [] });
    expect(await query(fake, 'greet', { name: '' })).toMatchInlineSnapshot(`
      {
        "error": "invalid input for greet: name: Too small: expected string to have >=1 characters",
      }
    `);
    expect(await query(fake, 'nope')).toEqual({ error: expect.stringMatching(/^unknown method "nope"/) });
  });

  it('adds code, details and retryable when structured-errors was negotiated', async () => {
    const { fake } = await serve({ features: ['structured-errors'] });
    expect(await query(fake, 'greet', { name: '' })).toMatchInlineSnapshot(`
      {
        "code": "INPUT_INVALID",
        "details": [
          {
            "code": "too_small",
            "message": "Too small: expected string to have >=1 characters",
            "path": [
              "name",
            ],
          },
        ],
        "error": "invalid input for greet: name: Too small: expected string to have >=1 characters",
      }
    `);
    expect(await query(fake, 'constructor')).toMatchObject({ code: 'METHOD_NOT_FOUND' });
  });

  it('answers queries with §4 reply shaping, by dotted name or array', async () => {
    const { fake } = await serve();
    expect(await query(fake, 'greet', { name: 'Ada' })).toEqual({ greet: 'hi Ada' });
    expect(await query(fake, ['greet'], { name: 'Ada' })).toEqual({ greet: 'hi Ada' });
  });

  it('answers unknown requests and OAuth requests of a non-OAuth connector with an error', async () => {
    const { fake } = await serve({ features: ['structured-errors'] });
    expect(await fake.request('connector.start-oauth')).toMatchObject({ code: 'METHOD_NOT_FOUND' });
    expect(await fake.request('connector.reticulate')).toMatchObject({
      code: 'METHOD_NOT_FOUND',
      error: 'unknown request "connector.reticulate"',
    });
  });

  it('sends connector.task.new with an idempotency key when the workspace announced idempotency-keys', async () => {
    const { fake } = await serve({ features: ['idempotency-keys'] });
    fake.autoAnswer.set('connector.task.new', () => ({ id: 'task-1' }));
    expect(await query(fake, 'file', { title: 'water plants' })).toEqual({ id: 'task-1' });
    const sent = await fake.waitForPacket((p) => p.m === 'connector.task.new');
    expect(sent.c).toMatch(/^_req-/);
    expect(sent.a).toEqual({ name: 'todo', a: { title: 'water plants' }, idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('sends connector.task.new without an idempotency key to a plain v1 workspace', async () => {
    const { fake } = await serve({ features: [] });
    fake.autoAnswer.set('connector.task.new', () => ({ id: 'task-1' }));
    expect(await query(fake, 'file', { title: 'water plants' })).toEqual({ id: 'task-1' });
    const sent = await fake.waitForPacket((p) => p.m === 'connector.task.new');
    expect(sent.a).toEqual({ name: 'todo', a: { title: 'water plants' } });
  });

  it('creates and updates a task on a v1 workspace that answers task.new with the bare id string (§3/§4)', async () => {
    const { fake } = await serve({ features: [] });
    // As a v1 (ALOMA) workspace answers: `a` is the id itself, not an object.
    fake.autoAnswer.set('connector.task.new', () => 'k3v9task');
    fake.autoAnswer.set('connector.task.update', () => ({}));
    expect(await query(fake, 'track', { title: 'water plants' })).toEqual({ id: 'k3v9task' });
    const update = await fake.waitForPacket((p) => p.m === 'connector.task.update');
    expect(update.a).toEqual({ id: 'k3v9task', a: { done: true } });
  });

  it('never answers an answer: a malformed or unknown answer gets no reply, and the link stays up (§3)', async () => {
    const { fake } = await serve();
    const before = fake.received.length;
    // An answer with a bad id, one with a non-object `a` for no pending request, one with a bad `e`.
    fake.socket.send(
      '{"p":[{"id":7,"c":"_req-none","a":{"x":1}},{"id":"a2","c":"_req-other","a":"task-9"},{"id":"a3","c":"_req-e","e":5}]}',
    );
    // A request after them is served: when its answer arrives, the answers before were handled.
    expect(await fake.request('connector.introspect')).toMatchObject({ introspect: schema.introspect });
    const replies = fake.received.slice(before).filter((p) => p.c === '_req-none' || p.c === '_req-other' || p.c === '_req-e');
    expect(replies).toEqual([]);
  });

  it('aborts the signal of a call whose socket dropped, with CONNECTION_LOST', async () => {
    const { fake, runtime } = await serve();
    aborted = undefined;
    void query(fake, 'watch').catch(() => undefined);
    await expectEventually(() => runtime.inflight === 1);
    fake.sockets.at(-1)!.terminate();
    await expectEventually(() => aborted !== undefined);
    expect(aborted).toMatchObject({ code: 'CONNECTION_LOST' });
    await expectEventually(() => runtime.inflight === 0);
  });

  it('tracks several calls in flight, and aborts each one when the socket drops', async () => {
    const { fake, runtime } = await serve();
    const finished = [query(fake, 'slow'), query(fake, 'slow'), query(fake, 'slow')];
    await expectEventually(() => runtime.inflight === 3);
    gate.resolve();
    expect(await Promise.all(finished)).toEqual([{ done: true }, { done: true }, { done: true }]);
    await expectEventually(() => runtime.inflight === 0);

    const reasons: unknown[] = [];
    watchers = (reason) => void reasons.push(reason);
    for (let i = 0; i < 3; i++) void query(fake, 'watch').catch(() => undefined);
    await expectEventually(() => runtime.inflight === 3);
    fake.sockets.at(-1)!.terminate();
    await expectEventually(() => reasons.length === 3);
    expect(reasons).toEqual([0, 1, 2].map(() => expect.objectContaining({ code: 'CONNECTION_LOST' })));
    await expectEventually(() => runtime.inflight === 0);
  });

  it('aborts ctx.signal with TIMEOUT at the deadline the query carries and answers TIMEOUT (§8 deadlines)', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors', 'deadlines'] });
    expect([...runtime.link.features]).toEqual(['structured-errors', 'deadlines']);
    aborted = undefined;
    const answer = await fake.request('connector.query', { query: 'watch', variables: {}, timeoutMs: 50 });
    expect(answer).toEqual({
      error: 'watch did not finish within the 50 ms the workspace gave it; ctx.signal was aborted',
      code: 'TIMEOUT',
      retryable: false,
    });
    expect(aborted).toBeInstanceOf(ConnectorError);
    expect(aborted).toMatchObject({ code: 'TIMEOUT' });
    await expectEventually(() => runtime.inflight === 0);
  });

  it('answers a call past its deadline once: what a handler that ignores its signal returns later goes nowhere', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors', 'deadlines'] });
    expect(await fake.request('connector.query', { query: 'slow', variables: {}, timeoutMs: 30 })).toMatchObject({ code: 'TIMEOUT' });
    // The handler still runs: shutdown's drain waits for it.
    expect(runtime.inflight).toBe(1);
    gate.resolve();
    await expectEventually(() => runtime.inflight === 0);
    expect(await query(fake, 'greet', { name: 'Ada' })).toEqual({ greet: 'hi Ada' });
    expect(fake.frames.some((f) => f.includes('"done":true'))).toBe(false);
  });

  it('ignores timeoutMs from a workspace that did not negotiate deadlines (v1: calls run to their end)', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors'] });
    expect(runtime.link.features.has('deadlines')).toBe(false);
    const answer = fake.request('connector.query', { query: 'slow', variables: {}, timeoutMs: 20 });
    await expectEventually(() => runtime.inflight === 1);
    // Well past the 20 ms, the call is still running and unanswered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runtime.inflight).toBe(1);
    gate.resolve();
    expect(await answer).toEqual({ done: true });
  });

  it('aborts ctx.signal with CANCELLED on connector.cancel and answers the call at once (§8 cancellation)', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors', 'cancellation'] });
    aborted = undefined;
    fake.send([{ id: 'w-q1', c: 'call-1', m: 'connector.query', a: { query: 'watch', variables: {} } }]);
    await expectEventually(() => runtime.inflight === 1);
    // A cancel of a call that is not in flight changes nothing.
    fake.send([{ id: 'w-x', m: 'connector.cancel', a: { c: 'no-such-call', reason: 'caller' } }]);
    fake.send([{ id: 'w-c1', m: 'connector.cancel', a: { c: 'call-1', reason: 'caller' } }]);
    const answer = await fake.waitForPacket((p) => p.c === 'call-1' && p.m === undefined);
    expect(answer.a).toEqual({
      error: 'the workspace cancelled watch: its caller gave up; ctx.signal was aborted',
      code: 'CANCELLED',
      retryable: false,
    });
    expect(aborted).toBeInstanceOf(ConnectorError);
    expect(aborted).toMatchObject({ code: 'CANCELLED' });
    await expectEventually(() => runtime.inflight === 0);
    // Answered once: the handler's own end after the abort sent nothing more.
    expect(fake.received.filter((p) => p.c === 'call-1')).toHaveLength(1);

    // The workspace's deadline passed: the reason is TIMEOUT.
    fake.send([{ id: 'w-q2', c: 'call-2', m: 'connector.query', a: { query: 'watch', variables: {} } }]);
    await expectEventually(() => runtime.inflight === 1);
    fake.send([{ id: 'w-c2', m: 'connector.cancel', a: { c: 'call-2', reason: 'timeout' } }]);
    expect((await fake.waitForPacket((p) => p.c === 'call-2' && p.m === undefined)).a).toMatchObject({ code: 'TIMEOUT' });
    expect(aborted).toMatchObject({ code: 'TIMEOUT' });
  });

  it('ignores connector.cancel from a workspace that did not negotiate cancellation (v1)', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors'] });
    fake.send([{ id: 'w-q1', c: 'call-1', m: 'connector.query', a: { query: 'slow', variables: {} } }]);
    await expectEventually(() => runtime.inflight === 1);
    fake.send([{ id: 'w-c1', m: 'connector.cancel', a: { c: 'call-1', reason: 'caller' } }]);
    // Ordered on the socket: once this is answered, the cancel was handled (and changed nothing).
    expect(await query(fake, 'greet', { name: 'Ada' })).toEqual({ greet: 'hi Ada' });
    expect(runtime.inflight).toBe(1);
    gate.resolve();
    expect((await fake.waitForPacket((p) => p.c === 'call-1' && p.m === undefined)).a).toEqual({ done: true });
  });

  it('sends connector.progress notices for the call in flight where progress was negotiated (§8 progress)', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors', 'progress'] });
    expect([...runtime.link.features]).toEqual(['structured-errors', 'progress']);
    fake.send([{ id: 'w-q1', c: 'call-p1', m: 'connector.query', a: { query: 'report', variables: { steps: 3, everyMs: 5 } } }]);
    expect((await fake.waitForPacket((p) => p.c === 'call-p1' && p.m === undefined)).a).toEqual({ steps: 3 });
    const notices = fake.received.filter((p) => p.m === 'connector.progress');
    // Notices: no callback id (nothing answers them), the call's id inside `a`.
    expect(notices.length).toBeGreaterThanOrEqual(1);
    for (const notice of notices) expect(notice).not.toHaveProperty('c');
    expect(notices[0]!.a).toEqual({ c: 'call-p1', message: 'starting', total: 3 });
    // Reports that came within 250 ms of the first waited, and went nowhere once the answer did.
    expect(notices.length).toBeLessThanOrEqual(2);
  });

  it('moves its own deadline with each notice it sends, up to maxTimeoutMs (§8 deadlines + progress)', async () => {
    const { fake } = await serve({ features: ['structured-errors', 'deadlines', 'progress'] });
    // 10 steps of 20 ms, with 150 ms each time a notice goes: done, though 200 ms > 150 ms.
    const served = await fake.request('connector.query', {
      query: 'report',
      variables: { steps: 10, everyMs: 20 },
      timeoutMs: 150,
      maxTimeoutMs: 60_000,
    });
    expect(served).toEqual({ steps: 10 });
    // The longest total time bounds it: 300 ms of work against 120 ms at most.
    const bounded = await fake.request('connector.query', {
      query: 'report',
      variables: { steps: 10, everyMs: 30 },
      timeoutMs: 80,
      maxTimeoutMs: 120,
    });
    expect(bounded).toEqual({
      error: 'report did not finish within 80 ms of its last progress notice (or its longest total time); ctx.signal was aborted',
      code: 'TIMEOUT',
      retryable: false,
    });
    // Without maxTimeoutMs the workspace promised nothing more: notices move nothing.
    const unextended = await fake.request('connector.query', { query: 'report', variables: { steps: 10, everyMs: 30 }, timeoutMs: 80 });
    expect(unextended).toMatchObject({ code: 'TIMEOUT', error: expect.stringContaining('within the 80 ms the workspace gave it') });
  });

  it('sends no connector.progress to a workspace that did not negotiate progress (v1), and notices move no deadline', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors', 'deadlines'] });
    expect(runtime.link.features.has('progress')).toBe(false);
    expect(await fake.request('connector.query', { query: 'report', variables: { steps: 3, everyMs: 5 } })).toEqual({ steps: 3 });
    const timedOut = await fake.request('connector.query', {
      query: 'report',
      variables: { steps: 10, everyMs: 20 },
      timeoutMs: 80,
      maxTimeoutMs: 60_000,
    });
    expect(timedOut).toMatchObject({ code: 'TIMEOUT' });
    expect(fake.received.filter((p) => p.m === 'connector.progress')).toEqual([]);
  });

  it('sends nothing for a report made after the call was answered', async () => {
    const { fake } = await serve({ features: ['structured-errors', 'progress'] });
    expect(await query(fake, 'lateReport')).toEqual({ answered: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Ordered on the socket: a notice sent before this answer would be here by now.
    expect(await query(fake, 'greet', { name: 'Ada' })).toEqual({ greet: 'hi Ada' });
    expect(fake.received.filter((p) => p.m === 'connector.progress')).toEqual([]);
  });

  it('fails a call whose handler reports a bad notice with PROGRESS_INVALID', async () => {
    const { fake } = await serve({ features: ['structured-errors', 'progress'] });
    expect(await query(fake, 'badReport')).toEqual({
      error: 'ctx.progress() in badReport: a progress notice has "message", "done" and "total" only, got "percent"',
      code: 'PROGRESS_INVALID',
      retryable: false,
    });
    expect(fake.received.filter((p) => p.m === 'connector.progress')).toEqual([]);
  });

  it('drains a call in flight on shutdown, refuses new calls with SHUTTING_DOWN, then disconnects and closes with 1001', async () => {
    const { fake, runtime } = await serve({ features: ['structured-errors'] });
    const inFlight = query(fake, 'slow');
    await expectEventually(() => runtime.inflight === 1);
    const shutdown = runtime.shutdown();

    expect(await query(fake, 'greet', { name: 'late' })).toMatchInlineSnapshot(`
      {
        "code": "SHUTTING_DOWN",
        "error": "the connector is shutting down; send the call to another instance",
        "retryable": true,
      }
    `);
    expect(fake.count('disconnect')).toBe(0);
    expect(fake.closes).toEqual([]);

    gate.resolve();
    expect(await inFlight).toEqual({ done: true });
    await shutdown;
    expect(fake.count('disconnect')).toBe(1);
    await expectEventually(() => fake.closes.length === 1);
    expect(fake.closes).toEqual([1001]);
    // The answer went out before the socket closed.
    const answerIndex = fake.frames.findIndex((f) => f.includes('"done":true'));
    expect(answerIndex).toBeGreaterThanOrEqual(0);
  });
});

// Each test moves the clock less than the link's silence limit (10 s interval + 15 s tolerance),
// so the link never finds the fake workspace silent.
describe("ConnectorRuntime on its link's clock", () => {
  it('waits drainTimeoutMs for a call in flight, then aborts it with SHUTTING_DOWN', async () => {
    const clock = createTestClock();
    const { fake, runtime } = await serve({ timers: clock, drainTimeoutMs: 5_000 });
    aborted = undefined;
    void query(fake, 'watch').catch(() => undefined);
    await expectEventually(() => runtime.inflight === 1);
    let done = false;
    const shutdown = runtime.shutdown().then(() => (done = true));
    await clock.advance(4_999);
    expect(aborted).toBeUndefined();
    expect(done).toBe(false);
    await clock.advance(1);
    // Aborted within the move of the clock: no real time had to pass.
    expect(aborted).toMatchObject({ code: 'SHUTTING_DOWN' });
    await shutdown;
    expect(fake.count('disconnect')).toBe(1);
  });

  it('ends the drain as soon as the last call in flight ends, before the deadline', async () => {
    const clock = createTestClock();
    const { fake, runtime } = await serve({ timers: clock, drainTimeoutMs: 5_000 });
    const inFlight = query(fake, 'slow');
    await expectEventually(() => runtime.inflight === 1);
    const shutdown = runtime.shutdown();
    gate.resolve();
    expect(await inFlight).toEqual({ done: true });
    await shutdown; // no time moved: the drain did not wait for its deadline
    expect(fake.count('disconnect')).toBe(1);
  });

  it('sends a health check every healthIntervalMs', async () => {
    const clock = createTestClock();
    const { fake } = await serve({ timers: clock, healthIntervalMs: 8_000 });
    const checks = () => fake.received.filter((p) => p.m === 'connector.health.check').length;
    await fake.request('connector.set-config', { secrets: { region: 'eu' } });
    await expectEventually(() => checks() === 1);
    await clock.advance(7_999);
    expect(checks()).toBe(1);
    await clock.advance(1);
    await expectEventually(() => checks() === 2);
    await clock.advance(8_000);
    await expectEventually(() => checks() === 3);
  });
});

async function expectEventually(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 5_000, interval: 5 });
}
