/**
 * `http.baseUrl`: a fixed URL, or a function of the connector's config and its current token set,
 * for APIs whose host depends on the account (a tenant's subdomain from the config, Salesforce's
 * `instance_url` from the token response). The function runs before each attempt, after the
 * credentials are fresh, so a refreshed token set that moves the account is followed.
 */
import { ConnectorError } from '../errors.js';

/** The token set of the connector's auth as the base URL function sees it (OAuth only; other kinds have none). */
export type BaseUrlTokens = Readonly<Record<string, unknown>> & { readonly access_token?: string };

/** What a base URL function gets. */
export interface BaseUrlContext<Config = Readonly<Record<string, unknown>>> {
  /** The connector's decrypted config. */
  readonly config: Config;
  /** The current OAuth token set, with every member the token endpoint sent (e.g. `instance_url`); undefined without OAuth. */
  readonly tokens: BaseUrlTokens | undefined;
}

/**
 * A base URL function. Declared as a method so its parameter is checked bivariantly: a connector
 * whose function reads `config.subdomain` is still a `Connector` for runConnector and friends.
 */
export type BaseUrlFunction<Config = Readonly<Record<string, unknown>>> = {
  fn(context: BaseUrlContext<Config>): string;
}['fn'];

/** A base URL: fixed, or computed from config and tokens. */
export type BaseUrl<Config = Readonly<Record<string, unknown>>> = string | BaseUrlFunction<Config>;

function parse(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves a {@link BaseUrl}; the last computed URL is kept, so most requests parse nothing. */
export class BaseUrlResolver {
  readonly #fn: ((context: BaseUrlContext<any>) => string) | undefined;
  readonly #fixed: URL | undefined;
  #lastText: string | undefined;
  #lastUrl: URL | undefined;

  /** @throws ConnectorError `DEFINITION_INVALID` when a fixed base URL is not an http(s) URL */
  constructor(baseUrl: BaseUrl<any> | undefined) {
    if (typeof baseUrl === 'function') {
      this.#fn = baseUrl;
      return;
    }
    if (baseUrl === undefined) return;
    this.#fixed = parse(baseUrl);
    if (this.#fixed === undefined) {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `http.baseUrl ${JSON.stringify(baseUrl)} is not a URL: use e.g. https://api.example.com/v1`,
      );
    }
  }

  /** True when the URL depends on the token set, so credentials must be fresh before resolving. */
  get dynamic(): boolean {
    return this.#fn !== undefined;
  }

  /** True when there is a base URL at all. */
  get present(): boolean {
    return this.#fn !== undefined || this.#fixed !== undefined;
  }

  /**
   * The base URL for this config and token set.
   * @throws ConnectorError `HTTP_URL_INVALID` when the function returns something that is not a URL; a ConnectorError the function throws (e.g. `CONFIG_MISSING`) as it is
   */
  resolve(config: unknown, tokens: BaseUrlTokens | undefined): URL | undefined {
    if (this.#fn === undefined) return this.#fixed;
    let text: unknown;
    try {
      text = this.#fn({ config: config ?? {}, tokens });
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw new ConnectorError('HTTP_URL_INVALID', `http.baseUrl() threw: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
    if (text === this.#lastText && this.#lastUrl !== undefined) return this.#lastUrl;
    const url = typeof text === 'string' ? parse(text) : undefined;
    if (url === undefined) {
      // The value may come from config or a token response: say what it looked like, not what it was.
      const seen = typeof text === 'string' ? `a string of ${text.length} characters that is not an http(s) URL` : typeof text;
      throw new ConnectorError(
        'HTTP_URL_INVALID',
        `http.baseUrl() returned ${seen}: check the config fields or token members it is built from (e.g. a tenant subdomain, instance_url)`,
      );
    }
    this.#lastText = text as string;
    this.#lastUrl = url;
    return url;
  }
}
