import { ConnectorError } from '@connector-kit/sdk';

/** Used when the `baseUrl` config field is empty. */
export const DEFAULT_BASE_URL = 'https://api.example.com/';

/** The config values the API client needs. */
export interface ApiConfig {
  readonly baseUrl?: string | undefined;
  readonly tokenUrl?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly scope?: string | undefined;
}

interface Token {
  value: string;
  expiresAt: number;
}

// One token per config object: a new config from the workspace starts with a fresh token.
const tokens = new WeakMap<ApiConfig, Promise<Token>>();

/** GETs `path` (relative to the base URL) with a bearer token and returns the JSON body. */
export async function getJson<T>(config: ApiConfig, path: string): Promise<T> {
  const url = new URL(path, baseUrl(config));
  let response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${await accessToken(config)}` } });
  if (response.status === 401) {
    // The token may have been revoked before it expired: get a new one, once.
    response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${await accessToken(config, true)}` } });
  }
  if (!response.ok) {
    throw new ConnectorError('UPSTREAM_ERROR', `GET ${url.pathname} answered ${response.status} ${response.statusText}`, {
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  return (await response.json()) as T;
}

async function accessToken(config: ApiConfig, renew = false): Promise<string> {
  const cached = renew ? undefined : await tokens.get(config)?.catch(() => undefined);
  // Renew a minute early so a token never expires mid-request.
  if (cached && cached.expiresAt > Date.now() + 60_000) return cached.value;
  const pending = requestToken(config);
  tokens.set(config, pending);
  return (await pending).value;
}

async function requestToken(config: ApiConfig): Promise<Token> {
  if (!config.clientId || !config.clientSecret) {
    throw new ConnectorError('CONFIG_MISSING', 'clientId or clientSecret is not set: enter both in the connector config in the workspace');
  }
  const tokenUrl = config.tokenUrl || new URL('oauth/token', baseUrl(config)).href;
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret });
  if (config.scope) body.set('scope', config.scope);
  const response = await fetch(tokenUrl, { method: 'POST', headers: { accept: 'application/json' }, body });
  if (!response.ok) {
    throw new ConnectorError('AUTH_FAILED', `the token endpoint ${tokenUrl} answered ${response.status}: check clientId and clientSecret`);
  }
  const answer = (await response.json()) as { access_token?: string; expires_in?: number };
  if (typeof answer.access_token !== 'string') {
    throw new ConnectorError('AUTH_FAILED', `the token endpoint ${tokenUrl} answered without an access_token`);
  }
  return { value: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000 };
}

function baseUrl(config: ApiConfig): string {
  const url = config.baseUrl || DEFAULT_BASE_URL;
  return url.endsWith('/') ? url : `${url}/`;
}
