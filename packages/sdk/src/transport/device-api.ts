/**
 * The HTTP half of the protocol (protocol.md §2): `connect`, `register`, `disconnect`.
 */
import { AUTH_SCHEME, type ConnectAnswer, type RegisterAnswer, type RegisterBody, type ProtocolAnnouncement } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';

/** Identity sent with every request (§2: `User-Agent: <connector id>/<version>`). */
export interface DeviceApiOptions {
  /** `DEVICE_ENDPOINT`, with a trailing slash. */
  endpoint: string;
  connectorId: string;
  version: string;
  /** Per-request time-out in ms. @default 60000 (§2) */
  timeoutMs?: number;
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
    this.#options = { timeoutMs: 60_000, ...rest, endpoint };
    this.#signal = signal;
  }

  /** §2 step 1. */
  async connect(key: string, protocol: ProtocolAnnouncement): Promise<ConnectResult> {
    const response = await this.#post('connect', key, { protocol });
    if (response.status === 401) return { ok: false, status: 401 };
    if (response.status !== 200) throw this.#transient('connect', response.status, await safeText(response));
    return { ok: true, answer: ((await response.json().catch(() => ({}))) ?? {}) as ConnectAnswer };
  }

  /**
   * §2 step 2. A 401/403 is permanent: the token is wrong, and retrying will not fix it.
   * @throws ConnectorError `REGISTRATION_REJECTED` (permanent) or `WORKSPACE_UNAVAILABLE` (retryable)
   */
  async register(token: string, body: RegisterBody): Promise<RegisterAnswer> {
    const url = this.#url('register');
    const response = await this.#post('register', token, body);
    if (response.status === 200) {
      const answer = (await response.json().catch(() => null)) as RegisterAnswer | null;
      if (!answer || typeof answer.key !== 'string' || answer.key === '') {
        throw new ConnectorError('REGISTRATION_REJECTED', `${url} answered 200 without a connector key: is DEVICE_ENDPOINT pointing at a workspace?`);
      }
      return answer;
    }
    const text = await safeText(response);
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      // Never echo the token; the workspace's own message says what it did not like.
      throw new ConnectorError(
        'REGISTRATION_REJECTED',
        `REGISTRATION_TOKEN was rejected by ${url} (${response.status}${text ? `: ${text}` : ''}): ` +
          `copy the token printed by 'workspace connector add' (or 'workspace connector token <name>') into REGISTRATION_TOKEN`,
      );
    }
    throw this.#transient('register', response.status, text);
  }

  /** §2 step 3. Best effort: shutdown goes on whatever happens. */
  async disconnect(key: string): Promise<void> {
    try {
      // Sent during shutdown, after the stop signal fired: not tied to it.
      const response = await this.#post('disconnect', key, {}, 5_000, false);
      await response.body?.cancel();
    } catch {
      // the workspace notices the closed socket anyway
    }
  }

  #url(path: string): string {
    return `${this.#options.endpoint}${path}`;
  }

  async #post(path: string, secret: string, body: unknown, timeoutMs = this.#options.timeoutMs, cancellable = true): Promise<Response> {
    try {
      return await fetch(this.#url(path), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': `${this.#options.connectorId}/${this.#options.version}`,
          authorization: `${AUTH_SCHEME} ${secret}`,
        },
        body: JSON.stringify(body),
        signal: this.#signal && cancellable ? AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#signal]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new ConnectorError(
        'WORKSPACE_UNAVAILABLE',
        `cannot reach ${this.#url(path)} (${cause?.code ?? (error as Error).name}): is the workspace running and DEVICE_ENDPOINT right?`,
        { cause: error, retryable: true },
      );
    }
  }

  #transient(path: string, status: number, text: string): ConnectorError {
    return new ConnectorError('WORKSPACE_UNAVAILABLE', `${this.#url(path)} answered ${status}${text ? `: ${text}` : ''}`, { retryable: true });
  }
}

async function safeText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 300);
  } catch {
    return '';
  }
}
