/**
 * The workspace's side of the authorization code flow (protocol.md §6): starts a connection
 * (`connector.start-oauth`, placeholders filled, PKCE S256, `state`), and serves the callback
 * (`state` checked, `connector.finish-oauth`, `oauthResult` stored, `set-config` pushed).
 */
import type { ServerResponse } from 'node:http';
import { WorkspaceMethod, checkFinishOAuthAnswer, checkStartOAuthAnswer, type FinishOAuthArgs } from '@connector-kit/sdk/protocol';
import type { Logger } from 'pino';
import { WorkspaceError } from '../errors.js';
import type { Store } from '../store/store.js';
import { OAUTH_RESULT_FIELD } from './config.js';
import type { Hub } from './hub.js';
import { sendOAuthPage } from './oauth-page.js';
import { OAuthStateStore, pkcePair, type OAuthStateProblem, type OAuthStateStoreOptions } from './oauth-state.js';

/** Path of the callback, relative to the workspace's URL. */
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

/** Options of {@link OAuthService}. */
export interface OAuthServiceOptions extends OAuthStateStoreOptions {
  store: Store;
  hub: Hub;
  logger: Logger;
  /** Deadline of `start-oauth` and `finish-oauth` answers, in ms. @default 60000 */
  timeoutMs?: number;
}

/** A started connection: where to send the person. */
export interface OAuthStart {
  connector: string;
  url: string;
  redirectUri: string;
  expires: Date;
}

const STATE_PROBLEMS: Record<OAuthStateProblem, string> = {
  missing: 'The provider sent the browser back without a "state": the request cannot be matched to a connection attempt.',
  unknown: 'The "state" of this request is unknown: it was altered, or the workspace restarted since the connection started.',
  used: 'This link was already used: each connection attempt works once.',
  expired: 'The connection attempt expired (after 10 minutes).',
};

/** Starts connections and serves their callbacks. */
export class OAuthService {
  readonly #o: OAuthServiceOptions;
  readonly states: OAuthStateStore;
  #baseUrl: string | undefined;

  constructor(options: OAuthServiceOptions) {
    this.#o = options;
    this.states = new OAuthStateStore(options);
  }

  /** Sets the workspace's public URL (known once it listens); the callback is `<url>oauth/callback`. */
  setBaseUrl(url: string): void {
    this.#baseUrl = url.endsWith('/') ? url : `${url}/`;
  }

