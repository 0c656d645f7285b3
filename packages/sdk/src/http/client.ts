/**
 * `ctx.http`: the outbound HTTP client of a connector (Node's fetch, i.e. undici). Base URL,
 * JSON in and out, the declared auth, a per-request timeout and the call's abort signal,
 * retries for idempotent requests, one renewal after a 401, and redirects that never carry
 * credentials to another origin.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../errors.js';
import { sleep, systemTimers, type Timers } from '../transport/timers.js';
import type { Credentials, RequestAuthenticator } from './authenticator.js';
import { bodyExcerpt, describeUrl, redactText } from './redact.js';
import { codeForStatus, HttpError } from './errors.js';
import { paginate, type PaginateOptions } from './paginate.js';
import { isIdempotent, isRetryableStatus, parseRetryAfter, retryDelay, retryPolicy, type RetryOptions } from './retry.js';

/** Query parameters; arrays repeat the key, `undefined` and `null` are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>>>;

/** Options of {@link createHttpClient} (and of `http` in `defineConnector`). */
export interface HttpClientOptions {
  /** Base URL that relative paths are joined to. Credentials are sent to its origin only. @default none: paths must be absolute URLs */
  baseUrl?: string;
  /** Headers sent with every request. @default {} */
  headers?: Record<string, string>;
  /** Deadline of each attempt (connect, redirects, body), in ms. @default 30000 */
  timeoutMs?: number;
  /** Retries of idempotent requests after network errors, 5xx and 429; `false` for none. @default { retries: 3 } */
  retry?: RetryOptions | false;
  /** Redirects followed before giving up. @default 5 */
  maxRedirects?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Clock for timeouts and backoff waits (tests inject one). @default the real clock */
  timers?: Timers;
  /** Randomness of the backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/** Options of one request. */
export interface HttpRequestOptions {
  /** @default 'GET' */
  method?: string;
  /** Query parameters added to the URL. @default none */
  query?: QueryParams;
  /** Headers of this request (over the client's). @default none */
  headers?: Record<string, string>;
  /** A value sent as JSON (sets `Content-Type: application/json`). @default none */
  json?: unknown;
  /** A raw body, when not `json`. @default none */
  body?: string | Uint8Array | URLSearchParams | FormData | Blob;
  /** Deadline of each attempt, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
  /** Retry policy of this request. @default the client's */
  retry?: RetryOptions | false;
  /** Safe to send twice. @default true for GET, HEAD, OPTIONS, PUT, DELETE and with an Idempotency-Key header */
  idempotent?: boolean;
  /** Aborts the request (besides the call's own signal). @default none */
  signal?: AbortSignal;
  /** How to read the body. @default JSON when the answer says it is JSON, else text */
  responseType?: 'json' | 'text' | 'bytes';
  /** Add the connector's credentials. @default true */
  auth?: boolean;
}

/** A successful answer. */
export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  /** The final URL, after redirects. */
  url: string;
  data: T;
}

/** The client handlers get as `ctx.http`. */
export interface HttpClient {
  /**
   * Sends a request and resolves to the answer; any status that is not 2xx rejects.
   * @throws HttpError `AUTH_FAILED` (401), `RATE_LIMITED` (429), `HTTP_ERROR`; ConnectorError `NETWORK_ERROR`, `TIMEOUT`, `ABORTED`, `HTTP_BAD_RESPONSE`
   */
  request<T = unknown>(path: string, options?: HttpRequestOptions): Promise<HttpResponse<T>>;
  /** GET, resolving to the body. */
  get<T = unknown>(path: string, options?: HttpRequestOptions): Promise<T>;
  /** POST `json`, resolving to the body. Not retried unless `idempotent: true` or an Idempotency-Key header. */
  post<T = unknown>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T>;
  /** PUT `json`, resolving to the body. */
  put<T = unknown>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T>;
  /** PATCH `json`, resolving to the body. */
  patch<T = unknown>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T>;
  /** DELETE, resolving to the body. */
  delete<T = unknown>(path: string, options?: HttpRequestOptions): Promise<T>;
  /** Every item of every page, fetched page by page as the loop asks for more. */
  paginate<T = unknown>(path: string, options: PaginateOptions<T>): AsyncGenerator<T, void, undefined>;
}

