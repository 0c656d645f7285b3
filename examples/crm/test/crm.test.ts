/**
 * The CRM connector offline, with the SDK's harness: the same dispatch, auth and `ctx.http` as
 * production, against the fake CRM on 127.0.0.1 (test/fake-crm.ts: oidc-provider for OAuth,
 * the API reached through `HTTP_PROXY` so that each tenant has its own host). The harness's clock
 * drives token expiry and `Retry-After`, so no test waits for real time to pass.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ConnectorError, type StoredTokens } from '@connector-kit/sdk';
import { createTestClock, createTestHarness, type TestClock } from '@connector-kit/sdk/testing';
import connector, { apiBaseUrl, type Contact } from '../src/index.js';
import { CASES, type Expected } from './cases.js';
import {
  ACCESS_TOKEN_SECONDS,
  CLIENT_ID,
  CLIENT_SECRET,
  CRM_SITE,
  TENANT,
  authorize,
  newWebhookSecret,
  signWebhook,
  startFakeCrm,
  type FakeCrm,
} from './fake-crm.js';

/** Where the OAuth client is sent back to (a workspace's callback; never requested here). */
const REDIRECT_URI = 'https://workspace.example/oauth/callback';

let crm: FakeCrm;
const savedEnv = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };

beforeAll(async () => {
  crm = await startFakeCrm({ redirectUris: [REDIRECT_URI] });
  // The tenants' hosts (acme.crm.test) resolve nowhere: an HTTP proxy, the fake CRM itself, takes
  // the connector's API requests, as a company proxy would. The token endpoint is on 127.0.0.1.
  process.env.HTTP_PROXY = crm.proxyUrl;
  process.env.NO_PROXY = '127.0.0.1';
}, 30_000);

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await crm?.close();
});

/** A harness for the acme account, connected with `tokens` (a fresh code flow unless given). */
async function connected(clock: TestClock, tokens?: StoredTokens, config: { subdomain?: string } = {}) {
  const oauthResult = tokens ?? ((await authorize(crm, REDIRECT_URI, clock.now())) as StoredTokens);
  const harness = createTestHarness(connector, {
    clock,
    config: { subdomain: TENANT, site: CRM_SITE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, oauthResult, ...config },
    env: { OAUTH_AUTHORIZATION_URL: crm.authorizationUrl, OAUTH_TOKEN_URL: crm.tokenUrl },
  });
  return { harness, oauthResult };
}

/** A call's answer as the e2e test sees it: the result, or the error's code and details. */
async function outcome(call: Promise<unknown>): Promise<Expected> {
  try {
    return { result: await call };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    return { code: error.code, details: error.details };
  }
}

describe('the answers a caller gets (the same as through the workspace: test/crm.test.ts)', () => {
  it.each(CASES)('$name', async (c) => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    c.before?.(crm);
    expect(await outcome(harness.call(c.method as never, c.input as never))).toEqual(c.expected);
  });

  it('waits out Retry-After on the clock, not in real time', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    crm.rateLimitNext(1, '30');
    expect(await harness.call('contacts.get', { id: 'c_3' })).toMatchObject({ id: 'c_3' });
    expect(clock.waits).toEqual([30_000]);
  });

  it('sends a POST again after a 429 (it was not processed), and only once', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    const before = crm.requests.length;
    crm.rateLimitNext(1, '5');
    const created = await harness.call('contacts.create', { name: 'Grace', email: 'grace@acme.example' });
    expect(created).toEqual({ id: expect.stringMatching(/^c_\d+$/), name: 'Grace', email: 'grace@acme.example' });
    expect(clock.waits).toEqual([5000]);
    expect(crm.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/contacts', 'POST /api/v1/contacts']);
    expect(crm.contacts.get(TENANT)!.filter((c) => c.email === 'grace@acme.example')).toHaveLength(1);
  });

  it('answers bad input with INPUT_INVALID before any request', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    const before = crm.requests.length;
    await expect(harness.call('contacts.get', { id: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(crm.requests.length).toBe(before);
  });
});

