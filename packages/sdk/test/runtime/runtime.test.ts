/**
 * ConnectorRuntime end to end against the fake workspace (protocol.md §4, §5, §8;
 * reliability.md items 5, 7, 23).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Logger } from 'pino';
import { buildManifest, ConnectorRuntime, defineConnector, field, readRuntimeEnv } from '../../src/index.js';
import { loadKeys } from '../../src/runtime/keys.js';
import { encryptSecret, generateKeyPair, importPublicKey, type EncodedKeyPair } from '../../src/secrets/index.js';
import type { KeyRing } from '../../src/runtime/config.js';
import { deferred, FakeWorkspace, type FakeWorkspaceOptions } from '../support/fake-workspace.js';
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

async function serve(options: { features?: string[]; logger?: Logger; fake?: FakeWorkspaceOptions } = {}) {
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
    },
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

async function expectEventually(check: () => boolean): Promise<void> {
  await vi.waitFor(() => expect(check()).toBe(true), { timeout: 5_000, interval: 5 });
}