/** What the runtime adds to a client: the declared auth, the call's signal, its logger. */
export interface HttpClientBindings {
  auth?: RequestAuthenticator | undefined;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One attempt's outcome: the answer with its body read, or a failure before an answer. */
interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  url: URL;
  bytes: Uint8Array;
}

class FetchHttpClient implements HttpClient {
  readonly #o: HttpClientOptions;
  readonly #b: HttpClientBindings;
  readonly #timers: Timers;
  readonly #base: URL | undefined;

  constructor(options: HttpClientOptions, bindings: HttpClientBindings) {
    this.#o = options;
    this.#b = bindings;
    this.#timers = options.timers ?? systemTimers;
    try {
      this.#base = options.baseUrl === undefined ? undefined : new URL(options.baseUrl);
    } catch {
      throw new ConnectorError(
        'DEFINITION_INVALID',
        `http.baseUrl ${JSON.stringify(options.baseUrl)} is not a URL: use e.g. https://api.example.com/v1`,
      );
    }
  }

  get<T>(path: string, options?: HttpRequestOptions): Promise<T> {
    return this.request<T>(path, { ...options, method: 'GET' }).then((r) => r.data);
  }
  post<T>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T> {
    return this.request<T>(path, { ...options, method: 'POST', ...(json === undefined ? {} : { json }) }).then((r) => r.data);
  }
  put<T>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T> {
    return this.request<T>(path, { ...options, method: 'PUT', ...(json === undefined ? {} : { json }) }).then((r) => r.data);
  }
  patch<T>(path: string, json?: unknown, options?: HttpRequestOptions): Promise<T> {
    return this.request<T>(path, { ...options, method: 'PATCH', ...(json === undefined ? {} : { json }) }).then((r) => r.data);
  }
  delete<T>(path: string, options?: HttpRequestOptions): Promise<T> {
    return this.request<T>(path, { ...options, method: 'DELETE' }).then((r) => r.data);
  }
  paginate<T>(path: string, options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
    return paginate(this, path, options);
  }