  /** The callback URL sent as `redirect_uri`. */
  get redirectUri(): string {
    if (this.#baseUrl === undefined)
      throw new WorkspaceError('INTERNAL', 'the OAuth callback URL is not known before the workspace listens');
    return new URL(OAUTH_CALLBACK_PATH.slice(1), this.#baseUrl).href;
  }

  /**
   * §6 steps 1–2: asks the connector for its authorization URL and fills it in.
   * @throws WorkspaceError `NOT_FOUND`, `BAD_REQUEST` (no OAuth), `CONNECTOR_OFFLINE`, or the connector's error
   */
  async begin(name: string): Promise<OAuthStart> {
    const { store, hub } = this.#o;
    const connector = await store.getConnector(name);
    if (!connector)
      throw new WorkspaceError(
        'NOT_FOUND',
        `no connector named "${name}": add it with 'workspace connector add ${name} --connector-id <id>'`,
      );
    const latest = await store.acceptedInstance(name);
    if (latest && latest.manifest.configSchema.oauth !== true) {
      throw new WorkspaceError(
        'BAD_REQUEST',
        `connector "${name}" does not use OAuth (its configSchema has no "oauth": true): set its credentials with 'workspace config set'`,
      );
    }
    // §4: the answer is checked by the shared validator (protocol/workspace-calls.ts).
    const started = checkStartOAuthAnswer(
      await hub.request(name, WorkspaceMethod.startOAuth, {}, { timeoutMs: this.#o.timeoutMs ?? 60_000 }),
    );
    if (!started.ok) {
      throw new WorkspaceError('CONNECTOR_ERROR', `connector "${name}" answered start-oauth without a "url": ${started.problem.message}`);
    }
    const answer = started.value;
    const redirectUri = this.redirectUri;
    let url = answer.url.replaceAll('{{redirectURI}}', encodeURIComponent(redirectUri));
    let codeVerifier: string | undefined;
    // PKCE S256 whenever the connector asks for it (the SDK always does, reliability.md item 18).
    if (answer.useCodeChallenge) {
      const pkce = pkcePair();
      codeVerifier = pkce.verifier;
      url = url.includes('{{codeChallenge}}')
        ? url.replaceAll('{{codeChallenge}}', pkce.challenge)
        : `${url}${url.includes('?') ? '&' : '?'}code_challenge=${pkce.challenge}&code_challenge_method=S256`;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WorkspaceError('CONNECTOR_ERROR', `connector "${name}" answered start-oauth with a URL that is not valid`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new WorkspaceError(
        'CONNECTOR_ERROR',
        `connector "${name}" answered start-oauth with a ${parsed.protocol} URL: only http(s) is followed`,
      );
    }
    const { state, expires } = this.states.create({ connector: name, codeVerifier, redirectUri });
    parsed.searchParams.set('state', state);
    this.#o.logger.info({ connector: name }, 'oauth: connection started');
    return { connector: name, url: parsed.href, redirectUri, expires };
  }

  /** §6 steps 3–5: serves `GET /oauth/callback` with an HTML page. Never throws. */
  async callback(res: ServerResponse, url: URL): Promise<void> {
    const params = url.searchParams;
    const taken = this.states.take(params.get('state'));
    if (!taken.ok) {
      this.#o.logger.warn({ problem: taken.problem }, 'oauth: callback refused');
      return sendOAuthPage(res, 400, 'Connection failed', [
        STATE_PROBLEMS[taken.problem],
        "Start again with 'workspace oauth connect <connector>'.",
      ]);
    }
    const { connector, codeVerifier, redirectUri } = taken.entry;
    const providerError = params.get('error');
    if (providerError !== null) {
      const description = params.get('error_description');
      this.#o.logger.warn({ connector, error: providerError.slice(0, 100) }, 'oauth: the provider refused');
      return sendOAuthPage(res, 400, `Connecting "${connector}" failed`, [
        `The provider answered ${providerError.slice(0, 100)}${description ? `: ${description.slice(0, 300)}` : ''}.`,
        "Start again with 'workspace oauth connect " + connector + "'.",
      ]);
    }
    const code = params.get('code');
    if (code === null || code === '') {
      return sendOAuthPage(res, 400, `Connecting "${connector}" failed`, ['The provider sent no authorization code.']);
    }
    try {
      const answer = await this.#o.hub.request(
        connector,
        WorkspaceMethod.finishOAuth,
        { code, redirectURI: redirectUri, ...(codeVerifier === undefined ? {} : { codeVerifier }) } satisfies FinishOAuthArgs,
        { timeoutMs: this.#o.timeoutMs ?? 60_000 },
      );
      const finished = checkFinishOAuthAnswer(answer);
      if (!finished.ok) throw new WorkspaceError('CONNECTOR_ERROR', `connector "${connector}" answered finish-oauth without a "value"`);
      const { value } = finished.value;
      // The value is a JWE only the connector can read (§5): stored as is, never shown.
      await this.#o.store.setConfig(connector, [{ field: OAUTH_RESULT_FIELD, value, secret: true }]);
      const pushed = await this.#o.hub.pushConfig(connector);
      this.#o.logger.info({ connector, pushed }, 'oauth: connected');
      sendOAuthPage(res, 200, `Connected "${connector}"`, [
        'The account is connected and the connector has its new credentials.',
        'You can close this tab.',
      ]);
    } catch (error) {
      const e =
        error instanceof WorkspaceError
          ? error
          : new WorkspaceError('INTERNAL', 'the workspace could not finish the connection: see its log');
      if (!(error instanceof WorkspaceError)) this.#o.logger.error({ connector, err: (error as Error).message }, 'oauth: callback failed');
      else this.#o.logger.warn({ connector, code: e.code }, 'oauth: finish-oauth failed');
      sendOAuthPage(res, 502, `Connecting "${connector}" failed`, [
        `${e.code}: ${e.message}`,
        `Start again with 'workspace oauth connect ${connector}'.`,
      ]);
    }
  }
}
