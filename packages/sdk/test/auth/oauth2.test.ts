/**
 * OAuth 2.0 at run time against a local token endpoint and API (reliability.md items 13–18):
 * single-flight refresh, rotation saved before use, expiry edge cases, 401 once, invalid_grant,
 * Retry-After, no redirects on the token endpoint, client credentials.
 */
import createDebug from 'debug';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, oauth2, type OAuth2Options } from '../../src/index.js';
import { createOAuth2Session } from '../../src/auth/oauth2-session.js';
import { finishOAuth, startOAuth } from '../../src/auth/oauth2-flow.js';
import type { TokenSet } from '../../src/auth/oauth2-tokens.js';
import { systemTimers, type Timers } from '../../src/transport/timers.js';
import { startApi, type Reply, type TestApi } from '../support/api-server.js';
import { recordingTimers } from '../support/recording-timers.js';
import { captureLogger, silentLogger } from '../support/logs.js';

const SECRET = 'MARKER-client-secret-3c4d';
let tokenServer: TestApi;
let api: TestApi;
/** Access tokens the API accepts. */
let valid: Set<string>;
/** What the token endpoint answers; `n` counts its requests from 1, so the first token is at-2 (at-1 is stored). */
let tokenReply: (body: URLSearchParams, n: number) => Reply;
let events: string[];

beforeEach(async () => {
  valid = new Set(['at-2']);
  events = [];
  tokenReply = (_body, n) => ({
    body: { access_token: `at-${n + 1}`, refresh_token: `rt-${n + 1}`, expires_in: 3600, token_type: 'Bearer' },
  });
  tokenServer = await startApi((req) => tokenReply(new URLSearchParams(req.body), tokenServer.requests.length));
  api = await startApi((req) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    events.push(`api:${token}`);
    return valid.has(token) ? { body: { ok: true } } : { status: 401, body: { error: 'invalid_token' } };
  });
});
afterEach(async () => {
  await Promise.all([tokenServer.close(), api.close()]);
});

const stored = (over: Partial<TokenSet> = {}): TokenSet => ({
  access_token: 'at-1',
  refresh_token: 'rt-1',
  expires_at: Date.now() - 1000,
  obtained_at: Date.now() - 3_600_000,
  ...over,
});

function setup(
  options: {
    auth?: Partial<OAuth2Options>;
    tokens?: TokenSet | undefined;
    timers?: Timers;
    config?: Record<string, unknown>;
    connectorName?: string;
  } = {},
) {
  const saved: TokenSet[] = [];
  const problems: Array<string | undefined> = [];
  const auth = oauth2({
    authorizationUrl: `${tokenServer.url}/authorize`,
    tokenUrl: `${tokenServer.url}/token`,
    clientId: 'client-1',
    clientSecret: SECRET,
    scopes: ['read'],
    tokenRetries: 2,
    ...options.auth,
  });
  const timers = options.timers ?? systemTimers;
  const session = createOAuth2Session(auth, {
    config: {
      ...('tokens' in options ? (options.tokens ? { oauthResult: options.tokens } : {}) : { oauthResult: stored() }),
      ...options.config,
    },
    env: {},
    logger: silentLogger,
    timers,
    random: () => 0.5,
    http: createHttpClient(),
    saveTokens: async (tokens) => {
      await new Promise((r) => setTimeout(r, 20));
      events.push(`saved:${tokens.refresh_token}`);
      saved.push(tokens);
    },
    onProblem: (p) => problems.push(p),
    ...(options.connectorName === undefined ? {} : { connectorName: () => options.connectorName }),
  });
  const http = createHttpClient({ baseUrl: api.url, retry: false }, { auth: session });
  return { session, http, saved, problems };
}