  async request<T>(path: string, options: HttpRequestOptions = {}): Promise<HttpResponse<T>> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = this.#resolve(path, options.query);
    const headers = new Headers(this.#o.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    if (!headers.has('accept')) headers.set('accept', 'application/json, */*;q=0.5');
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const signal = combine(this.#b.signal, options.signal);
    const policy = retryPolicy(options.retry ?? this.#o.retry);
    const idempotent = isIdempotent(method, headers, options.idempotent);
    const random = this.#o.random ?? Math.random;
    const auth = options.auth === false || !this.#mayAuthenticate(url) ? undefined : this.#b.auth;
    let retries = 0;
    let renewed = false;
    let renewedOk = false;

    for (;;) {
      throwIfAborted(signal, method, url);
      const credentials = auth ? await auth.credentials(signal) : undefined;
      let answer: Answer;
      try {
        answer = await this.#attempt(method, url, headers, body, credentials, options.timeoutMs ?? this.#o.timeoutMs ?? 30_000, signal);
      } catch (error) {
        const failure = this.#failure(error, method, url, signal);
        if (failure.code !== 'ABORTED' && idempotent && retries < policy.retries) {
          await this.#wait(retryDelay(policy, retries++, undefined, random), signal, method, url);
          continue;
        }
        throw failure;
      }
      // reliability.md item 16: one forced renewal and one retry; a second 401 is AUTH_FAILED.
      if (answer.status === 401 && auth && credentials && !renewed) {
        renewed = true;
        renewedOk = await auth.renew(credentials, signal);
        if (renewedOk) continue;
      }
      if (isRetryableStatus(answer.status) && idempotent && retries < policy.retries) {
        const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), this.#timers.now());
        if (retryAfter === undefined || retryAfter <= policy.maxRetryAfterMs) {
          await this.#wait(retryDelay(policy, retries++, retryAfter, random), signal, method, url);
          continue;
        }
      }
      if (answer.status < 200 || answer.status > 299) throw this.#httpError(method, answer, auth, renewedOk);
      return {
        status: answer.status,
        headers: answer.headers,
        url: answer.url.href,
        data: this.#parse(answer, method, options.responseType, auth) as T,
      };
    }
  }

  /** Joins `path` to the base URL (unless absolute) and adds the query. */
  #resolve(path: string, query: QueryParams | undefined): URL {
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) url = new URL(path);
    else if (this.#base === undefined) {
      throw new ConnectorError(
        'HTTP_URL_INVALID',
        `"${path}" is a relative path but the connector has no http.baseUrl: pass a full URL or set http: { baseUrl } in defineConnector()`,
      );
    } else {
      const rest = path.replace(/^\/+/, '');
      url = rest === '' ? new URL(this.#base.href) : new URL(`${this.#base.href.replace(/\/+$/, '')}/${rest}`);
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value as ReadonlyArray<string | number | boolean>) url.searchParams.append(name, String(v));
      else url.searchParams.append(name, String(value));
    }
    return url;
  }

  /** Credentials go to the base URL's origin only (any origin when there is no base URL). */
  #mayAuthenticate(url: URL): boolean {
    return this.#base === undefined || url.origin === this.#base.origin;
  }

  /** One attempt: fetch, follow redirects by hand, read the body; all within `timeoutMs`. */
  async #attempt(
    method: string,
    url: URL,
    headers: Headers,
    body: HttpRequestOptions['body'],
    credentials: Credentials | undefined,
    timeoutMs: number,
    outer: AbortSignal | undefined,
  ): Promise<Answer> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = this.#timers.setTimeout(() => controller.abort(new TimeoutSignal(timeoutMs)), timeoutMs);
    const fetchImpl = this.#o.fetch ?? globalThis.fetch;
    const started = this.#timers.now();
    try {
      let current = url;
      let currentMethod = method;
      let currentBody = body;
      let creds = credentials;
      for (let hop = 0; ; hop++) {
        const target = new URL(current.href);
        const sent = new Headers(headers);
        if (currentBody === undefined) sent.delete('content-type');
        for (const [name, value] of Object.entries(creds?.headers ?? {})) sent.set(name, value);
        for (const [name, value] of Object.entries(creds?.query ?? {})) target.searchParams.set(name, value);
        const res = await fetchImpl(target, {
          method: currentMethod,
          headers: sent,
          ...(currentBody === undefined ? {} : { body: currentBody }),
          redirect: 'manual',
          signal: controller.signal,
        });
        const location = res.headers.get('location');
        if (REDIRECTS.has(res.status) && location !== null && hop < (this.#o.maxRedirects ?? 5)) {
          await res.arrayBuffer().catch(() => undefined);
          const next = new URL(location, current);
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod === 'POST')) {
            currentMethod = currentMethod === 'HEAD' ? 'HEAD' : 'GET';
            currentBody = undefined;
          }
          // Never carry credentials to another origin.
          if (next.origin !== current.origin) creds = undefined;
          current = next;
          continue;
        }
        const bytes = new Uint8Array(await res.arrayBuffer());
        this.#b.logger?.debug({ method, url: describeUrl(url), status: res.status, ms: this.#timers.now() - started }, 'http request');
        return { status: res.status, statusText: res.statusText, headers: res.headers, url: current, bytes };
      }
    } finally {
      this.#timers.clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
  }

  #failure(error: unknown, method: string, url: URL, signal: AbortSignal | undefined): ConnectorError {
    if (signal?.aborted) return abortError(signal, method, url);
    const cause = error as { name?: string; cause?: unknown };
    const reason = (cause?.cause ?? error) as { name?: string; message?: string };
    if (reason instanceof TimeoutSignal || cause instanceof TimeoutSignal) {
      const ms = (reason instanceof TimeoutSignal ? reason : (cause as TimeoutSignal)).ms;
      return new ConnectorError(
        'TIMEOUT',
        `${method} ${describeUrl(url)} did not answer within ${ms} ms: raise timeoutMs or check the API's status`,
        { retryable: true },
      );
    }
    const secrets = this.#b.auth?.secrets() ?? [];
    const text = redactText(`${reason?.message ?? String(reason)}`, secrets);
    return new ConnectorError('NETWORK_ERROR', `${method} ${describeUrl(url)} failed before an answer: ${text}`, { retryable: true });
  }

  async #wait(ms: number, signal: AbortSignal | undefined, method: string, url: URL): Promise<void> {
    await sleep(this.#timers, ms, signal);
    throwIfAborted(signal, method, url);
  }

  #httpError(method: string, answer: Answer, auth: RequestAuthenticator | undefined, renewed: boolean): HttpError {
    const secrets = [...(auth?.secrets() ?? [])];
    const body = bodyExcerpt(Buffer.from(answer.bytes).toString('utf8'), secrets);
    const where = `${method} ${describeUrl(answer.url)}`;
    const status = `${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'), this.#timers.now());
    let message = `${where} answered ${status}`;
    if (answer.status === 401)
      message += auth
        ? `: the API rejected the credentials${renewed ? ', also after renewing them' : ''}; ${auth.rejectedHint()}`
        : ': the API wants credentials';
    else if (answer.status === 429)
      message += retryAfterMs === undefined ? ': rate limited' : `: rate limited, retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    if (body !== '') message += ` — body: ${body}`;
    return new HttpError({
      code: codeForStatus(answer.status),
      status: answer.status,
      method,
      url: describeUrl(answer.url),
      body,
      message,
      retryAfterMs,
    });
  }

  #parse(
    answer: Answer,
    method: string,
    responseType: HttpRequestOptions['responseType'],
    auth: RequestAuthenticator | undefined,
  ): unknown {
    if (responseType === 'bytes') return answer.bytes;
    const text = Buffer.from(answer.bytes).toString('utf8');
    const isJson = /[/+]json\b/i.test(answer.headers.get('content-type') ?? '');
    if (responseType === 'text' || (responseType === undefined && !isJson)) return text;
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const excerpt = bodyExcerpt(text, auth?.secrets() ?? [], 200);
      throw new ConnectorError(
        'HTTP_BAD_RESPONSE',
        `${method} ${describeUrl(answer.url)} answered ${answer.status} with a body that is not JSON: ${excerpt}`,
      );
    }
  }
}

/** The reason a timed-out attempt is aborted with. */
class TimeoutSignal extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

function abortError(signal: AbortSignal, method: string, url: URL): ConnectorError {
  if (signal.reason instanceof ConnectorError) return signal.reason;
  return new ConnectorError('ABORTED', `${method} ${describeUrl(url)} was aborted: the call was cancelled or the connector is stopping`);
}

function throwIfAborted(signal: AbortSignal | undefined, method: string, url: URL): void {
  if (signal?.aborted) throw abortError(signal, method, url);
}

/**
 * Creates an HTTP client. Handlers get one as `ctx.http`, with the connector's auth and the
 * call's signal already bound; use this for anything else (e.g. a script).
 * @throws ConnectorError `DEFINITION_INVALID` when `baseUrl` is not a URL
 */
export function createHttpClient(options: HttpClientOptions = {}, bindings: HttpClientBindings = {}): HttpClient {
  return new FetchHttpClient(options, bindings);
}
