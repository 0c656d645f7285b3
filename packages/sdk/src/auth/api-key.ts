/**
 * `apiKey()`: a key from the connector's config, sent in a header, the query or as a bearer token.
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import type { Credentials } from '../http/authenticator.js';
import { requireConfigValue, type AuthEnvironment, type AuthFieldOptions, type AuthSession } from './types.js';

/** Options of {@link apiKey}; `Field` is the name of the config field that holds the key. */
export interface ApiKeyOptions<Field extends string = string> extends AuthFieldOptions {
  /** Where the key goes: a header, a query parameter, or `Authorization: Bearer <key>`. */
  in: 'header' | 'query' | 'bearer';
  /** Header or query parameter name. @default 'X-API-Key' for a header, 'api_key' for the query */
  name?: string;
  /** Config field that holds the key. @default 'apiKey' */
  field?: Field;
}

/** An API key auth, as declared. Its config field is `ctx.config[Field]` (a string). */
export interface ApiKeyAuth<Field extends string = string> extends ApiKeyOptions<Field> {
  readonly type: 'apiKey';
  /** Phantom: the config fields this auth adds, for `ctx.config`'s type. */
  readonly __config?: { readonly [K in Field]: string };
}

/** Declares API key auth: `auth: apiKey({ in: 'header', name: 'X-API-Key' })`. Adds the secret field `apiKey` (or `field`). */
export function apiKey<const Field extends string = 'apiKey'>(options: ApiKeyOptions<Field>): ApiKeyAuth<Field> {
  return { ...options, type: 'apiKey' };
}

/** The secret config field of an API key. */
export function apiKeyFields(auth: ApiKeyAuth): Record<string, ConfigFieldSchema> {
  return {
    [auth.field ?? 'apiKey']: {
      name: auth.label ?? 'API key',
      type: 'line',
      description: auth.description ?? 'The API key of the account to connect, from its API or developer settings.',
      ...(auth.placeholder === undefined ? {} : { placeholder: auth.placeholder }),
    },
  };
}

/** Run-time API key auth: the key never changes, so a 401 is final. */
export function createApiKeySession(auth: ApiKeyAuth, env: AuthEnvironment): AuthSession {
  const field = auth.field ?? 'apiKey';
  const key = (): string => requireConfigValue(env.config, field, auth.label ?? 'API key');
  return {
    async credentials(): Promise<Credentials> {
      const value = key();
      switch (auth.in) {
        case 'header':
          return { headers: { [auth.name ?? 'X-API-Key']: value }, query: {} };
        case 'query':
          return { headers: {}, query: { [auth.name ?? 'api_key']: value } };
        case 'bearer':
          return { headers: { Authorization: `Bearer ${value}` }, query: {} };
      }
    },
    async renew() {
      return false;
    },
    secrets() {
      const value = env.config[field];
      return typeof value === 'string' ? [value] : [];
    },
    rejectedHint() {
      return `check the config field "${field}" (the API key may be wrong, revoked or lack permissions)`;
    },
    problem: () => undefined,
    close: () => undefined,
  };
}
