/**
 * `oauth2()`: OAuth 2.0 with the authorization code grant (a person connects once in the
 * workspace, §6) or the client credentials grant (the connector fetches its own tokens).
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';

/** The managed config field that holds the token set (§2, §4 `finish-oauth`). */
export const OAUTH_RESULT_FIELD = 'oauthResult';

/** Options of {@link oauth2}. */
export interface OAuth2Options {
  /** The grant. @default 'authorization_code' */
  grant?: 'authorization_code' | 'client_credentials';
  /** Where the person is sent to consent (authorization code only). Env `OAUTH_AUTHORIZATION_URL` overrides it. */
  authorizationUrl?: string;
  /** The token endpoint. Env `OAUTH_TOKEN_URL` overrides it. Redirects from it are never followed. */
  tokenUrl?: string;
  /** Scopes to ask for. Env `OAUTH_SCOPE` (space separated) overrides them. @default [] */
  scopes?: readonly string[];
  /** Send a PKCE S256 code challenge (reliability.md item 18). @default true */
  pkce?: boolean;
  /** How the client authenticates at the token endpoint: body fields or HTTP Basic (§6). @default 'body' */
  clientAuth?: 'body' | 'basic';
  /** Adds config fields for the client id and secret, so each workspace brings its own OAuth app. @default true for client_credentials, else false */
  configurableClient?: boolean;
  /** Client id when neither config nor env `OAUTH_CLIENT_ID` sets one. @default none */
  clientId?: string;
  /** Client secret when neither config nor env `OAUTH_CLIENT_SECRET` sets one. @default none */
  clientSecret?: string;
  /** Extra parameters of the authorization URL, e.g. `{ access_type: 'offline', prompt: 'consent' }`. @default {} */
  authorizationParams?: Record<string, string>;
  /** Extra parameters of every token request, e.g. `{ audience: '…' }`. @default {} */
  tokenParams?: Record<string, string>;
  /** Refresh this long before a token expires, in ms (at most half its lifetime). @default 300000 */
  skewMs?: number;
  /** Retries of a token request after 5xx, 429 or a network error. @default 3 */
  tokenRetries?: number;
  /** Deadline of one token request, in ms. @default 30000 */
  tokenTimeoutMs?: number;
  /** Longest `Retry-After` of the token endpoint that is waited for, in ms. @default 60000 */
  maxRetryAfterMs?: number;
}

/** A token set as the workspace stores it (`oauthResult`): what a test passes as config, too. */
export type StoredTokens = {
  readonly access_token: string;
  readonly refresh_token?: string;
  /** Epoch ms (or a date string); absent: unknown, used until a 401. */
  readonly expires_at?: number | string;
  /** Epoch ms when the set was received. */
  readonly obtained_at?: number;
  readonly [extra: string]: unknown;
};

/** The config fields of the client, when the OAuth client is configurable (an alias: only aliases are assignable to an index-signature config type). */
export type OAuthClientConfig = {
  readonly clientId: string;
  readonly clientSecret: string;
};

/** The config fields `oauth2(options)` adds, from its `grant` and `configurableClient` (see {@link oauth2Fields}). */
export type OAuth2Config<O extends OAuth2Options> = (O['configurableClient'] extends true
  ? OAuthClientConfig
  : O['configurableClient'] extends false
    ? unknown
    : O['grant'] extends 'client_credentials'
      ? OAuthClientConfig
      : unknown) &
  (O['grant'] extends 'client_credentials' ? unknown : { readonly oauthResult?: StoredTokens });

/** An OAuth 2.0 auth, as declared. `Config` is what it adds to `ctx.config`. */
export interface OAuth2Auth<Config = unknown> extends OAuth2Options {
  readonly type: 'oauth2';
  /** Phantom: the config fields this auth adds, for `ctx.config`'s type. */
  readonly __config?: Config;
}