describe('OAuth: 60 s tokens, rotating refresh tokens', () => {
  it('refreshes when the clock passes the expiry, and saves each rotated token set', async () => {
    const clock = createTestClock();
    const { harness, oauthResult } = await connected(clock);
    expect(oauthResult.expires_in).toBe(ACCESS_TOKEN_SECONDS);
    const tokenRequests = crm.tokenRequests();
    await harness.call('contacts.get', { id: 'c_1' });
    expect(crm.tokenRequests()).toBe(tokenRequests);
    expect(harness.savedTokens).toEqual([]);
    expect(crm.requests.at(-1)!.token).toBe(oauthResult.access_token);

    await clock.advance(61_000);
    await harness.call('contacts.get', { id: 'c_1' });
    expect(crm.tokenRequests()).toBe(tokenRequests + 1);
    expect(harness.savedTokens).toHaveLength(1);
    const [first] = harness.savedTokens;
    expect(first!.refresh_token).toEqual(expect.any(String));
    expect(first!.refresh_token).not.toBe(oauthResult.refresh_token);
    expect(harness.tokens?.access_token).toBe(first!.access_token);
    expect(crm.requests.at(-1)!.token).toBe(first!.access_token);
    // What the workspace would store now.
    expect(harness.config.oauthResult).toEqual(first);
    // The CRM spent the old refresh token.
    const old = await crm.provider.RefreshToken.find(String(oauthResult.refresh_token));
    expect(old === undefined || Boolean(old.consumed)).toBe(true);

    // Again: the second refresh uses the rotated token (the spent one would be invalid_grant).
    await clock.advance(61_000);
    await harness.call('contacts.get', { id: 'c_1' });
    expect(crm.tokenRequests()).toBe(tokenRequests + 2);
    expect(harness.savedTokens).toHaveLength(2);
    expect(harness.savedTokens[1]!.refresh_token).not.toBe(first!.refresh_token);
  });

  it('refreshes once for concurrent calls', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    await clock.advance(61_000);
    const tokenRequests = crm.tokenRequests();
    const results = await Promise.all(['c_1', 'c_2', 'c_3', 'c_4', 'c_5'].map((id) => harness.call('contacts.get', { id })));
    expect(results.map((r) => r.id)).toEqual(['c_1', 'c_2', 'c_3', 'c_4', 'c_5']);
    expect(crm.tokenRequests()).toBe(tokenRequests + 1);
    expect(harness.savedTokens).toHaveLength(1);
  });

  it('asks for the account to be connected again once its refresh token was spent elsewhere', async () => {
    const clock = createTestClock();
    const { harness, oauthResult } = await connected(clock);
    await clock.advance(61_000);
    await harness.call('contacts.get', { id: 'c_1' }); // rotates: oauthResult's refresh token is spent
    const stale = createTestHarness(connector, {
      clock,
      config: { subdomain: TENANT, site: CRM_SITE, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, oauthResult },
      env: { OAUTH_AUTHORIZATION_URL: crm.authorizationUrl, OAUTH_TOKEN_URL: crm.tokenUrl },
      name: 'crm',
    });
    const error = await stale.call('contacts.get', { id: 'c_1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
    expect((error as Error).message).toContain("'workspace oauth connect crm'");
    const tokenRequests = crm.tokenRequests();
    await expect(stale.call('contacts.get', { id: 'c_1' })).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
    expect(crm.tokenRequests()).toBe(tokenRequests); // no second try at the token endpoint
  });
});

describe('pages (declared once for the connector)', () => {
  it('walks every page with contacts.all, and stops fetching at maxItems', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    let before = crm.requests.length;
    const all = await harness.call('contacts.all', { pageSize: 3 });
    expect(all.contacts.map((c) => c.id)).toEqual(expect.arrayContaining(['c_1', 'c_2', 'c_3', 'c_4', 'c_5', 'c_6', 'c_7']));
    expect(all.truncated).toBe(false);
    const pages = crm.requests.slice(before).map((r) => r.query.cursor ?? null);
    expect(pages.slice(0, 3)).toEqual([null, 'cur_3', 'cur_6']);
    expect(pages).toHaveLength(Math.ceil(crm.contacts.get(TENANT)!.length / 3));

    before = crm.requests.length;
    const some = await harness.call('contacts.all', { pageSize: 3, maxItems: 4 });
    expect(some).toEqual({ contacts: crm.contacts.get(TENANT)!.slice(0, 4), truncated: true });
    expect(crm.requests.slice(before).map((r) => r.query.cursor ?? null)).toEqual([null, 'cur_3']);
  });

  it('pages by hand with contacts.list: next goes back in as cursor until it is null', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await harness.call('contacts.list', { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.contacts.map((c) => c.id));
      if (page.next === null) break;
      cursor = page.next;
    }
    expect(seen).toEqual(crm.contacts.get(TENANT)!.map((c) => c.id));
  });

  it('types the one-page helper and the walk from the declared pagination', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    const page = await harness.http.page<Contact>('/contacts', { query: { limit: 2 } });
    expectTypeOf(page).toEqualTypeOf<{ items: Contact[]; next: string | null }>();
    expect(page).toEqual({ items: crm.contacts.get(TENANT)!.slice(0, 2), next: 'cur_2' });
    const rest: Contact[] = [];
    for await (const c of harness.http.paginate<Contact>('/contacts', { cursor: page.next, query: { limit: 2 } })) rest.push(c);
    expect([...page.items, ...rest]).toEqual(crm.contacts.get(TENANT));
  });
});

