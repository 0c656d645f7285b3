/**
 * What the HTTP client needs from the connector's auth, and nothing more: the client does not
 * know which kind of auth it talks to (src/auth implements this).
 */

/** Credentials to add to one request. */
export interface Credentials {
  /** Headers to set, e.g. `Authorization`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Query parameters to set, e.g. `api_key`. */
  readonly query: Readonly<Record<string, string>>;
}

/** Supplies and renews credentials for outgoing requests. */
export interface RequestAuthenticator {
  /**
   * Credentials for the next request; may refresh a token or log in first.
   * @throws ConnectorError when no usable credentials can be had (e.g. `AUTH_FAILED`)
   */
  credentials(signal?: AbortSignal): Promise<Credentials>;
  /**
   * Called once after the API answered 401 to `rejected`: refresh or log in again. True when a
   * retry with new credentials makes sense, false when there is nothing to renew (an API key).
   */
  renew(rejected: Credentials, signal?: AbortSignal): Promise<boolean>;
  /** Secret values in use, so that error messages can redact them. */
  secrets(): Iterable<string>;
  /** One sentence on what to do when the API keeps rejecting the credentials. */
  rejectedHint(): string;
  /** The current token set (OAuth), for a base URL computed from it (`instance_url`). @default none */
  tokens?(): Readonly<Record<string, unknown>> | undefined;
}
