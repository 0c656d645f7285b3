import { ConnectorError } from '@connector-kit/sdk';

/** Used when the `baseUrl` config field is empty. */
export const DEFAULT_BASE_URL = 'https://api.example.com/';

/** The config values the API client needs. */
export interface ApiConfig {
  readonly baseUrl?: string | undefined;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/** GETs `path` (relative to the base URL) with HTTP Basic auth and returns the JSON body. */
export async function getJson<T>(config: ApiConfig, path: string): Promise<T> {
  if (!config.username || !config.password) {
    throw new ConnectorError('CONFIG_MISSING', 'username or password is not set: enter both in the connector config in the workspace');
  }
  const url = new URL(path, withSlash(config.baseUrl || DEFAULT_BASE_URL));
  const credentials = Buffer.from(`${config.username}:${config.password}`).toString('base64');
  const response = await fetch(url, { headers: { accept: 'application/json', authorization: `Basic ${credentials}` } });
  if (!response.ok) {
    throw new ConnectorError('UPSTREAM_ERROR', `GET ${url.pathname} answered ${response.status} ${response.statusText}`, {
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  return (await response.json()) as T;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
