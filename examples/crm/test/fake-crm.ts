/**
 * The CRM the tests run against, on 127.0.0.1: a real OAuth 2.0 authorization server
 * (oidc-provider: authorization code with PKCE, 60 s access tokens, refresh tokens rotated on
 * every use) and the CRM's API, which serves each tenant at its own host. The API is reached as
 * an HTTP proxy would forward it (`HTTP_PROXY` pointing here; the request line carries the whole
 * URL), so `https://<tenant>.crm.test` style hosts work without DNS: the tenant comes from the
 * host, as at the real CRM. It answers the CRM's ways: cursor pages, 404 and 422 bodies, 429
 * with `Retry-After` on demand, and REST hooks whose events it signs the Standard Webhooks way.
 * Used by the example's own tests and by the end-to-end test in test/crm.test.ts.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';

/** The domain the fake CRM's tenants live under: `http://<tenant>.crm.test`. */
export const CRM_DOMAIN = 'crm.test';
/** The `site` config value that points the connector at the fake CRM. */
export const CRM_SITE = `http://${CRM_DOMAIN}`;
/** The tenant that exists. */
export const TENANT = 'acme';
/** The OAuth client the tests configure (clientId/clientSecret config fields). */
export const CLIENT_ID = 'crm-connector';
export const CLIENT_SECRET = 'crm-client-secret-MARKER-7c3e';
/** Lifetime of an access token, in seconds. */
export const ACCESS_TOKEN_SECONDS = 60;

export interface Contact {
  id: string;
  name: string;
  email: string;
}

export interface Hook {
  id: string;
  tenant: string;
  url: string;
  secret: string;
  events: string[];
}

/** One request the API saw. */
export interface SeenRequest {
  method: string;
  tenant: string;
  path: string;
  query: Record<string, string>;
  token: string;
}

