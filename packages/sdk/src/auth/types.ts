/**
 * What every auth kind provides at run time, and what it gets from the runtime.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../errors.js';
import type { RequestAuthenticator } from '../http/authenticator.js';
import type { HttpClient } from '../http/client.js';
import type { Timers } from '../transport/timers.js';
import type { TokenSet } from './oauth2-tokens.js';

/** The labels of a config field an auth kind adds. */
export interface AuthFieldOptions {
  /** Label shown to a person. */
  label?: string;
  /** One sentence on what the value is and where to find it. */
  description?: string;
  /** Example value shown in an empty input. */
  placeholder?: string;
}

/** An auth at run time, for one config: supplies and renews credentials, reports problems. */
export interface AuthSession extends RequestAuthenticator {
  /** Why requests cannot work until a person acts (e.g. re-authorize), or undefined. */
  problem(): string | undefined;
  /** Stops pending work. */
  close(): void;
}

/** What an auth session gets from the runtime (or the test harness). */
export interface AuthEnvironment {
  /** Decrypted config values. */
  config: Readonly<Record<string, unknown>>;
  /** Environment variables (§6: `OAUTH_CLIENT_ID`, …). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  timers: Timers;
  /** Randomness of backoff jitter, in [0, 1). */
  random: () => number;
  /** An HTTP client without credentials, bound to the connector's base URL: `session` logs in with it. */
  http: HttpClient;
  /** Stores a new OAuth token set (§6 step 5: `connector.config-update`); awaited before the tokens are used. */
  saveTokens?: ((tokens: TokenSet) => Promise<void> | void) | undefined;
  /** Called when `problem()` changes, so the health check can say so at once. */
  onProblem?: ((problem: string | undefined) => void) | undefined;
  /**
   * The connector's name in the workspace, for the commands messages suggest
   * (`workspace oauth connect <name>`); read when a message is made, since the workspace tells
   * it on connect. @default none: messages say `<connector>`
   */
  connectorName?: (() => string | undefined) | undefined;
}

/**
 * The value of a config field an auth kind needs.
 * @throws ConnectorError `CONFIG_MISSING` naming the field
 */
export function requireConfigValue(config: Readonly<Record<string, unknown>>, field: string, label: string): string {
  const value = config[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  throw new ConnectorError(
    'CONFIG_MISSING',
    `config field "${field}" (${label}) is not set: set it in the workspace, e.g. 'workspace config set <connector> ${field}=…'`,
  );
}
