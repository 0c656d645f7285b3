/**
 * Known secret values scrubbed before anything leaves the connector (issue 13 finding 6,
 * reliability.md item 23): the scrubber itself, the logger that uses it, and the runtime's error
 * answers, health notices and log lines against the fake workspace.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, ConnectorError, defineConnector, field, oauth2 } from '../../src/index.js';
import { ConnectorRuntime, readRuntimeEnv } from '../../src/internal/index.js';
import { createLogger } from '../../src/runtime/logger.js';
import { loadKeys } from '../../src/runtime/keys.js';
import { redactedPlaceholder, SecretScrubber } from '../../src/runtime/scrub.js';
import { encryptSecret, generateKeyPair, importPublicKey, type EncodedKeyPair } from '../../src/secrets/index.js';
import type { KeyRing } from '../../src/runtime/config.js';
import { deferred, FakeWorkspace } from '../support/fake-workspace.js';

/** A secret with characters that JSON and URLs escape: each form must be found. */
const KEY = 'sk-live"9f2/a+b&c%d\\e';
const OLD_KEY = 'sk-old-4c1d8e';
const ACCESS_TOKEN = 'at-0b9e6a5d7c';
const CONNECTOR_ID = 'scrub-test';

describe('SecretScrubber', () => {
  it('replaces a secret in every form it takes in text: as is, JSON-escaped, URL-encoded, base64', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [['apiKey', KEY]]);
    const forms = [KEY, JSON.stringify(KEY).slice(1, -1), encodeURIComponent(KEY), Buffer.from(KEY).toString('base64')];
    for (const form of forms) {
      expect(scrubber.scrub(`before ${form} after ${form}`)).toBe('before [redacted:apiKey] after [redacted:apiKey]');
    }
  });

  it('replaces the longer of two secrets whole, and keeps a "$" of a placeholder literal', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [
      ['short', 'abcd'],
      ['long$&', 'abcdefgh'],
    ]);
    expect(scrubber.scrub('x abcdefgh y abcd')).toBe('x [redacted:long$&] y [redacted:short]');
  });

  it('ignores values shorter than 4 characters, numbers and booleans; an empty scrubber changes nothing', () => {
    const scrubber = new SecretScrubber();
    expect(scrubber.active).toBe(false);
    expect(scrubber.scrub('abc 1234 true')).toBe('abc 1234 true');
    scrubber.set('config', [
      ['tiny', 'abc'],
      ['port', 1234],
      ['flag', true],
    ]);
    expect(scrubber.active).toBe(false);
    expect(scrubber.scrub('abc 1234 true')).toBe('abc 1234 true');
  });

  it("takes an object's secret-looking text members (a token set), not its token_type or scope", () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [
      ['oauthResult', { access_token: ACCESS_TOKEN, refresh_token: 'rt-77aa', token_type: 'Bearer', scope: 'read' }],
    ]);
    expect(scrubber.scrub(`Bearer ${ACCESS_TOKEN} rt-77aa read`)).toBe(
      'Bearer [redacted:oauthResult.access_token] [redacted:oauthResult.refresh_token] read',
    );
  });

  it('replaces a source wholesale, and reads a watched source at each use', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [['apiKey', OLD_KEY]]);
    scrubber.set('config', [['apiKey', KEY]]);
    expect(scrubber.scrub(OLD_KEY)).toBe(OLD_KEY);
    let token = 'tok-first';
    scrubber.watch('auth', () => [['oauth.access_token', token]]);
    expect(scrubber.scrub('tok-first')).toBe('[redacted:oauth.access_token]');
    token = 'tok-second';
    expect(scrubber.scrub('tok-first tok-second')).toBe('tok-first [redacted:oauth.access_token]');
  });

  it('names a value known to a field and to a watched source by its field', () => {
    const scrubber = new SecretScrubber();
    scrubber.watch('auth', () => [['auth', 'hunter22']]);
    scrubber.set('config', [['password', 'hunter22']]);
    expect(scrubber.scrub('hunter22')).toBe('[redacted:password]');
  });

  it('copies details deeply with every string and key scrubbed, leaving the original alone', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [['apiKey', KEY]]);
    const details = { sent: KEY, list: [{ [KEY]: 1 }], n: 3, at: new Date(0) };
    const copy = scrubber.scrubDeep(details) as typeof details;
    expect(JSON.stringify(copy)).not.toContain('9f2');
    expect(copy).toMatchObject({ sent: '[redacted:apiKey]', list: [{ '[redacted:apiKey]': 1 }], n: 3 });
    expect(copy.at).toBe(details.at);
    expect(details.sent).toBe(KEY);
  });

  it('copies an error with its class, code, details, stack and cause scrubbed', () => {
    const scrubber = new SecretScrubber();
    scrubber.set('config', [['apiKey', KEY]]);
    const original = new ConnectorError('AUTH_FAILED', `key ${KEY} refused`, {
      details: { key: KEY },
      cause: new Error(`inner ${KEY}`),
    });
    const copy = scrubber.scrubError(original) as ConnectorError;
    expect(copy).toBeInstanceOf(ConnectorError);
    expect(copy).not.toBe(original);
    expect(copy.code).toBe('AUTH_FAILED');
    expect(copy.message).toBe('key [redacted:apiKey] refused');
    expect(copy.stack).toContain('key [redacted:apiKey] refused');
    expect(copy.details).toEqual({ key: '[redacted:apiKey]' });
    expect((copy.cause as Error).message).toBe('inner [redacted:apiKey]');
    expect(original.message).toContain(KEY);
    const clean = new Error('nothing here');
    expect(scrubber.scrubError(clean)).toBe(clean);
  });
});

