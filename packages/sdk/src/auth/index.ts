/**
 * How a connector authenticates to the outside system. Each kind lives in its own file; this
 * module joins them: the union, their config fields, and their run-time sessions.
 */
import type { ConfigFieldSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import { apiKeyFields, createApiKeySession } from './api-key.js';
import { createBasicSession, credentialFields } from './basic.js';
import { choiceFields, createChoiceSession, oauthFlowOption, type AuthChoice, type SingleAuth } from './choice.js';
import { createOAuth2Session } from './oauth2-session.js';
import { grantOf, oauth2Fields, type OAuth2Auth } from './oauth2.js';
import type { TokenSet } from './oauth2-tokens.js';
import { createSessionAuth, sessionFields } from './session.js';
import type { AuthEnvironment, AuthSession } from './types.js';

/** Every auth kind, told apart by `type`. */
export type AuthSpec = SingleAuth | AuthChoice<any>;

/**
 * The config fields an auth adds, as `ctx.config` has them: `apiKey` (or its `field`),
 * `username`/`password`, `clientId`/`clientSecret` when the OAuth client is configurable, and the
 * managed `oauthResult`. Nothing for no auth; any field when the auth is only known as `AuthSpec`.
 */
export type AuthConfigOf<A> = [A] extends [undefined]
  ? unknown
  : AuthSpec extends A
    ? Readonly<Record<string, unknown>>
    : A extends { readonly __config?: infer C }
      ? unknown extends C
        ? unknown
        : NonNullable<C>
      : unknown;

/** The config fields `auth` adds to the connector's `configSchema` (§2). */
export function authConfigFields(auth: AuthSpec | undefined): Record<string, ConfigFieldSchema> {
  if (auth === undefined) return {};
  switch (auth.type) {
    case 'apiKey':
      return apiKeyFields(auth);
    case 'basic':
      return credentialFields(auth);
    case 'session':
      return sessionFields(auth);
    case 'oauth2':
      return oauth2Fields(auth);
    case 'choice':
      return choiceFields(auth, authConfigFields);
    default:
      return unknownKind(auth);
  }
}

/** True when `auth` needs the workspace's OAuth flow (`configSchema.oauth`, §2 and §6). */
export function usesOAuthFlow(auth: AuthSpec | undefined): boolean {
  return oauthFlowAuth(auth) !== undefined;
}

/** The `oauth2()` auth whose authorization code flow the workspace runs (§6): `auth`, or a choice's option. */
export function oauthFlowAuth(auth: AuthSpec | undefined): OAuth2Auth | undefined {
  if (auth?.type === 'choice') return oauthFlowOption(auth);
  return auth?.type === 'oauth2' && grantOf(auth) === 'authorization_code' ? auth : undefined;
}

/** Starts the run-time session of `auth` for one config. `carried` is an OAuth token set kept from the previous config. */
export function createAuthSession(auth: AuthSpec, env: AuthEnvironment, carried?: TokenSet): AuthSession {
  switch (auth.type) {
    case 'apiKey':
      return createApiKeySession(auth, env);
    case 'basic':
      return createBasicSession(auth, env);
    case 'session':
      return createSessionAuth(auth, env);
    case 'oauth2':
      return createOAuth2Session(auth, env, carried);
    case 'choice':
      return createChoiceSession(auth, env, (option) => createAuthSession(option, env, carried));
    default:
      return unknownKind(auth);
  }
}

function unknownKind(auth: never): never {
  throw new ConnectorError(
    'DEFINITION_INVALID',
    `unknown auth type ${JSON.stringify((auth as { type?: unknown }).type)}: use apiKey(), basic(), session(), oauth2() or authChoice()`,
  );
}

export { apiKey, type ApiKeyAuth, type ApiKeyOptions } from './api-key.js';
export { basic, type BasicAuth, type BasicOptions, type CredentialConfig } from './basic.js';
export { session, type SessionAuth, type SessionOptions, type SessionToken } from './session.js';
export {
  oauth2,
  OAUTH_RESULT_FIELD,
  type OAuth2Auth,
  type OAuth2Options,
  type OAuth2Config,
  type OAuthClientConfig,
  type StoredTokens,
} from './oauth2.js';
export {
  authChoice,
  chosenAuth,
  requireAuthScheme,
  AUTH_METHOD_FIELD,
  type AuthChoice,
  type AuthChoiceOptions,
  type AuthChoiceConfig,
  type SingleAuth,
} from './choice.js';
export { REAUTHORIZATION_REQUIRED } from './oauth2-endpoint.js';
export type { TokenSet } from './oauth2-tokens.js';
export type { AuthSession, AuthEnvironment, AuthFieldOptions } from './types.js';