export interface FakeCrm {
  /** Origin of the API server: what `HTTP_PROXY` is set to. */
  proxyUrl: string;
  /** The authorization server's issuer (its `/auth` and `/token`). */
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  provider: Provider;
  /** Contacts per tenant, in list order. */
  contacts: Map<string, Contact[]>;
  hooks: Map<string, Hook>;
  /** Statuses the hooks' URLs answered to the events sent to them, in order. */
  deliveries: Array<{ hookId: string; status: number }>;
  requests: SeenRequest[];
  /** Requests to the token endpoint so far. */
  tokenRequests: () => number;
  /** The next `count` API requests are answered 429 with `Retry-After: retryAfter`. */
  rateLimitNext: (count: number, retryAfter: string) => void;
  /** Signs `body` with `hook`'s secret (or `signWith`) and posts it to the hook's URL; resolves to the status. */
  send: (hook: Pick<Hook, 'id' | 'url' | 'secret'>, body: string, signWith?: string) => Promise<number>;
  /** Resolves once every event sent so far has been answered. */
  settled: () => Promise<void>;
  close: () => Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** The Standard Webhooks signature of one message: `v1,<base64 HMAC-SHA256>` keyed with the secret's bytes. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A new Standard Webhooks secret, as a workspace makes one. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Starts the authorization server and the API. `redirectUris`: where the OAuth client may be sent back to. */
export async function startFakeCrm(options: { redirectUris: string[] }): Promise<FakeCrm> {
  // The authorization server.
  let oauthHandler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  let tokenRequests = 0;
  const oauthServer = createServer((req, res) => {
    if (req.url?.startsWith('/token')) tokenRequests += 1;
    oauthHandler(req, res);
  });
  const issuer = await listen(oauthServer);
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'contacts'],
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    // Every refresh consumes the refresh token it used and hands out a new one.
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['fake-crm-cookie-key'] },
    ttl: { AccessToken: ACCESS_TOKEN_SECONDS, RefreshToken: 86_400, Grant: 86_400, Interaction: 600, Session: 3600, IdToken: 3600 },
  });
  provider.on('server_error', () => undefined);
  oauthHandler = provider.callback();

  // The API.
  const contacts = new Map<string, Contact[]>([
    [TENANT, Array.from({ length: 7 }, (_, i) => ({ id: `c_${i + 1}`, name: `Contact ${i + 1}`, email: `contact${i + 1}@acme.example` }))],
  ]);
  const hooks = new Map<string, Hook>();
  const deliveries: FakeCrm['deliveries'] = [];
  const requests: SeenRequest[] = [];
  const pending = new Set<Promise<unknown>>();
  let limited: { count: number; retryAfter: string } = { count: 0, retryAfter: '0' };
  let hookCounter = 0;

  const send: FakeCrm['send'] = async (hook, body, signWith = hook.secret) => {
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(signWith, id, timestamp, body),
      },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Forwarded by a proxy, the request line is the whole URL; sent directly, the Host header names the tenant.
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'unknown'}`);
    const tenant = url.hostname.endsWith(`.${CRM_DOMAIN}`) ? url.hostname.slice(0, -CRM_DOMAIN.length - 1) : '';
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const text = await readBody(req);
    requests.push({ method: req.method ?? 'GET', tenant, path: url.pathname, query: Object.fromEntries(url.searchParams), token });
    const list = contacts.get(tenant);
    if (list === undefined) return reply(res, 404, { error: { type: 'no_account', message: `no CRM account at ${url.hostname}` } });
    const access = token === '' ? undefined : await provider.AccessToken.find(token);
    if (access === undefined || access.isExpired) {
      return reply(res, 401, { error: { type: 'invalid_token', message: 'the access token is missing, expired or revoked' } });
    }
    if (limited.count > 0) {
      limited.count -= 1;
      return reply(res, 429, { error: { type: 'rate_limited', message: 'slow down' } }, { 'retry-after': limited.retryAfter });
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /api/v1/contacts') {
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 25) || 25));
      const cursor = url.searchParams.get('cursor');
      const start = cursor === null ? 0 : Number(/^cur_(\d+)$/.exec(cursor)?.[1] ?? NaN);
      if (!Number.isInteger(start)) return reply(res, 400, { error: { type: 'bad_cursor', message: 'unknown cursor' } });
      const data = list.slice(start, start + limit);
      return reply(res, 200, { data, next_cursor: start + limit < list.length ? `cur_${start + limit}` : null });
    }
    const one = /^\/api\/v1\/contacts\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const id = decodeURIComponent(one[1]!);
      const found = list.find((c) => c.id === id);
      return found ? reply(res, 200, found) : reply(res, 404, { error: { type: 'not_found', message: `no contact ${id}` } });
    }
    if (route === 'POST /api/v1/contacts') {
      const input = JSON.parse(text || '{}') as Partial<Contact>;
      const errors: Array<{ attribute: string; detail: string; code: string }> = [];
      if (!input.name?.trim()) errors.push({ attribute: 'name', detail: 'is required', code: 'blank' });
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email ?? '')) {
        errors.push({ attribute: 'email', detail: 'is not an email address', code: 'invalid_format' });
      } else if (list.some((c) => c.email === input.email)) {
        errors.push({ attribute: 'email', detail: 'has already been taken', code: 'taken' });
      }
      if (errors.length > 0) return reply(res, 422, { error: { type: 'validation', message: 'the contact is invalid', errors } });
      const created: Contact = { id: `c_${list.length + 1}`, name: input.name!, email: input.email! };
      list.push(created);
      const event = JSON.stringify({ type: 'contact.created', contact: created });
      for (const hook of hooks.values()) {
        if (hook.tenant !== tenant || !hook.events.includes('contact.created')) continue;
        const delivery = send(hook, event).then(
          (status) => void deliveries.push({ hookId: hook.id, status }),
          () => void deliveries.push({ hookId: hook.id, status: 0 }),
        );
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
      return reply(res, 201, created);
    }
    if (route === 'POST /api/v1/hooks') {
      const input = JSON.parse(text || '{}') as Partial<Hook>;
      if (typeof input.url !== 'string' || typeof input.secret !== 'string' || !Array.isArray(input.events)) {
        return reply(res, 422, {
          error: { type: 'validation', message: 'the hook is invalid', errors: [{ attribute: 'url', detail: 'is required' }] },
        });
      }
      const hook: Hook = { id: `hook_${++hookCounter}`, tenant, url: input.url, secret: input.secret, events: input.events };
      hooks.set(hook.id, hook);
      return reply(res, 201, { id: hook.id });
    }
    const hook = /^\/api\/v1\/hooks\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && hook) {
      const id = decodeURIComponent(hook[1]!);
      if (hooks.get(id)?.tenant !== tenant) return reply(res, 404, { error: { type: 'not_found', message: `no hook ${id}` } });
      hooks.delete(id);
      return reply(res, 204);
    }
    reply(res, 404, { error: { type: 'no_route', message: `no route ${route}` } });
  };
  const api = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: { type: 'bug', message: String(error) } }));
  });
  const proxyUrl = await listen(api);

  return {
    proxyUrl,
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    provider,
    contacts,
    hooks,
    deliveries,
    requests,
    tokenRequests: () => tokenRequests,
    rateLimitNext: (count, retryAfter) => void (limited = { count, retryAfter }),
    send,
    settled: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      await Promise.all([closeServer(api), closeServer(oauthServer)]);
    },
  };
}

/**
 * Plays the person in the browser: follows the authorization URL, signs in and consents on
 * oidc-provider's development pages, and returns the URL the provider redirects to at the end
 * (the client's redirect URI with `code` and `state`, not requested).
 */
export async function consent(authorizationUrl: string, stopAt: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return url;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      ...(body ? { body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`consent: ${url} answered ${res.status}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1] ?? 'consent';
    if (!action) throw new Error(`consent: no form at ${url}: ${html.slice(0, 300)}`);
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    method = 'POST';
    body = new URLSearchParams(prompt === 'login' ? { prompt, login: 'ada', password: 'any' } : { prompt });
  }
  throw new Error('consent: too many steps');
}

/**
 * The whole authorization code flow as a workspace runs it (§6), for tests without one: PKCE,
 * consent, the code exchanged at the token endpoint. Resolves to the token set as the workspace
 * stores it (`oauthResult`), `obtained_at`/`expires_at` in epoch ms of `now`.
 */
export async function authorize(crm: FakeCrm, redirectUri: string, now: number = Date.now()): Promise<Record<string, unknown>> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const start = new URL(crm.authorizationUrl);
  start.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: 'openid contacts',
    state: randomUUID(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const back = new URL(await consent(start.href, redirectUri));
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`authorize: no code in ${back.href}`);
  const res = await fetch(crm.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }),
  });
  const tokens = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`authorize: the token endpoint answered ${res.status}: ${JSON.stringify(tokens)}`);
  return { ...tokens, obtained_at: now, expires_at: now + Number(tokens.expires_in) * 1000 };
}