describe('createLogger with a scrubber', () => {
  it('writes no known secret, whatever a line holds, in JSON and in pretty format', () => {
    for (const format of ['json', 'pretty'] as const) {
      const chunks: string[] = [];
      const destination = { write: (line: string) => void chunks.push(line) } as unknown as NodeJS.WritableStream;
      const scrubber = new SecretScrubber();
      const logger = createLogger({ level: 'trace', destination, format, scrubber });
      scrubber.set('config', [['apiKey', KEY]]);
      logger.info({ sent: KEY, err: new Error(`with ${KEY}`) }, `message ${KEY}`);
      const text = chunks.join('');
      expect(text).toContain('[redacted:apiKey]');
      expect(text).not.toContain('9f2');
    }
  });
});

// The runtime, end to end against the fake workspace.

let gate = deferred();
let started = deferred();

const connector = defineConnector({
  name: 'Scrub test',
  config: { region: field.line({ plain: true }), apiKey: field.line({ label: 'API key' }) },
  methods: (method) => ({
    leak: method({
      description: 'throws a plain Error with the key in its message',
      input: z.object({}),
      handler: (_input, ctx) => {
        throw new Error(`upstream refused key ${ctx.config.apiKey} in ${ctx.config.region}`);
      },
    }),
    leakTyped: method({
      description: 'throws a ConnectorError with the key in its message, details and cause',
      input: z.object({}),
      handler: (_input, ctx) => {
        const key = ctx.config.apiKey;
        throw new ConnectorError('AUTH_FAILED', `GET /x?key=${encodeURIComponent(String(key))} answered 401`, {
          details: { sent: key, tried: [{ key }] },
          cause: new Error(`raw ${key}`),
        });
      },
    }),
    slowLeak: method({
      description: 'reads the key, waits for the test, then throws with the key it read',
      input: z.object({}),
      handler: async (_input, ctx) => {
        const key = ctx.config.apiKey;
        started.resolve();
        await gate.promise;
        throw new Error(`late failure with ${key}`);
      },
    }),
    logs: method({
      description: 'logs the key in a message',
      input: z.object({}),
      handler: (_input, ctx) => {
        ctx.logger.info(`using key ${ctx.config.apiKey}`);
        return {};
      },
    }),
  }),
  start: (ctx) => {
    if (ctx.config.region === 'boom') throw new Error(`could not log in with ${ctx.config.apiKey}`);
  },
  healthCheck: (ctx) => (ctx.config.region === 'down' ? { ok: false, error: `the CRM refused ${ctx.config.apiKey}` } : undefined),
});
const schema = buildManifest(connector);

