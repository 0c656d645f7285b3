/**
 * The connector's side of the authorization code flow (protocol.md §4 `start-oauth` and
 * `finish-oauth`, §6 steps 1 and 4).
 */
import { ConnectorError } from '../errors.js';
import { checkFinishOAuthArgs } from '../protocol/index.js';
import { TokenEndpoint, type TokenEndpointDeps } from './oauth2-endpoint.js';
import { grantOf, resolveOAuthClient, type OAuth2Auth } from './oauth2.js';
import { tokenSetFromResponse, type TokenSet } from './oauth2-tokens.js';

/** The answer to `connector.start-oauth` (§4). */
export interface StartOAuthAnswer {
  /** The authorization URL with `{{redirectURI}}` and `{{codeChallenge}}` left for the workspace. */
  url: string;
  useCodeChallenge: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;
type Config = Readonly<Record<string, unknown>>;

function requireAuthorizationCode(auth: OAuth2Auth): void {
  if (grantOf(auth) !== 'authorization_code') {
    throw new ConnectorError(
      'METHOD_NOT_FOUND',
      'this connector uses the client credentials grant: there is nothing for a person to connect',
    );
  }
}

/**
 * §4 `start-oauth`: the authorization URL. `{{clientId}}` and `{{scope}}` are filled here; the
 * workspace fills `{{redirectURI}}` and `{{codeChallenge}}` and adds `state` (§6 step 2). An
 * `authorizationUrl` that already holds `{{…}}` placeholders is used as a template.
 * @throws ConnectorError `OAUTH_CLIENT_MISSING`, `METHOD_NOT_FOUND` for client credentials
 */
export function startOAuth(auth: OAuth2Auth, config: Config, env: Env): StartOAuthAnswer {
  requireAuthorizationCode(auth);
  const client = resolveOAuthClient(auth, config, env);
  const base = client.authorizationUrl!;
  const pkce = auth.pkce ?? true;
  if (base.includes('{{')) {
    const url = base
      .replaceAll('{{clientId}}', encodeURIComponent(client.clientId))
      .replaceAll('{{scope}}', encodeURIComponent(client.scope));
    return { url, useCodeChallenge: pkce && url.includes('{{codeChallenge}}') };
  }
  const params: string[] = [`response_type=code`, `client_id=${encodeURIComponent(client.clientId)}`, 'redirect_uri={{redirectURI}}'];
  if (client.scope !== '') params.push(`scope=${encodeURIComponent(client.scope)}`);
  if (pkce) params.push('code_challenge={{codeChallenge}}', 'code_challenge_method=S256');
  for (const [name, value] of Object.entries(auth.authorizationParams ?? {}))
    params.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return { url: `${base}${base.includes('?') ? '&' : '?'}${params.join('&')}`, useCodeChallenge: pkce };
}

/**
 * §4 `finish-oauth`: exchanges the code for tokens (§6 step 4). The caller encrypts the set.
 * @throws ConnectorError `BAD_REQUEST` for malformed arguments, `AUTH_FAILED` and friends from the token endpoint
 */
export async function finishOAuth(
  auth: OAuth2Auth,
  config: Config,
  env: Env,
  args: Record<string, unknown>,
  deps: TokenEndpointDeps,
): Promise<TokenSet> {
  requireAuthorizationCode(auth);
  // §4, §6 step 3: checked by the shared validator (protocol/workspace-calls.ts).
  const checked = checkFinishOAuthArgs(args);
  if (!checked.ok) throw new ConnectorError('BAD_REQUEST', `finish-oauth: ${checked.problem.message}`);
  const { code, redirectURI, codeVerifier } = checked.value;
  const endpoint = new TokenEndpoint(resolveOAuthClient(auth, config, env), auth, deps);
  const response = await endpoint.exchangeCode(code, redirectURI, codeVerifier);
  const set = tokenSetFromResponse(response, deps.timers.now());
  if (set === undefined) throw new ConnectorError('AUTH_FAILED', 'the token endpoint answered the code exchange without an access_token');
  return set;
}
