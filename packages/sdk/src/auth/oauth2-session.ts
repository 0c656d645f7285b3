/**
 * OAuth 2.0 at run time: sends the access token, refreshes it ahead of expiry or after a 401,
 * one refresh at a time, saves rotated tokens before using them, and stops at `invalid_grant`
 * until a person connects the account again (reliability.md items 13–17).
 */
import { ConnectorError } from '../errors.js';
import type { Credentials } from '../http/authenticator.js';
import { REAUTHORIZATION_REQUIRED, TokenEndpoint } from './oauth2-endpoint.js';
import { connectHint, grantOf, OAUTH_RESULT_FIELD, resolveOAuthClient, type OAuth2Auth } from './oauth2.js';
import { isTokenFresh, readStoredTokenSet, tokenSetFromResponse, type TokenSet } from './oauth2-tokens.js';
import type { AuthEnvironment, AuthSession } from './types.js';

/** An OAuth session; `tokens()` lets the runtime carry a newer set over to the next config. */
export interface OAuth2Session extends AuthSession {
  /** The token set in use, if any. */
  tokens(): TokenSet | undefined;
}

/**
 * Starts an OAuth session. Authorization code: tokens come from the config's `oauthResult`
 * (or `carried`, when newer). Client credentials: the first request fetches a token.
 */
export function createOAuth2Session(auth: OAuth2Auth, env: AuthEnvironment, carried?: TokenSet): OAuth2Session {
  const grant = grantOf(auth);
  const skew = auth.skewMs ?? 300_000;
  let tokens: TokenSet | undefined;
  let credentials: Credentials | undefined;
  let pending: Promise<void> | undefined;
  let problem: string | undefined;
  let endpoint: TokenEndpoint | undefined;
  const hint = (again = false): string => connectHint(env.connectorName?.(), again);

  const use = (set: TokenSet | undefined): void => {
    tokens = set;
    credentials = set === undefined ? undefined : { headers: { Authorization: `Bearer ${set.access_token}` }, query: {} };
  };
  const setProblem = (next: string | undefined): void => {
    if (next === problem) return;
    problem = next;
    env.onProblem?.(next);
  };

  if (grant === 'authorization_code') {
    const stored = readStoredTokenSet(env.config[OAUTH_RESULT_FIELD]);
    use(carried !== undefined && (stored === undefined || carried.obtained_at > stored.obtained_at) ? carried : stored);
    // Reported by the health check from the start; not an event, so no onProblem.
    if (tokens === undefined) problem = `not connected yet: ${hint()}`;
  }

  const reauthorize = (message: string): ConnectorError => {
    setProblem(message);
    return new ConnectorError(REAUTHORIZATION_REQUIRED, message);
  };

  /** `why`: the token is at its expiry, or the API answered 401 to it (rejected, whatever its expiry says). */
  async function fetchTokens(why: 'expired' | 'rejected'): Promise<void> {
    endpoint ??= new TokenEndpoint(resolveOAuthClient(auth, env.config, env.env), auth, env);
    let response: Record<string, unknown>;
    if (grant === 'client_credentials') {
      response = await endpoint.clientCredentials();
    } else {
      const refreshToken = tokens?.refresh_token;
      if (refreshToken === undefined) {
        throw reauthorize(
          why === 'rejected'
            ? `the API rejected the access token (401) and the provider gave no refresh token to get another: ${hint(true)}`
            : `the access token expired and the provider gave no refresh token: ${hint(true)}`,
        );
      }
      try {
        response = await endpoint.refresh(refreshToken);
      } catch (error) {
        // invalid_grant: stop here; every later request fails at once until a new connection (item 17).
        if (error instanceof ConnectorError && error.code === REAUTHORIZATION_REQUIRED) setProblem(error.message);
        throw error;
      }
    }
    const now = env.timers.now();
    const next = tokenSetFromResponse(response, now, tokens);
    if (next === undefined)
      throw new ConnectorError('AUTH_FAILED', 'the token endpoint answered without an access_token: check the OAuth settings');
    if (grant === 'authorization_code') {
      // Item 14: the new (possibly rotated) refresh token is saved before the access token is used.
      try {
        await env.saveTokens?.(next);
      } catch (error) {
        env.logger.error(
          { err: (error as Error).message },
          'oauth: could not send the new tokens to the workspace; they are kept in memory',
        );
      }
    }
    use(next);
    if (!isTokenFresh(next, now, skew)) {
      // Item 15: a token that is expired on arrival (expires_in ≤ 0) is never sent.
      throw new ConnectorError(
        'AUTH_FAILED',
        `the token endpoint returned an access token that has already expired (expires_in ${String(next.expires_in)}); not sending it`,
        { retryable: true },
      );
    }
  }

  /** One token request at a time: everyone waiting shares it (item 13). */
  const renewTokens = (why: 'expired' | 'rejected'): Promise<void> => {
    pending ??= fetchTokens(why).finally(() => (pending = undefined));
    return pending;
  };

  return {
    tokens: () => tokens,
    async credentials() {
      if (grant === 'authorization_code' && problem !== undefined) throw new ConnectorError(REAUTHORIZATION_REQUIRED, problem);
      if (pending) await pending;
      if (tokens === undefined || credentials === undefined || !isTokenFresh(tokens, env.timers.now(), skew)) await renewTokens('expired');
      return credentials!;
    },
    async renew(rejected) {
      if (pending) await pending;
      // Another request already refreshed after the same 401: retry with its token.
      if (credentials !== undefined && credentials !== rejected) return true;
      await renewTokens('rejected');
      return true;
    },
    secrets() {
      const { clientSecret } = env.config;
      return [
        tokens?.access_token,
        tokens?.refresh_token,
        typeof clientSecret === 'string' ? clientSecret : undefined,
        env.env.OAUTH_CLIENT_SECRET,
        auth.clientSecret,
      ].filter((v): v is string => typeof v === 'string' && v !== '');
    },
    rejectedHint() {
      return grant === 'client_credentials'
        ? 'the API rejects a fresh client credentials token: check the OAuth client and its scopes'
        : `the API rejects a freshly refreshed token: check the scopes, or ${hint(true)}`;
    },
    problem: () => problem,
    close() {
      endpoint = undefined;
    },
  };
}
