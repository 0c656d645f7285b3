/**
 * Requests to the token endpoint through simple-oauth2: code exchange, refresh and client
 * credentials, with backoff on 5xx/429/network errors (honouring `Retry-After`), `invalid_grant`
 * told apart, and redirects never followed (reliability.md items 17 and 18). `HTTPS_PROXY`,
 * `HTTP_PROXY` and `NO_PROXY` apply: the proxy's agent goes to simple-oauth2's HTTP client.
 */
import type { ClientRequest } from 'node:http';
import type { ModuleOptions } from 'simple-oauth2';
import type { Logger } from 'pino';
import { ConnectorError } from '../errors.js';
import { redactText } from '../http/redact.js';
import { parseRetryAfter, retryDelay, retryPolicy } from '../http/retry.js';
import { sleep, type Timers } from '../transport/timers.js';
import { isProxyConnectFailure, proxyAgentFor, proxyAnswerError, proxyUnreachableError, type ProxiedAgent } from '../proxy/index.js';
import { connectHint, grantOf, type OAuth2Auth, type OAuthClient } from './oauth2.js';
import type * as SimpleOAuth2 from 'simple-oauth2';
import type Debug from 'debug';

/** Code of the error raised when the grant is gone and a person must connect the account again. */
export const REAUTHORIZATION_REQUIRED = 'REAUTHORIZATION_REQUIRED';

/** What a token endpoint needs besides the client. */
export interface TokenEndpointDeps {
  timers: Timers;
  random: () => number;
  logger: Logger;
  /** The connector's name in the workspace, for `workspace oauth connect <name>`. @default none */
  connectorName?: (() => string | undefined) | undefined;
}

/** The failure of one token request, before deciding whether to try again. */
interface Failure {
  status: number | undefined;
  retryable: boolean;
  retryAfterMs: number | undefined;
  error: ConnectorError;
}

let debugLibrary: Promise<typeof Debug> | undefined;

/**
 * simple-oauth2 logs client secrets and tokens through `debug` when `DEBUG` enables its
 * namespace: keep that namespace off whatever `DEBUG` says (reliability.md item 23). Runs before
 * every token request; `debug` (~10 ms to load) is loaded then, not when the connector starts.
 */
async function silenceLibraryDebug(): Promise<void> {
  debugLibrary ??= import('debug').then((mod) => mod.default);
  const createDebug = await debugLibrary;
  if (!createDebug.enabled('simple-oauth2:client') && !createDebug.enabled('simple-oauth2:request-options')) return;
  const current = createDebug.disable();
  createDebug.enable(`${current ? `${current},` : ''}-simple-oauth2:*`);
}

type OAuthLibrary = typeof SimpleOAuth2;
let library: Promise<OAuthLibrary> | undefined;

/** simple-oauth2 (and joi under it) cost ~190 ms and 16 MB at start: loaded on the first token request only. */
function oauthLibrary(): Promise<OAuthLibrary> {
  library ??= import('simple-oauth2').then((mod) => (mod as OAuthLibrary & { default?: OAuthLibrary }).default ?? mod);
  return library;
}

/** One OAuth client's token endpoint. */
export class TokenEndpoint {
  readonly #client: OAuthClient;
  readonly #auth: OAuth2Auth;
  readonly #deps: TokenEndpointDeps;
  readonly #options: ModuleOptions;
  readonly #url: URL;
  /** The proxy's agent, once looked up (undefined: direct); see {@link TokenEndpoint.#prepare}. */
  #proxied: Promise<ProxiedAgent | undefined> | undefined;

