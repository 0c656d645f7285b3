/**
 * The workspace's side of the OAuth flow (protocol.md §6; reliability.md item 18): the admin
 * route that starts a connection, and `GET /oauth/callback` with its `state` checks.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthStateStore } from '../../src/server/oauth-state.js';
import { FakeConnector, addAndRegister, registerBody, startTestWorkspace, type TestWorkspace } from '../helpers.js';

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await startTestWorkspace();
}, 60_000);
afterAll(() => ws?.close());

const AUTHORIZE =
  'https://provider.test/authorize?response_type=code&client_id=c1&redirect_uri={{redirectURI}}&code_challenge={{codeChallenge}}&code_challenge_method=S256';

async function oauthConnector(name: string): Promise<FakeConnector> {
  const schema = registerBody('x').schema as { configSchema: Record<string, unknown> };
  const { key } = await addAndRegister(ws, name, `id-${name}`, {
    protocol: { version: 1, features: ['structured-errors'] },
    schema: { ...schema, configSchema: { ...schema.configSchema, oauth: true } },
  });
  const connector = await FakeConnector.connect(ws, key);
  await connector.waitFor((p) => p.m === 'connector.set-config');
  return connector;
}

/** Starts a connection through the admin API, answering start-oauth as the connector. */
async function begin(connector: FakeConnector, name: string, answer: Record<string, unknown> = { url: AUTHORIZE, useCodeChallenge: true }) {
  const seen = connector.packets('connector.start-oauth').length;
  const pending = ws.api('POST', `connectors/${name}/oauth`);
  const request = await connector.waitFor(
    (p) => p.m === 'connector.start-oauth' && connector.packets('connector.start-oauth').length > seen,
  );
  connector.send({ c: request.c!, a: answer });
  return pending;
}

async function callback(query: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(new URL(`oauth/callback?${query}`, ws.url));
  return { status: res.status, text: await res.text(), headers: res.headers };
}

describe('POST /api/v1/connectors/:name/oauth', () => {
  it('fills the redirect URI and the S256 challenge, and adds a state', async () => {
    const connector = await oauthConnector('oauth-begin');
    const { status, body } = await begin(connector, 'oauth-begin');
    expect(status).toBe(200);
    const url = new URL(body.url);
    expect(url.origin + url.pathname).toBe('https://provider.test/authorize');
    expect(url.searchParams.get('redirect_uri')).toBe(`${ws.url}oauth/callback`);
    expect(body.redirectUri).toBe(`${ws.url}oauth/callback`);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expires) - Date.now()).toBeGreaterThan(9 * 60_000);
    await connector.close();
  });

  it('refuses a connector whose schema does not use OAuth', async () => {
    await addAndRegister(ws, 'oauth-none', 'id-none');
    const { status, body } = await ws.api('POST', 'connectors/oauth-none/oauth');
    expect(status).toBe(400);
    expect(body.error.message).toContain('does not use OAuth');
  });

  it('answers 503 when no instance is online', async () => {
    const schema = registerBody('x').schema as { configSchema: Record<string, unknown> };
    await addAndRegister(ws, 'oauth-offline', 'id-off', { schema: { ...schema, configSchema: { ...schema.configSchema, oauth: true } } });
    expect((await ws.api('POST', 'connectors/oauth-offline/oauth')).status).toBe(503);
  });
});

