/**
 * The HTTP half of the protocol (protocol.md §2): `connect`, `register`, `disconnect`.
 */
import {
  AUTH_SCHEME,
  checkRegisterAnswer,
  readConnectAnswer,
  type ConnectAnswer,
  type ConnectBody,
  type RegisterAnswer,
  type RegisterBody,
  type ProtocolAnnouncement,
} from '../protocol/index.js';
import { ConnectorError } from '../errors.js';
import { ProxyError } from '../proxy/index.js';
import { hedged } from './hedge.js';
import { postJson, RedirectRefused, type PostAnswer } from './post-json.js';

/** Identity sent with every request (§2: `User-Agent: <connector id>/<version>`). */
export interface DeviceApiOptions {
  /** `DEVICE_ENDPOINT`, with a trailing slash. */
  endpoint: string;
  connectorId: string;
  version: string;
  /**
   * Time-out of `POST /connect`, all tries together, in ms (§2 says 60 s; an answer that has not
   * come in 10 s is not coming: the path died). @default 10000
   */
  connectTimeoutMs?: number;
  /** A `POST /connect` unanswered this long is sent again beside it on a fresh connection (hedge.ts); 0: never. @default 2500 */
  connectHedgeMs?: number;
  /** Time-out of `POST /register`, which carries the manifest, in ms. @default 30000 */
  registerTimeoutMs?: number;
  /** Time-out of `POST /disconnect`, sent on shutdown, in ms. @default 5000 */
  disconnectTimeoutMs?: number;
  /** Aborts requests in flight (shutdown). */
  signal?: AbortSignal;
}

/** The outcome of `connect`: connected, or the key was not accepted (§2 step 1). */
export type ConnectResult = { ok: true; answer: ConnectAnswer } | { ok: false; status: 401 };

/** Talks to the device endpoints. Transient failures throw retryable errors; permanent ones do not. */
export class DeviceApi {
  readonly #options: Required<Omit<DeviceApiOptions, 'signal'>>;
  readonly #signal: AbortSignal | undefined;

