import { ConnectorError } from '@connector-kit/sdk';

/** Used when the `baseUrl` config field is empty. */
export const DEFAULT_BASE_URL = 'https://api.example.com/';

/** The config values the API client needs. */
export interface ApiConfig {
  readonly baseUrl?: string | undefined;
  readonly apiKey?: string | undefined;
}

/** GETs `path` (relative to the base URL) with the API key and returns the JSON body. */
export async function getJson<T>(config: ApiConfig, path: string): Promise<T> {
  if (!config.apiKey) {
    throw new ConnectorError('CONFIG_MISSING', 'apiKey is not set: enter the API key in the connector config in the workspace');
  }
  const url = new URL(path, withSlash(config.baseUrl || DEFAULT_BASE_URL));
  const response = await fetch(url, { headers: { accept: 'application/json', 'x-api-key': config.apiKey } });
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
