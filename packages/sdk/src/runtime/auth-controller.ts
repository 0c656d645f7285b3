/**
 * Joins the connector's declared `auth` and `http` to the runtime: one auth session per config,
 * `ctx.http` per call, the OAuth requests of the workspace (§4 `start-oauth`, `finish-oauth`) and
 * new tokens sent back with `connector.config-update` (§6 step 5). The transport stays unaware
 * of all of it: it only carries the packets.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { ConnectorMethod, WorkspaceMethod } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import type { Connector } from '../connector/define.js';
import { createAuthSession, oauthFlowAuth, type AuthSession } from '../auth/index.js';
import { finishOAuth, startOAuth } from '../auth/oauth2-flow.js';
import { failingSession } from '../auth/failing-session.js';
import type { OAuth2Session } from '../auth/oauth2-session.js';
import type { TokenSet } from '../auth/oauth2-tokens.js';
import { createHttpClient, type HttpClient, type HttpRequestObserver } from '../http/client.js';
import { encryptSecret } from '../secrets/index.js';
import { systemTimers, type Timers } from '../transport/timers.js';
import type { KeyRing } from './config.js';

/** Options of {@link AuthController}. */
export interface AuthControllerOptions {
  connector: Connector;
  /** Audience of the JWEs the connector writes (§5). */
  connectorId: string;
  /** The connector's keys: tokens are encrypted to the public half of the first. */
  keys: KeyRing;
  /** Environment for §6 settings (`OAUTH_CLIENT_ID`, …). */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Clock of token expiry and backoff waits. @default the real clock */
  timers?: Timers;
  /** Sends a notice to the workspace (used for `connector.config-update`). */
  notify: (method: string, args: Record<string, unknown>) => void;
  /** The auth's problem changed (e.g. `invalid_grant`): report health now. */
  onProblem: () => void;
  /** The connector's name in the workspace, for commands in messages. @default none */
  connectorName?: () => string | undefined;
}

/** The runtime's handle on auth and HTTP. */
export class AuthController {
  readonly #o: AuthControllerOptions;
  readonly #timers: Timers;
  #session: AuthSession | undefined;
  #config: Readonly<Record<string, unknown>> = {};
  #publicKey: KeyObject | undefined;

  constructor(options: AuthControllerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    const first = options.keys[0];
    this.#publicKey = first === undefined ? undefined : createPublicKey(first.key);
  }

  /** Starts the auth session of a new config (each `set-config`, §4). */
  configure(config: Readonly<Record<string, unknown>>): void {
    const auth = this.#o.connector.definition.auth;
    const previous = this.#session;
    previous?.close();
    this.#config = config;
    if (auth === undefined) return;
    // A token set this process refreshed may be newer than the config that just arrived.
    const carried = auth.type === 'oauth2' || auth.type === 'choice' ? (previous as OAuth2Session | undefined)?.tokens?.() : undefined;
    try {
      this.#session = createAuthSession(auth, this.#environment(config), carried);
    } catch (error) {
      // Never fall back to sending requests without credentials: fail them, and say why.
      this.#session = brokenSession(error);
      this.#o.logger.error({ code: (error as ConnectorError).code }, `auth: ${(error as Error).message}`);
    }
  }

  /** `ctx.http` of one call: the declared base URL and auth, the call's signal. */
  http(signal: AbortSignal | undefined, logger: Logger, observer?: HttpRequestObserver): HttpClient {
    return createHttpClient(this.#httpOptions(), { auth: this.#session, signal, logger, config: this.#config, observer });
  }

  /**
   * The auth's secrets now, for the scrubber: the OAuth tokens by name (`oauth.access_token`,
   * `oauth.refresh_token`), every other secret the session knows (passwords, client secrets, a
   * session token) as `auth`. Cheap: read on every scrub.
   */
  secrets(): Array<readonly [label: string, value: string]> {
    const session = this.#session;
    if (session === undefined) return [];
    const out: Array<readonly [string, string]> = [];
    const tokens = (session as Partial<OAuth2Session>).tokens?.();
    if (tokens !== undefined) {
      for (const key of ['access_token', 'refresh_token', 'id_token'] as const) {
        const value = tokens[key];
        if (typeof value === 'string') out.push([`oauth.${key}`, value]);
      }
    }
    for (const secret of session.secrets()) out.push(['auth', secret]);
    return out;
  }

  /** Why calls cannot work until a person acts, for the health check; undefined when fine. */
  problem(): string | undefined {
    return this.#session?.problem();
  }

  /**
   * Answers `connector.start-oauth` or `connector.finish-oauth` (§4).
   * @throws ConnectorError `METHOD_NOT_FOUND` when the connector does not use the OAuth flow
   */
  async handleOAuth(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    // A choice's OAuth option runs the flow whichever option the config chooses now (§6).
    const auth = oauthFlowAuth(this.#o.connector.definition.auth);
    if (auth === undefined) {
      throw new ConnectorError(
        'METHOD_NOT_FOUND',
        `${method} is not supported: this connector does not use the OAuth authorization code flow`,
      );
    }
    if (method === WorkspaceMethod.startOAuth) return { ...startOAuth(auth, this.#config, this.#o.env) };
    const tokens = await finishOAuth(auth, this.#config, this.#o.env, args, {
      timers: this.#timers,
      random: Math.random,
      logger: this.#o.logger,
      connectorName: this.#o.connectorName,
    });
    this.#o.logger.info('oauth: account connected; the workspace stores the tokens');
    return { value: await this.#encrypt(tokens) };
  }

  /** Stops the current session. */
  close(): void {
    this.#session?.close();
    this.#session = undefined;
  }

  #httpOptions() {
    return { timers: this.#timers, ...this.#o.connector.definition.http };
  }

  #environment(config: Readonly<Record<string, unknown>>) {
    return {
      config,
      env: this.#o.env,
      logger: this.#o.logger,
      timers: this.#timers,
      random: Math.random,
      // The auth's own requests (login, tokens) keep the SDK's errors: the connector's mapError is for its calls.
      http: createHttpClient({ ...this.#httpOptions(), mapError: undefined }, { logger: this.#o.logger, config }),
      saveTokens: async (tokens: TokenSet) => {
        // §6 step 5: the workspace stores the JWE as `oauthResult` and passes it to the other replicas.
        this.#o.notify(ConnectorMethod.configUpdate, { value: await this.#encrypt(tokens) });
      },
      connectorName: this.#o.connectorName,
      onProblem: (problem: string | undefined) => {
        if (problem !== undefined) this.#o.logger.warn(`auth: ${problem}`);
        this.#o.onProblem();
      },
    };
  }

  async #encrypt(tokens: TokenSet): Promise<string> {
    if (this.#publicKey === undefined) {
      throw new ConnectorError(
        'KEYS_MISSING',
        "OAuth tokens must be stored encrypted but this connector has no PRIVATE_KEY/PUBLIC_KEY: run 'connector keys', then start again",
      );
    }
    return encryptSecret(tokens, this.#publicKey, this.#o.connectorId);
  }
}

/** A session that could not start: every request fails with its error, the health check shows it. */
function brokenSession(error: unknown): AuthSession {
  const failure =
    error instanceof ConnectorError ? error : new ConnectorError('AUTH_FAILED', `the auth could not start: ${(error as Error).message}`);
  return failingSession(failure);
}