  constructor(options: DeviceApiOptions) {
    const endpoint = options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`;
    const { signal, ...rest } = options;
    this.#options = {
      connectTimeoutMs: 10_000,
      connectHedgeMs: 2_500,
      registerTimeoutMs: 30_000,
      disconnectTimeoutMs: 5_000,
      ...rest,
      endpoint,
    };
    this.#signal = signal;
  }

  /**
   * §2 step 1. Idempotent, so it is hedged: tries that go unanswered get company on a fresh
   * connection, and a network that heals from a black hole serves again within one hedge interval.
   * @throws ConnectorError `WORKSPACE_UNAVAILABLE` (retryable), `CONFIG_INVALID`; ProxyError `PROXY_*`
   */
  async connect(key: string, protocol: ProtocolAnnouncement): Promise<ConnectResult> {
    const body: ConnectBody = { protocol };
    const response = await this.#post('connect', key, body, this.#options.connectTimeoutMs, true, this.#options.connectHedgeMs);
    if (response.status === 401) return { ok: false, status: 401 };
    if (response.status !== 200) throw this.#transient('connect', response.status, excerpt(response));
    // §2: "workspace data for this instance", read leniently (a v1 workspace's data may have any shape).
    return { ok: true, answer: readConnectAnswer(parseJson(response.body)) };
  }

  /**
   * §2 step 2. A 401/403 is permanent: the token is wrong, and retrying will not fix it.
   * @throws ConnectorError `REGISTRATION_REJECTED` (permanent) or `WORKSPACE_UNAVAILABLE` (retryable); ProxyError `PROXY_*` from a proxy in the way
   */
  async register(token: string, body: RegisterBody): Promise<RegisterAnswer> {
    const url = this.#url('register');
    // Not hedged: every register makes an instance.
    const response = await this.#post('register', token, body, this.#options.registerTimeoutMs);
    if (response.status === 200) {
      const answer = checkRegisterAnswer(parseJson(response.body));
      if (!answer.ok) {
        throw new ConnectorError(
          'REGISTRATION_REJECTED',
          `${url} answered 200 without a connector key: is DEVICE_ENDPOINT pointing at a workspace?`,
        );
      }
      return answer.value;
    }
    const text = excerpt(response);
    // Never echo the token; the workspace's own message says what it did not like.
    const said = `${response.status}${text ? `: ${text}` : ''}`;
    if (response.status === 401 || response.status === 403) {
      throw new ConnectorError(
        'REGISTRATION_REJECTED',
        `REGISTRATION_TOKEN was rejected by ${url} (${said}): ` +
          `copy the token printed by 'workspace connector add' (or 'workspace connector token <name>') into REGISTRATION_TOKEN`,
      );
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      // The token was not the problem: the request was (a manifest past the workspace's limits, a
      // malformed public key). Retrying sends the same request, so this is permanent too.
      throw new ConnectorError(
        'REGISTRATION_REJECTED',
        `${url} refused this connector's registration (${said}): the token was not checked or not the problem; ` +
          `fix what the workspace names (a 413 means the manifest is over its size limit) and start the connector again`,
      );
    }
    throw this.#transient('register', response.status, text);
  }

  /** §2 step 3. Best effort: shutdown goes on whatever happens. */
  async disconnect(key: string): Promise<void> {
    try {
      // Sent during shutdown, after the stop signal fired: not tied to it.
      await this.#post('disconnect', key, {}, this.#options.disconnectTimeoutMs, false);
    } catch {
      // the workspace notices the closed socket anyway
    }
  }

  #url(path: string): string {
    return `${this.#options.endpoint}${path}`;
  }

  /** One step of §2 within `timeoutMs` (tries hedged every `hedgeMs` when given). */
  async #post(path: string, secret: string, body: unknown, timeoutMs: number, cancellable = true, hedgeMs = 0): Promise<PostAnswer> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = this.#signal && cancellable ? AbortSignal.any([timeout, this.#signal]) : timeout;
    const url = new URL(this.#url(path));
    const options = {
      headers: {
        'content-type': 'application/json',
        'user-agent': `${this.#options.connectorId}/${this.#options.version}`,
        authorization: `${AUTH_SCHEME} ${secret}`,
      },
      body: JSON.stringify(body),
    };
    try {
      return await hedged((trySignal) => postJson(url, { ...options, signal: trySignal }), { everyMs: hedgeMs, signal });
    } catch (error) {
      if (error instanceof RedirectRefused) {
        // Permanent: the key or token would go to another address (or the POST become a GET).
        throw new ConnectorError(
          'CONFIG_INVALID',
          `${this.#url(path)} redirects (${error.status}) to ${error.location}: set DEVICE_ENDPOINT to the address the workspace really serves (redirects are followed only within the same origin, and only 307/308)`,
        );
      }
      // The proxy's own refusal or outage: its message names the proxy and the variable to fix;
      // a 407 is permanent (item 2: never a silent retry loop), an unreachable proxy is retried.
      if (error instanceof ProxyError && !timeout.aborted) throw error;
      const code = (error as { code?: string }).code;
      const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : (code ?? (error as Error).name);
      throw new ConnectorError(
        'WORKSPACE_UNAVAILABLE',
        `cannot reach ${this.#url(path)} (${reason}): is the workspace running and DEVICE_ENDPOINT right?`,
        { cause: error, retryable: true },
      );
    }
  }

  #transient(path: string, status: number, text: string): ConnectorError {
    return new ConnectorError('WORKSPACE_UNAVAILABLE', `${this.#url(path)} answered ${status}${text ? `: ${text}` : ''}`, {
      retryable: true,
    });
  }
}

/** The start of an answer's body, for error messages. */
function excerpt(response: PostAnswer): string {
  return response.body.slice(0, 300);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