/**
 * Declares OAuth 2.0:
 * `auth: oauth2({ authorizationUrl, tokenUrl, scopes: ['contacts.read'] })`.
 */
export function oauth2<const O extends OAuth2Options>(options: O): OAuth2Auth<OAuth2Config<O>> {
  return { ...options, type: 'oauth2' };
}

/** The grant of `auth`, default applied. */
export function grantOf(auth: OAuth2Auth): 'authorization_code' | 'client_credentials' {
  return auth.grant ?? 'authorization_code';
}

function configurable(auth: OAuth2Auth): boolean {
  return auth.configurableClient ?? grantOf(auth) === 'client_credentials';
}

/** Config fields: the managed `oauthResult` (authorization code) and, when configurable, the client. */
export function oauth2Fields(auth: OAuth2Auth): Record<string, ConfigFieldSchema> {
  const fields: Record<string, ConfigFieldSchema> = {};
  if (configurable(auth)) {
    fields.clientId = {
      name: 'OAuth client ID',
      type: 'line',
      plain: true,
      description: 'The client ID of the OAuth app registered with the provider.',
    };
    fields.clientSecret = { name: 'OAuth client secret', type: 'line', description: 'The client secret of that OAuth app.' };
  }
  if (grantOf(auth) === 'authorization_code') {
    fields[OAUTH_RESULT_FIELD] = {
      name: 'OAuth connection',
      type: 'managed',
      optional: true,
      description: 'Tokens stored by the workspace after a person connects the account.',
    };
  }
  return fields;
}

/**
 * What to tell a person who must connect the account (again): the workspace command, with the
 * connector's name in the workspace when it is known.
 */
export function connectHint(connectorName: string | undefined, again = false): string {
  return `connect the account${again ? ' again' : ''} with 'workspace oauth connect ${connectorName || '<connector>'}'`;
}

/** The OAuth client and endpoints in effect: config, then env, then the connector's code (§6). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string | undefined;
  scope: string;
  authorizationUrl: string | undefined;
  tokenUrl: string;
}

function pick(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/**
 * Resolves the client (§6 order: config when configurable, env, code).
 * @throws ConnectorError `OAUTH_CLIENT_MISSING` naming what to set
 */
export function resolveOAuthClient(
  auth: OAuth2Auth,
  config: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): OAuthClient {
  const fromConfig = configurable(auth) ? config : {};
  const clientId = pick(fromConfig.clientId, env.OAUTH_CLIENT_ID, auth.clientId);
  const clientSecret = pick(fromConfig.clientSecret, env.OAUTH_CLIENT_SECRET, auth.clientSecret);
  const tokenUrl = pick(env.OAUTH_TOKEN_URL, auth.tokenUrl);
  const authorizationUrl = pick(env.OAUTH_AUTHORIZATION_URL, auth.authorizationUrl);
  const where = configurable(auth)
    ? 'the config field "clientId" (\'workspace config set <connector> clientId=…\') or env OAUTH_CLIENT_ID'
    : 'env OAUTH_CLIENT_ID or clientId in oauth2()';
  if (clientId === undefined) throw new ConnectorError('OAUTH_CLIENT_MISSING', `no OAuth client id: set ${where}`);
  if (tokenUrl === undefined)
    throw new ConnectorError('OAUTH_CLIENT_MISSING', 'no OAuth token URL: set tokenUrl in oauth2() or env OAUTH_TOKEN_URL');
  if (grantOf(auth) === 'authorization_code' && authorizationUrl === undefined) {
    throw new ConnectorError(
      'OAUTH_CLIENT_MISSING',
      'no OAuth authorization URL: set authorizationUrl in oauth2() or env OAUTH_AUTHORIZATION_URL',
    );
  }
  const scope = pick(env.OAUTH_SCOPE) ?? (auth.scopes ?? []).join(' ');
  return { clientId, clientSecret, scope, authorizationUrl, tokenUrl };
}