describe('GET /oauth/callback', () => {
  it('calls finish-oauth with the code, redirect URI and PKCE verifier, stores oauthResult, pushes set-config', async () => {
    const connector = await oauthConnector('oauth-ok');
    const { body } = await begin(connector, 'oauth-ok');
    const started = new URL(body.url);
    const state = started.searchParams.get('state')!;
    const pending = callback(`code=the-code&state=${state}`);
    const finish = await connector.waitFor((p) => p.m === 'connector.finish-oauth');
    expect(finish.a).toEqual({ code: 'the-code', redirectURI: `${ws.url}oauth/callback`, codeVerifier: expect.any(String) });
    expect(createHash('sha256').update(finish.a.codeVerifier).digest('base64url')).toBe(started.searchParams.get('code_challenge'));
    const configsBefore = connector.packets('connector.set-config').length;
    connector.send({ c: finish.c!, a: { value: 'a.jwe.value.from.connector' } });
    const page = await pending;
    expect(page.status).toBe(200);
    expect(page.text).toContain('Connected &quot;oauth-ok&quot;');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await ws.store.getConfig('oauth-ok')).toEqual([
      expect.objectContaining({ field: 'oauthResult', value: 'a.jwe.value.from.connector', secret: true }),
    ]);
    await connector.waitFor(() => connector.packets('connector.set-config').length > configsBefore);
    expect(connector.packets('connector.set-config').at(-1)!.a.secrets.oauthResult).toBe('a.jwe.value.from.connector');
    // The admin API masks it.
    expect(JSON.stringify((await ws.api('GET', 'connectors/oauth-ok/config')).body)).not.toContain('a.jwe.value');

    // Replayed: the same callback again is refused, and the connector hears nothing.
    const replay = await callback(`code=the-code&state=${state}`);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('already used');
    expect(connector.packets('connector.finish-oauth')).toHaveLength(1);
    await connector.close();
  });

  it('refuses a tampered, a missing and an expired state without calling the connector', async () => {
    const connector = await oauthConnector('oauth-bad-state');
    const { body } = await begin(connector, 'oauth-bad-state');
    const state = new URL(body.url).searchParams.get('state')!;
    const tampered = await callback(`code=c&state=${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('is unknown: it was altered');
    const missing = await callback('code=c');
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('without a &quot;state&quot;');
    expect(connector.packets('connector.finish-oauth')).toHaveLength(0);
    // The genuine state still works once after the forgeries.
    const pending = callback(`code=c&state=${state}`);
    const finish = await connector.waitFor((p) => p.m === 'connector.finish-oauth');
    connector.send({ c: finish.c!, a: { error: 'could not exchange the authorization code: invalid_grant', code: 'AUTH_FAILED' } });
    const failed = await pending;
    expect(failed.status).toBe(502);
    expect(failed.text).toContain('AUTH_FAILED: could not exchange the authorization code: invalid_grant');
    await connector.close();
  });

  it('shows the provider refusal, escaped', async () => {
    const connector = await oauthConnector('oauth-denied');
    const { body } = await begin(connector, 'oauth-denied');
    const state = new URL(body.url).searchParams.get('state')!;
    const page = await callback(`error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain('The provider answered access_denied: &lt;script&gt;alert(1)&lt;/script&gt;.');
    expect(page.text).not.toContain('<script>');
    await connector.close();
  });

  it('appends a code challenge when the connector asks for one without the placeholder', async () => {
    const connector = await oauthConnector('oauth-append');
    const { body } = await begin(connector, 'oauth-append', {
      url: 'https://provider.test/auth?redirect_uri={{redirectURI}}',
      useCodeChallenge: true,
    });
    expect(new URL(body.url).searchParams.get('code_challenge_method')).toBe('S256');
    await connector.close();
  });
});

describe('OAuthStateStore', () => {
  it('gives each state once, forgets it after 10 minutes, and tells unknown from used and expired', () => {
    let now = 0;
    const store = new OAuthStateStore({ now: () => now });
    const entry = { connector: 'c', codeVerifier: 'v', redirectUri: 'http://w/oauth/callback' };
    const a = store.create(entry).state;
    const b = store.create(entry).state;
    expect(a).not.toBe(b);
    expect(store.take(a)).toEqual({ ok: true, entry });
    expect(store.take(a)).toEqual({ ok: false, problem: 'used' });
    expect(store.take('forged')).toEqual({ ok: false, problem: 'unknown' });
    expect(store.take(null)).toEqual({ ok: false, problem: 'missing' });
    now = 600_000;
    expect(store.take(b)).toEqual({ ok: false, problem: 'expired' });
    store.create(entry);
    expect(store.size).toBe(1);
  });

  it('keeps at most maxEntries states, dropping the oldest', () => {
    const store = new OAuthStateStore({ maxEntries: 2 });
    const first = store.create({ connector: 'c', codeVerifier: undefined, redirectUri: 'r' }).state;
    store.create({ connector: 'c', codeVerifier: undefined, redirectUri: 'r' });
    store.create({ connector: 'c', codeVerifier: undefined, redirectUri: 'r' });
    expect(store.size).toBe(2);
    expect(store.take(first)).toEqual({ ok: false, problem: 'unknown' });
  });
});
