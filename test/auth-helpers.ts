/**
 * Pieces of the auth end-to-end tests: a real OAuth 2.0 authorization server (oidc-provider)
 * on 127.0.0.1, a resource API that checks its tokens, consent driven with plain HTTP
 * (cookies and form posts), connectors run in-process with their logs captured, and the
 * search for planted secrets in everything that was written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { runConnector, type Connector, type RunningConnector } from '@connector-kit/sdk';
import { createLogger } from '@connector-kit/sdk/internal';
import { generateKeyPair, type EncodedKeyPair } from '@connector-kit/sdk/secrets';
import type { Workspace } from '@connector-kit/workspace';

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

/** A running oidc-provider. */
export interface AuthorizationServer {
  issuer: string;
  provider: Provider;
  /** Requests to the token endpoint so far. */
  tokenRequests: () => number;
  close: () => Promise<void>;
}

/** Starts oidc-provider with the given clients: PKCE required, refresh tokens rotated. */
export async function startAuthorizationServer(clients: Configuration['clients']): Promise<AuthorizationServer> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  let tokenRequests = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/token')) tokenRequests += 1;
    handler(req, res);
  });
  const issuer = await listen(server);
  // Loaded here: only the files that run an authorization server pay for it (and its Node 20 warning).
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, {
    clients,
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    // Rotation (reliability.md item 14): every refresh consumes the old refresh token.
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['auth-e2e-cookie-key'] },
    ttl: { AccessToken: 3600, ClientCredentials: 600, RefreshToken: 86_400, Grant: 86_400, Interaction: 600, Session: 3600 },
  });
  // oidc-provider reports server errors on the console: keep test output clean.
  provider.on('server_error', () => undefined);
  handler = provider.callback();
  return { issuer, provider, tokenRequests: () => tokenRequests, close: () => closeServer(server) };
}

/** A resource API: `GET /me` answers 200 when `validate` accepts the bearer token, else 401. */
export interface ResourceApi {
  url: string;
  /** Bearer tokens seen, in order. */
  tokens: string[];
  close: () => Promise<void>;
}

export async function startResourceApi(validate: (token: string) => Promise<boolean>): Promise<ResourceApi> {
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    tokens.push(token);
    void validate(token).then(
      (ok) => {
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? { user: 'ada', path: req.url } : { error: 'invalid_token' }));
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  const url = await listen(server);
  return { url, tokens, close: () => closeServer(server) };
}

/**
 * Plays the person in the browser: opens the authorization URL, signs in and consents on
 * oidc-provider's development pages, and returns the URL the provider finally redirects to
 * (the workspace callback, not yet requested).
 */
export async function consent(authorizationUrl: string, stopAt: string): Promise<string> {
  const jar = new Map<string, string>();
  const cookieHeader = (): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response): void => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  let url = authorizationUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return url;
    const res = await fetch(url, { method, redirect: 'manual', headers: { cookie: cookieHeader() }, ...(body ? { body } : {}) });
    remember(res);
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
 * A debug-level logger that keeps everything written to it: the SDK's logger (with its
 * redaction, as connectors run it) or, for the workspace, plain pino as `workspace serve` uses.
 */
export function captureLogs(kind: 'connector' | 'workspace' = 'connector') {
  const chunks: string[] = [];
  const destination = { write: (line: string) => void chunks.push(line) } as unknown as NodeJS.WritableStream;
  const logger =
    kind === 'connector' ? createLogger({ level: 'debug', destination }) : pino({ level: 'debug' }, destination as pino.DestinationStream);
  return { logger, text: () => chunks.join('') };
}

/** One key pair for the connectors of a test file (generating one takes a while). */
let keys: Promise<EncodedKeyPair> | undefined;
export function connectorKeys(): Promise<EncodedKeyPair> {
  keys ??= generateKeyPair(2048);
  return keys;
}

/** Runs `connector` in this process against `ws`, registered with `token`, logging at debug into a capture. */
export async function runInProcess(connector: Connector, ws: Workspace, token: string, env: Record<string, string> = {}) {
  const pair = await connectorKeys();
  const logs = captureLogs();
  const running: RunningConnector = runConnector(connector, {
    handleSignals: false,
    logger: logs.logger,
    env: {
      DEVICE_ENDPOINT: ws.deviceEndpoint,
      WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
      REGISTRATION_TOKEN: token,
      PRIVATE_KEY: pair.privateKey,
      PUBLIC_KEY: pair.publicKey,
      HOSTNAME: `${connector.definition.name}-e2e`,
      ...env,
    },
  });
  await running.ready;
  return { running, logs, keys: pair };
}

/** Every place where a secret must not appear, joined; and the markers found in it. */
export function leaks(haystacks: readonly string[], secrets: readonly string[]): string[] {
  const all = haystacks.join('\n');
  return secrets.filter((s) => s.length >= 6 && all.includes(s));
}