describe('OAuth 2.0 refresh', () => {
  it('makes exactly 1 token request for 100 concurrent calls with an expired token, and all succeed (item 13)', async () => {
    const { http } = setup();
    const results = await Promise.all(Array.from({ length: 100 }, () => http.get('/me')));
    expect(results.every((r) => (r as { ok: boolean }).ok)).toBe(true);
    expect(tokenServer.requests).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokenServer.requests[0]!.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'client-1',
      client_secret: SECRET,
    });
  });

  it('saves the rotated refresh token before the new access token is used (item 14)', async () => {
    const { http, saved, session } = setup();
    await http.get('/me');
    expect(events).toEqual(['saved:rt-2', 'api:at-2']);
    expect(saved[0]).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2' });
    expect(session.tokens()!.refresh_token).toBe('rt-2');
  });

  it('keeps the old refresh token when the response has none (item 14)', async () => {
    tokenReply = () => ({ body: { access_token: 'at-2', expires_in: 1 } });
    const { http, saved } = setup({ auth: { skewMs: 0 } });
    await http.get('/me');
    expect(saved[0]!.refresh_token).toBe('rt-1');
    await new Promise((r) => setTimeout(r, 1100));
    valid.add('at-2');
    await http.get('/me');
    expect(new URLSearchParams(tokenServer.requests[1]!.body).get('refresh_token')).toBe('rt-1');
  });

  it('refreshes ahead of expiry by the skew (default 5 min), never sending a token about to expire (item 15)', async () => {
    valid.add('at-1');
    const { http } = setup({ tokens: stored({ expires_at: Date.now() + 4 * 60_000, obtained_at: Date.now() - 3_600_000 }) });
    await http.get('/me');
    expect(events).toEqual(['saved:rt-2', 'api:at-2']);
    const fresh = setup({ tokens: stored({ expires_at: Date.now() + 10 * 60_000, obtained_at: Date.now() - 3_600_000 }) });
    events = [];
    await fresh.http.get('/me');
    expect(events).toEqual(['api:at-1']);
  });

  it.each([
    ['0', 0],
    ['negative', -30],
  ])('never sends a token whose expires_in is %s (item 15)', async (_name, expiresIn) => {
    tokenReply = () => ({ body: { access_token: 'at-2', refresh_token: 'rt-2', expires_in: expiresIn } });
    const { http, saved } = setup();
    await expect(http.get('/me')).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('already expired') });
    expect(api.requests).toHaveLength(0);
    // The rotated refresh token was still saved.
    expect(saved[0]!.refresh_token).toBe('rt-2');
  });

  it('uses a token without expires_in until the API rejects it, then refreshes once (item 15)', async () => {
    tokenReply = (_b, n) => ({ body: { access_token: `at-${n + 1}`, refresh_token: `rt-${n + 1}` } });
    const { http, session } = setup();
    await http.get('/me');
    expect(session.tokens()!.expires_at).toBeUndefined();
    valid = new Set(['at-3']);
    await http.get('/me');
    expect(tokenServer.requests).toHaveLength(2);
  });

  it('answers a 401 with one forced refresh and one retry; a second 401 is AUTH_FAILED after 2 requests (item 16)', async () => {
    valid = new Set();
    const { http } = setup({ tokens: stored({ expires_at: Date.now() + 3_600_000, obtained_at: Date.now() }) });
    const error = (await http.get('/me').catch((e: unknown) => e)) as { code: string; status: number };
    expect(error).toMatchObject({ code: 'AUTH_FAILED', status: 401 });
    expect(api.requests).toHaveLength(2);
    expect(tokenServer.requests).toHaveLength(1);
  });

  it('shares one forced refresh among concurrent 401s', async () => {
    valid = new Set(['at-2']);
    const { http } = setup({ tokens: stored({ expires_at: Date.now() + 3_600_000, obtained_at: Date.now() }) });
    await Promise.all(Array.from({ length: 20 }, () => http.get('/me')));
    expect(tokenServer.requests).toHaveLength(1);
  });

  it('stops at invalid_grant: REAUTHORIZATION_REQUIRED, the problem is reported, no more token requests (item 17)', async () => {
    tokenReply = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } });
    const { http, session, problems } = setup();
    const error = (await http.get('/me').catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('REAUTHORIZATION_REQUIRED');
    expect(error.message).toContain("connect the account again with 'workspace oauth connect <connector>'");
    expect(session.problem()).toBe(error.message);
    expect(problems).toEqual([error.message]);
    await expect(http.get('/me')).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
    expect(tokenServer.requests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });

  it.each([429, 503])('backs off after %s and honours Retry-After on the injected clock (item 17)', async (status) => {
    tokenReply = (_b, n) =>
      n === 1
        ? { status, headers: { 'retry-after': '7' }, body: { error: 'slow_down' } }
        : { body: { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 3600 } };
    const timers = recordingTimers();
    const { http } = setup({ timers });
    const pending = http.get('/me');
    await vi.waitFor(() => expect(timers.delays).toContain(7000));
    expect(tokenServer.requests).toHaveLength(1);
    timers.advance(7000);
    expect(await pending).toEqual({ ok: true });
    expect(tokenServer.requests).toHaveLength(2);
  });

  it('gives up after tokenRetries with TOKEN_ENDPOINT_UNAVAILABLE (retryable)', async () => {
    tokenReply = () => ({ status: 500, body: 'oops' });
    const { http, session } = setup({ auth: { tokenRetries: 1 } });
    await expect(http.get('/me')).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_UNAVAILABLE', retryable: true });
    expect(tokenServer.requests).toHaveLength(2);
    expect(session.problem()).toBeUndefined();
  });

  it('never follows a redirect from the token endpoint (item 18)', async () => {
    tokenReply = () => ({ status: 302, headers: { location: `${api.url}/steal` } });
    const { http } = setup();
    await expect(http.get('/me')).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      message: expect.stringContaining('redirects are never followed'),
    });
    expect(api.requests).toHaveLength(0);
  });

  it('asks for a new connection when the token expired and there is no refresh token', async () => {
    const { http, session } = setup({ tokens: stored({ refresh_token: undefined }) });
    await expect(http.get('/me')).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
    expect(session.problem()).toContain('gave no refresh token');
    expect(tokenServer.requests).toHaveLength(0);
  });

  it("names the connector's workspace name in the command to connect again", async () => {
    tokenReply = () => ({ status: 400, body: { error: 'invalid_grant' } });
    const { http } = setup({ connectorName: 'crm-eu' });
    await expect(http.get('/me')).rejects.toMatchObject({
      code: 'REAUTHORIZATION_REQUIRED',
      message: expect.stringContaining("connect the account again with 'workspace oauth connect crm-eu'"),
    });
    expect(setup({ tokens: undefined, connectorName: 'crm-eu' }).session.problem()).toBe(
      "not connected yet: connect the account with 'workspace oauth connect crm-eu'",
    );
  });

  it('reports a token the API rejected (401) as rejected, not as expired, when there is no refresh token', async () => {
    valid = new Set();
    const { http, session } = setup({
      tokens: stored({ refresh_token: undefined, expires_at: Date.now() + 3_600_000, obtained_at: Date.now() }),
      connectorName: 'crm',
    });
    const error = (await http.get('/me').catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('REAUTHORIZATION_REQUIRED');
    expect(error.message).toBe(
      "the API rejected the access token (401) and the provider gave no refresh token to get another: connect the account again with 'workspace oauth connect crm'",
    );
    expect(error.message).not.toContain('expired');
    expect(session.problem()).toBe(error.message);
    expect(api.requests).toHaveLength(1);
    expect(tokenServer.requests).toHaveLength(0);
  });

  it('reports "not connected yet" before any token exists', async () => {
    const { http, session } = setup({ tokens: undefined });
    expect(session.problem()).toBe("not connected yet: connect the account with 'workspace oauth connect <connector>'");
    await expect(http.get('/me')).rejects.toMatchObject({ code: 'REAUTHORIZATION_REQUIRED' });
  });
});

