/**
 * The webhook subscription lifecycle in the runtime and the harness (§8 `webhook-subscriptions`,
 * issue 19 item 4): announced only by a connector with `webhooks`, run only where negotiated, the
 * secret decrypted before the hook sees it. End to end in test/webhook-subscriptions.test.ts.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildManifest, ConnectorError, defineConnector, type Connector } from '../../src/index.js';
import { ConnectorRuntime, readRuntimeEnv } from '../../src/internal/index.js';
import { createTestHarness } from '../../src/testing/index.js';
import { loadKeys } from '../../src/runtime/keys.js';
import { encryptSecret, generateKeyPair, importPublicKey, type EncodedKeyPair } from '../../src/secrets/index.js';
import type { KeyRing } from '../../src/runtime/config.js';
import { FakeWorkspace } from '../support/fake-workspace.js';
import { silentLogger } from '../support/logs.js';

const CONNECTOR_ID = 'hooks-1';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const seen: unknown[] = [];

const hooked = defineConnector({
  name: 'Hooked',
  methods: { ping: { description: 'Ping', input: z.object({}), handler: () => ({ ok: true }) } },
  webhooks: {
    subscribe(ctx, webhook) {
      seen.push({ subscribe: webhook });
      if (webhook.url.includes('refuse')) throw new ConnectorError('SUBSCRIBE_REFUSED', 'the provider refused the URL');
      return { hookId: `hook-for-${webhook.name}` };
    },
    unsubscribe(ctx, state, webhook) {
      seen.push({ unsubscribe: state, webhook });
    },
  },
});
const plain = defineConnector({
  name: 'Plain',
  methods: { ping: { description: 'Ping', input: z.object({}), handler: () => ({ ok: true }) } },
});

let pair: EncodedKeyPair;
let ring: KeyRing;
beforeAll(async () => {
  pair = await generateKeyPair(2048);
  ring = loadKeys(readRuntimeEnv({ PRIVATE_KEY: pair.privateKey, PUBLIC_KEY: pair.publicKey }), true).ring;
}, 60_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  seen.length = 0;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(connector: Connector, features: string[]) {
  const fake = await FakeWorkspace.start({ features });
  cleanups.push(() => fake.stop());
  const runtime = new ConnectorRuntime({
    connector,
    connectorId: CONNECTOR_ID,
    version: '1.0.0',
    schema: buildManifest(connector),
    logger: silentLogger,
    keys: ring,
    link: {
      instanceName: 'hooks',
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

const announced = (fake: FakeWorkspace): unknown =>
  (fake.hits.find((h) => h.path.endsWith('connect'))?.body.protocol as { features?: string[] } | undefined)?.features;

describe('webhook subscriptions in the runtime', () => {
  it('announces webhook-subscriptions only for a connector with webhooks', async () => {
    const withHooks = await serve(hooked, ['structured-errors', 'webhook-subscriptions']);
    expect(announced(withHooks.fake)).toContain('webhook-subscriptions');
    expect(withHooks.runtime.link.features.has('webhook-subscriptions')).toBe(true);
    const without = await serve(plain, ['structured-errors', 'webhook-subscriptions']);
    expect(announced(without.fake)).not.toContain('webhook-subscriptions');
    expect(without.runtime.link.features.has('webhook-subscriptions')).toBe(false);
  });

  it('subscribes with the decrypted secret and unsubscribes with the state', async () => {
    const { fake } = await serve(hooked, ['structured-errors', 'webhook-subscriptions']);
    const webhook = { id: 'wh_1', name: 'crm-events', url: 'https://ws.example/event/wh_1' };
    const jwe = await encryptSecret(SECRET, importPublicKey(pair.publicKey), CONNECTOR_ID);
    expect(await fake.request('connector.webhook.subscribe', { webhook: { ...webhook, secret: jwe } })).toEqual({
      state: { hookId: 'hook-for-crm-events' },
    });
    expect(seen[0]).toEqual({ subscribe: { ...webhook, secret: SECRET } });
    expect(await fake.request('connector.webhook.unsubscribe', { webhook, state: { hookId: 'hook-for-crm-events' } })).toEqual({
      ok: true,
    });
    expect(seen[1]).toEqual({ unsubscribe: { hookId: 'hook-for-crm-events' }, webhook });
    // An unsigned webhook has no secret.
    await fake.request('connector.webhook.subscribe', { webhook: { ...webhook, secret: null } });
    expect(seen[2]).toEqual({ subscribe: { ...webhook, secret: null } });
  });

  it("answers the hook's error with its code, and a secret that does not decrypt without calling it", async () => {
    const { fake } = await serve(hooked, ['structured-errors', 'webhook-subscriptions']);
    const refused = await fake.request('connector.webhook.subscribe', {
      webhook: { id: 'w', name: 'n', url: 'https://refuse.example/x', secret: null },
    });
    expect(refused).toMatchObject({ code: 'SUBSCRIBE_REFUSED', error: 'the provider refused the URL' });
    const garbled = await fake.request('connector.webhook.subscribe', {
      webhook: { id: 'w', name: 'n', url: 'https://ws.example/x', secret: 'not-a-jwe' },
    });
    expect(garbled).toHaveProperty('error');
    expect(JSON.stringify(garbled)).not.toContain('not-a-jwe');
    expect(await fake.request('connector.webhook.subscribe', { webhook: { name: 'n' } })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(seen).toHaveLength(1);
  });

  it('answers them as unknown requests where the feature was not negotiated (a v1 workspace)', async () => {
    const { fake } = await serve(hooked, []);
    const answer = await fake.request('connector.webhook.subscribe', {
      webhook: { id: 'w', name: 'n', url: 'https://ws.example/x', secret: null },
    });
    expect(answer).toEqual({ error: 'unknown request "connector.webhook.subscribe"' });
    expect(seen).toEqual([]);
  });
});

describe('webhook subscriptions in the harness', () => {
  it('runs subscribe and unsubscribe as the workspace does', async () => {
    const harness = createTestHarness(hooked);
    const state = await harness.subscribeWebhook({ url: 'https://ws.example/event/wh_t', secret: SECRET, name: 'events' });
    expect(state).toEqual({ hookId: 'hook-for-events' });
    await harness.unsubscribeWebhook(state, { url: 'https://ws.example/event/wh_t', name: 'events' });
    expect(seen).toEqual([
      { subscribe: { id: 'wh_test', name: 'events', url: 'https://ws.example/event/wh_t', secret: SECRET } },
      { unsubscribe: { hookId: 'hook-for-events' }, webhook: { id: 'wh_test', name: 'events', url: 'https://ws.example/event/wh_t' } },
    ]);
    await expect(createTestHarness(plain).subscribeWebhook({ url: 'https://x.example', secret: null })).rejects.toMatchObject({
      code: 'METHOD_NOT_FOUND',
    });
  });
});