  constructor(client: OAuthClient, auth: OAuth2Auth, deps: TokenEndpointDeps) {
    this.#client = client;
    this.#auth = auth;
    this.#deps = deps;
    try {
      this.#url = new URL(client.tokenUrl);
    } catch {
      throw new ConnectorError('OAUTH_CLIENT_MISSING', `the OAuth token URL ${JSON.stringify(client.tokenUrl)} is not a URL`);
    }
    this.#options = {
      client: { id: client.clientId, secret: client.clientSecret ?? '' },
      auth: { tokenHost: this.#url.origin, tokenPath: `${this.#url.pathname}${this.#url.search}` },
      // §6: client id and secret as body fields, or as Basic auth when configured.
      options: { authorizationMethod: auth.clientAuth === 'basic' ? 'header' : 'body' },
      // Redirects off: a token endpoint that redirects is misconfigured or hijacked (item 18).
      http: { redirects: false, timeout: auth.tokenTimeoutMs ?? 30_000 } as ModuleOptions['http'],
    };
  }

  /** §6 step 4: exchanges an authorization code. */
  exchangeCode(code: string, redirectUri: string, codeVerifier: string | undefined): Promise<Record<string, unknown>> {
    const params = { code, redirect_uri: redirectUri, ...(codeVerifier ? { code_verifier: codeVerifier } : {}), ...this.#auth.tokenParams };
    return this.#withRetries('exchange the authorization code', [code, codeVerifier ?? ''], async () => {
      const { AuthorizationCode } = await oauthLibrary();
      const token = await new AuthorizationCode(this.#options).getToken(params as never);
      return token.token as Record<string, unknown>;
    });
  }

  /** Exchanges a refresh token for a new token set. */
  refresh(refreshToken: string): Promise<Record<string, unknown>> {
    return this.#withRetries('refresh the access token', [refreshToken], async () => {
      const { AuthorizationCode } = await oauthLibrary();
      const grant = new AuthorizationCode(this.#options);
      const token = await grant.createToken({ refresh_token: refreshToken }).refresh({ ...this.#auth.tokenParams });
      return token.token as Record<string, unknown>;
    });
  }

  /** Fetches a token with the client credentials grant. */
  clientCredentials(): Promise<Record<string, unknown>> {
    const scope = this.#client.scope;
    return this.#withRetries('fetch a client credentials token', [], async () => {
      const { ClientCredentials } = await oauthLibrary();
      const token = await new ClientCredentials(this.#options).getToken({ ...(scope ? { scope } : {}), ...this.#auth.tokenParams });
      return token.token as Record<string, unknown>;
    });
  }