describe('OAuth 2.0 client credentials', () => {
  it('fetches a token once and caches it; Basic client auth when asked', async () => {
    const { http } = setup({
      auth: { grant: 'client_credentials', clientAuth: 'basic', tokenParams: { audience: 'api' } },
      tokens: undefined,
    });
    await Promise.all(Array.from({ length: 10 }, () => http.get('/me')));
    await http.get('/me');
    expect(tokenServer.requests).toHaveLength(1);
    const request = tokenServer.requests[0]!;
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'read',
      audience: 'api',
    });
  });

  it('takes the client from config first when configurable (§6 order: config, env, code)', async () => {
    const { http } = setup({
      auth: { grant: 'client_credentials' },
      tokens: undefined,
      config: { clientId: 'from-config', clientSecret: 'cfg-secret' },
    });
    await http.get('/me');
    expect(new URLSearchParams(tokenServer.requests[0]!.body).get('client_id')).toBe('from-config');
  });
});

describe('start-oauth / finish-oauth', () => {
  const auth = () =>
    oauth2({
      authorizationUrl: `${tokenServer.url}/authorize?tenant=x`,
      tokenUrl: `${tokenServer.url}/token`,
      clientId: 'client 1',
      clientSecret: SECRET,
      scopes: ['read', 'write'],
      authorizationParams: { access_type: 'offline' },
    });

  it('answers the authorization URL with the workspace placeholders left in (§4)', () => {
    expect(startOAuth(auth(), {}, {})).toEqual({
      url: `${tokenServer.url}/authorize?tenant=x&response_type=code&client_id=client%201&redirect_uri={{redirectURI}}&scope=read%20write&code_challenge={{codeChallenge}}&code_challenge_method=S256&access_type=offline`,
      useCodeChallenge: true,
    });
    expect(startOAuth(auth(), {}, { OAUTH_CLIENT_ID: 'env-client', OAUTH_SCOPE: 'a b' }).url).toContain(
      'client_id=env-client&redirect_uri={{redirectURI}}&scope=a%20b&',
    );
  });

  it('fills a v1-style template of the authorization URL', () => {
    const templated = oauth2({
      authorizationUrl: 'https://p.test/auth?client_id={{clientId}}&scope={{scope}}&redirect_uri={{redirectURI}}',
      tokenUrl: 'https://p.test/token',
      clientId: 'c',
      scopes: ['x'],
    });
    expect(startOAuth(templated, {}, {})).toEqual({
      url: 'https://p.test/auth?client_id=c&scope=x&redirect_uri={{redirectURI}}',
      useCodeChallenge: false,
    });
  });

  it('exchanges the code with the PKCE verifier (§6 step 4)', async () => {
    const tokens = await finishOAuth(
      auth(),
      {},
      {},
      { code: 'code-1', redirectURI: 'http://ws/oauth/callback', codeVerifier: 'v'.repeat(43) },
      { timers: systemTimers, random: Math.random, logger: silentLogger },
    );
    expect(tokens).toMatchObject({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 3600 });
    expect(Object.fromEntries(new URLSearchParams(tokenServer.requests[0]!.body))).toMatchObject({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: 'http://ws/oauth/callback',
      code_verifier: 'v'.repeat(43),
    });
  });

  it('rejects malformed finish-oauth arguments with BAD_REQUEST', async () => {
    await expect(
      finishOAuth(auth(), {}, {}, { redirectURI: 'x' }, { timers: systemTimers, random: Math.random, logger: silentLogger }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('secrets of the token endpoint', () => {
  it('keep out of logs and errors, even with DEBUG=simple-oauth2:* turned on (item 23)', async () => {
    const written: string[] = [];
    const originalLog = createDebug.log;
    createDebug.log = (...args: unknown[]) => void written.push(args.map(String).join(' '));
    createDebug.enable('simple-oauth2:*');
    try {
      tokenReply = () => ({ status: 400, body: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } });
      const capture = captureLogger();
      const auth = oauth2({ grant: 'client_credentials', tokenUrl: `${tokenServer.url}/token`, clientId: 'c', clientSecret: SECRET });
      const session = createOAuth2Session(auth, {
        config: {},
        env: {},
        logger: capture.logger,
        timers: systemTimers,
        random: Math.random,
        http: createHttpClient(),
      });
      const error = (await session.credentials().catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('invalid_client: bad secret [redacted]');
      expect([...written, capture.text(), error.message, JSON.stringify(error)].join('\n')).not.toContain(SECRET);
    } finally {
      createDebug.disable();
      createDebug.log = originalLog;
    }
  });
});