let pair: EncodedKeyPair;
let ring: KeyRing;
beforeAll(async () => {
  pair = await generateKeyPair(2048);
  ring = loadKeys(readRuntimeEnv({ PRIVATE_KEY: pair.privateKey, PUBLIC_KEY: pair.publicKey }), true).ring;
}, 60_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  gate.resolve();
  gate = deferred();
  started = deferred();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  features: string[],
  definition: typeof connector | ReturnType<typeof oauthConnector> = connector,
  { ownLogger = false } = {},
) {
  const fake = await FakeWorkspace.start({ features });
  cleanups.push(() => fake.stop());
  const chunks: string[] = [];
  const destination = { write: (line: string) => void chunks.push(line) } as unknown as NodeJS.WritableStream;
  const scrubber = new SecretScrubber();
  const runtime = new ConnectorRuntime({
    connector: definition as typeof connector,
    connectorId: CONNECTOR_ID,
    version: '1.0.0',
    schema: definition === connector ? schema : buildManifest(definition),
    // A logger of the connector's own knows nothing of the scrubber: the runtime's error lines are scrubbed anyway.
    logger: ownLogger
      ? pino({ level: 'trace' }, destination as pino.DestinationStream)
      : createLogger({ level: 'trace', destination, scrubber }),
    scrubber,
    keys: ring,
    link: {
      instanceName: 'scrub-1',
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
  return { fake, runtime, logs: () => chunks.join('') };
}

const secret = (value: string): Promise<string> => encryptSecret(value, importPublicKey(pair.publicKey), CONNECTOR_ID);
const query = (fake: FakeWorkspace, name: string) => fake.request('connector.query', { query: name, variables: {} });

/** Every packet the connector sent, as the workspace read it. */
const sent = (fake: FakeWorkspace): string => fake.frames.join('\n');

describe('ConnectorRuntime scrubbing', () => {
  it('answers a handler error with the key replaced by its field name, in message and details (structured errors)', async () => {
    const { fake, logs } = await serve(['structured-errors']);
    await fake.request('connector.set-config', { secrets: { region: 'eu-west', apiKey: await secret(KEY) } });
    expect(await query(fake, 'leak')).toEqual({
      error: 'upstream refused key [redacted:apiKey] in eu-west',
      code: 'HANDLER_FAILED',
    });
    expect(await query(fake, 'leakTyped')).toEqual({
      error: `GET /x?key=${redactedPlaceholder('apiKey')} answered 401`,
      code: 'AUTH_FAILED',
      retryable: false,
      details: { sent: '[redacted:apiKey]', tried: [{ key: '[redacted:apiKey]' }] },
    });
    await query(fake, 'logs');
    // Failed calls were logged (with their stacks and causes), and so was the handler's line.
    expect(logs()).toContain('leak threw');
    expect(logs()).toContain('using key [redacted:apiKey]');
    for (const text of [logs(), sent(fake)]) {
      expect(text).not.toContain('9f2');
      expect(text).not.toContain(encodeURIComponent(KEY));
    }
  });

  it('scrubs the {error} a plain v1 workspace gets, and health notices and start() failures', async () => {
    const { fake, logs } = await serve([], connector, { ownLogger: true });
    await fake.request('connector.set-config', { secrets: { region: 'down', apiKey: await secret(KEY) } });
    expect((await fake.waitForPacket((p) => p.m === 'connector.health.check')).a).toEqual({
      ok: false,
      error: 'the CRM refused [redacted:apiKey]',
    });
    expect(await query(fake, 'leak')).toEqual({ error: 'upstream refused key [redacted:apiKey] in down' });
    const before = fake.received.length;
    await fake.request('connector.set-config', { secrets: { region: 'boom', apiKey: await secret(KEY) } });
    const health = await fake.waitForPacket((p) => p.m === 'connector.health.check' && fake.received.indexOf(p) >= before);
    expect(health.a).toEqual({ ok: false, error: 'start failed: could not log in with [redacted:apiKey]' });
    expect(logs()).toContain('start() failed');
    expect(logs()).toContain('leak threw');
    for (const text of [logs(), sent(fake)]) expect(text).not.toContain('9f2');
  });

  it('still knows the previous key after a new config, for calls that ran with it', async () => {
    const { fake, logs } = await serve(['structured-errors']);
    await fake.request('connector.set-config', { secrets: { region: 'eu', apiKey: await secret(OLD_KEY) } });
    // A call that started before the change fails with the old key in its message later.
    const late = query(fake, 'slowLeak');
    await started.promise;
    await fake.request('connector.set-config', { secrets: { region: 'eu', apiKey: await secret(KEY) } });
    expect(await query(fake, 'leak')).toMatchObject({ error: 'upstream refused key [redacted:apiKey] in eu' });
    gate.resolve();
    expect(await late).toMatchObject({ error: 'late failure with [redacted:apiKey]' });
    expect(logs()).toContain('late failure with [redacted:apiKey]');
    for (const text of [logs(), sent(fake)]) expect(text).not.toContain(OLD_KEY);
  });

  it("replaces the auth's OAuth access token, from the moment the connector has one", async () => {
    const server = await tokenServer();
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const definition = oauthConnector(url);
    const { fake, logs } = await serve(['structured-errors'], definition);
    await fake.request('connector.set-config', { secrets: { clientId: 'client-1', clientSecret: await secret('cs-5e6f7a8b') } });
    expect(await query(fake, 'echo')).toEqual({ error: 'the API saw Bearer [redacted:oauth.access_token]', code: 'HANDLER_FAILED' });
    for (const text of [logs(), sent(fake)]) {
      expect(text).not.toContain(ACCESS_TOKEN);
      expect(text).not.toContain('cs-5e6f7a8b');
    }
  });
});

/** A connector with client-credentials OAuth whose `echo` throws with the Authorization header the API saw. */
function oauthConnector(url: string) {
  return defineConnector({
    name: 'Scrub OAuth test',
    auth: oauth2({ grant: 'client_credentials', tokenUrl: `${url}/token` }),
    http: { baseUrl: url },
    methods: (method) => ({
      echo: method({
        description: 'throws with what the API saw',
        input: z.object({}),
        handler: async (_input, ctx) => {
          const seen = await ctx.http.get<{ authorization: string }>('/echo');
          throw new Error(`the API saw ${seen.authorization}`);
        },
      }),
    }),
  });
}

/** A token endpoint that hands out {@link ACCESS_TOKEN}, and `/echo` that answers the Authorization header. */
async function tokenServer(): Promise<Server> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/token') res.end(JSON.stringify({ access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
    else res.end(JSON.stringify({ authorization: req.headers.authorization ?? '' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