describe('the tenant host from config', () => {
  it('sends each request to the subdomain of the account', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    await harness.call('contacts.get', { id: 'c_1' });
    expect(crm.requests.at(-1)).toMatchObject({ tenant: TENANT, path: '/api/v1/contacts/c_1' });
    expect(apiBaseUrl({ subdomain: 'acme' })).toBe('https://acme.crm.example/api/v1');
    expect(apiBaseUrl({ subdomain: 'acme', site: 'https://eu.crm.example' })).toBe('https://acme.eu.crm.example/api/v1');
  });

  it('answers NOT_FOUND for an account the CRM does not have', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock, undefined, { subdomain: 'globex' });
    await expect(harness.call('contacts.get', { id: 'c_1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'no CRM account at globex.crm.test',
    });
    expect(crm.requests.at(-1)).toMatchObject({ tenant: 'globex' });
  });

  it.each(['evil.example/x', 'acme.evil.example', 'ACME', ''])(
    'refuses the subdomain %j with CONFIG_INVALID, sending nothing',
    async (subdomain) => {
      const clock = createTestClock();
      const { harness } = await connected(clock, undefined, { subdomain });
      const before = crm.requests.length;
      await expect(harness.call('contacts.get', { id: 'c_1' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      expect(crm.requests.length).toBe(before);
    },
  );

  it('types the config: the fields the connector declares and those its OAuth adds', () => {
    createTestHarness(connector, {
      // @ts-expect-error a misspelt field does not compile
      config: { subdomian: 'acme' },
    });
    createTestHarness(connector, {
      // @ts-expect-error clientId is a string
      config: { clientId: 42 },
    });
    const harness = createTestHarness(connector, { config: { subdomain: 'acme', clientId: 'id', clientSecret: 'secret' } });
    expectTypeOf(harness.config.subdomain).toEqualTypeOf<string | undefined>();
    expectTypeOf(harness.config.clientSecret).toEqualTypeOf<string | undefined>();
  });
});

describe('webhook subscriptions', () => {
  /** Where the workspace would receive the events: checks their Standard Webhooks signatures. */
  async function startReceiver(secret: string) {
    const events: Array<{ valid: boolean; body: unknown }> = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const timestamp = Number(req.headers['webhook-timestamp']);
        const valid = String(req.headers['webhook-signature'])
          .split(' ')
          .includes(signWebhook(secret, id, timestamp, text));
        events.push({ valid, body: JSON.parse(text) });
        res.writeHead(valid ? 200 : 401);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/wh_test`;
    return { url, events, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('subscribes the CRM with the webhook URL and secret, receives signed events, and unsubscribes', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock);
    const secret = newWebhookSecret();
    const receiver = await startReceiver(secret);
    try {
      const state = await harness.subscribeWebhook({ url: receiver.url, secret });
      expect(state).toEqual({ hookId: expect.stringMatching(/^hook_\d+$/) });
      const hookId = (state as { hookId: string }).hookId;
      expect(crm.hooks.get(hookId)).toEqual({ id: hookId, tenant: TENANT, url: receiver.url, secret, events: ['contact.created'] });

      const created = await harness.call('contacts.create', { name: 'Linus', email: 'linus@acme.example' });
      await crm.settled();
      expect(receiver.events).toEqual([{ valid: true, body: { type: 'contact.created', contact: created } }]);
      expect(crm.deliveries.filter((d) => d.hookId === hookId)).toEqual([{ hookId, status: 200 }]);

      await harness.unsubscribeWebhook(state, { url: receiver.url });
      expect(crm.hooks.has(hookId)).toBe(false);
      // Already gone at the CRM: the subscription has ended all the same.
      await expect(harness.unsubscribeWebhook(state, { url: receiver.url })).resolves.toBeUndefined();
    } finally {
      await receiver.close();
    }
  });

  it('fails the attach with the mapped error when the CRM refuses the hook', async () => {
    const clock = createTestClock();
    const { harness } = await connected(clock, undefined, { subdomain: 'globex' });
    await expect(harness.subscribeWebhook({ url: 'http://127.0.0.1:9/hook', secret: newWebhookSecret() })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