  async #withRetries(what: string, secrets: string[], request: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const policy = retryPolicy({
      retries: this.#auth.tokenRetries ?? 3,
      maxRetryAfterMs: this.#auth.maxRetryAfterMs ?? 60_000,
      baseMs: 500,
      capMs: 30_000,
    });
    for (let attempt = 0; ; attempt++) {
      await silenceLibraryDebug();
      const proxied = await this.#prepare();
      try {
        const started = this.#deps.timers.now();
        const response = await request();
        this.#deps.logger.debug({ grant: grantOf(this.#auth), ms: this.#deps.timers.now() - started }, `oauth: ${what}: done`);
        return response;
      } catch (error) {
        const failure = this.#classify(error, what, secrets, proxied);
        const tooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs;
        if (!failure.retryable || attempt >= policy.retries || tooLong) throw failure.error;
        const delay = retryDelay(policy, attempt, failure.retryAfterMs, this.#deps.random);
        this.#deps.logger.warn({ status: failure.status, attempt: attempt + 1, delayMs: delay }, `oauth: could not ${what}; trying again`);
        await sleep(this.#deps.timers, delay);
      }
    }
  }

  /** Looks the proxy up once (loading its agent when there is one) and hands the agent to simple-oauth2. */
  #prepare(): Promise<ProxiedAgent | undefined> {
    this.#proxied ??= Promise.resolve(proxyAgentFor(this.#url)).then((proxied) => {
      if (proxied !== undefined) (this.#options.http as { agent?: unknown }).agent = proxied.agent;
      return proxied;
    });
    return this.#proxied;
  }

  #classify(error: unknown, what: string, requestSecrets: string[], proxied: ProxiedAgent | undefined): Failure {
    const e = error as {
      isBoom?: boolean;
      message?: string;
      data?: { res?: { statusCode?: number; headers?: Record<string, unknown>; req?: ClientRequest }; payload?: unknown };
    };
    const secrets = [...requestSecrets, this.#client.clientSecret ?? ''];
    const where = `the token endpoint ${this.#url.origin}${this.#url.pathname}`;
    const status = e?.data?.res?.statusCode;
    if (proxied !== undefined) {
      // The proxy's refusal (407, a refused CONNECT) or outage, told apart from the endpoint's answer.
      const refused = status === undefined ? undefined : proxied.refusal(e.data?.res?.req, status);
      const proxyError =
        refused !== undefined
          ? proxyAnswerError(proxied.route, refused, `${what} at ${where}`)
          : status === undefined && isProxyConnectFailure(error, proxied.route)
            ? proxyUnreachableError(proxied.route, `${what} at ${where}`, redactText(e?.message ?? String(error), secrets))
            : undefined;
      if (proxyError !== undefined) return { status, retryable: proxyError.retryable, retryAfterMs: undefined, error: proxyError };
    }
    if (status === undefined) {
      // No answer: refused, reset, timed out.
      const reason = redactText(e?.message ?? String(error), secrets);
      return {
        status,
        retryable: true,
        retryAfterMs: undefined,
        error: new ConnectorError('TOKEN_ENDPOINT_UNAVAILABLE', `could not ${what}: ${where} did not answer (${reason})`, {
          retryable: true,
        }),
      };
    }
    const header = e.data?.res?.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof header === 'string' ? header : undefined, this.#deps.timers.now());
    if (status >= 300 && status < 400) {
      return {
        status,
        retryable: false,
        retryAfterMs,
        error: new ConnectorError(
          'AUTH_FAILED',
          `could not ${what}: ${where} answered ${status} (a redirect); redirects are never followed on the token endpoint: set tokenUrl to the endpoint itself`,
        ),
      };
    }
    if (status === 429 || status >= 500) {
      const wait = retryAfterMs === undefined ? '' : ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)`;
      return {
        status,
        retryable: true,
        retryAfterMs,
        error: new ConnectorError('TOKEN_ENDPOINT_UNAVAILABLE', `could not ${what}: ${where} answered ${status}${wait}; try again later`, {
          retryable: true,
        }),
      };
    }
    const payload = e.data?.payload;
    const body = typeof payload === 'object' && payload !== null && !Buffer.isBuffer(payload) ? (payload as Record<string, unknown>) : {};
    const code = typeof body.error === 'string' ? body.error : undefined;
    const description = typeof body.error_description === 'string' ? redactText(body.error_description.slice(0, 300), secrets) : undefined;
    const detail = `${code ?? `HTTP ${status}`}${description ? `: ${description}` : ''}`;
    if (code === 'invalid_grant') {
      return {
        status,
        retryable: false,
        retryAfterMs,
        error: new ConnectorError(
          REAUTHORIZATION_REQUIRED,
          `could not ${what}: ${where} answered invalid_grant (${description ?? 'the grant was revoked or expired'}); ${connectHint(this.#deps.connectorName?.(), true)}`,
          { details: { oauthError: code } },
        ),
      };
    }
    const hint =
      status === 200
        ? 'its answer is not JSON'
        : code === 'invalid_client' || code === 'unauthorized_client'
          ? 'check the OAuth client id and secret'
          : 'check the OAuth settings';
    return {
      status,
      retryable: false,
      retryAfterMs,
      error: new ConnectorError('AUTH_FAILED', `could not ${what}: ${where} answered ${status} ${detail}; ${hint}`, {
        details: { status, ...(code ? { oauthError: code } : {}) },
      }),
    };
  }
}
