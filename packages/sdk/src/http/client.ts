/**
 * `ctx.http`: the outbound HTTP client of a connector (Node's fetch, i.e. undici). Base URL,
 * JSON in and out, the declared auth, a per-request timeout and the call's abort signal,
 * retries for idempotent requests, one renewal after a 401, and redirects that never carry
 * credentials to another origin. `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply to each hop
 * (an undici ProxyAgent per proxy, proxy/dispatcher.ts); a proxy that refuses is a ProxyError.
 */
import type { Logger } from 'pino';
import { ConnectorError } from '../errors.js';
import { sleep, systemTimers, type Timers } from '../transport/timers.js';
import type { Credentials, RequestAuthenticator } from './authenticator.js';
import { bodyExcerpt, describeUrl, redactDeep, redactText } from './redact.js';
import { codeForStatus, HttpError, type HttpErrorResponse } from './errors.js';
import { BaseUrlResolver, type BaseUrl, type BaseUrlTokens } from './base-url.js';
import {
  fetchPage,
  paginate,
  resolvePagination,
  type PageOptions,
  type PageResult,
  type PaginateOptions,
  type Pagination,
} from './paginate.js';
import { isIdempotent, isRetryableStatus, parseRetryAfter, retryDelay, retryPolicy, type RetryOptions } from './retry.js';
import {
  isProxyConnectFailure,
  proxyAnswerError,
  proxyDispatcherFor,
  proxyStatusOf,
  proxyUnreachableError,
  describeRoute,
  untrustedCertificateHint,
  type ProxyRoute,
} from '../proxy/index.js';

/** Query parameters; arrays repeat the key, `undefined` and `null` are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>>>;

/**
 * Options of {@link createHttpClient} (and of `http` in `defineConnector`). `Config` is what a
 * `baseUrl` function sees as `config` (in `defineConnector`: the connector's typed config).
 */
export interface HttpClientOptions<Config = Readonly<Record<string, unknown>>> {
  /**
   * Base URL that relative paths are joined to; credentials are sent to its origin only. A
   * function of `{ config, tokens }` for hosts that depend on the account:
   * `({ config }) => \`https://${config.subdomain}.crm.example/v1\``, or
   * `({ tokens }) => \`${tokens?.instance_url}/services/data/v60.0\`` (Salesforce).
   * @default none: paths must be absolute URLs
   */
  baseUrl?: BaseUrl<Config>;
  /** How list endpoints page, for `ctx.http.page` and `ctx.http.paginate` without their own `pagination`. @default none */
  pagination?: Pagination;
  /** Headers sent with every request. @default {} */
  headers?: Record<string, string>;
  /** Deadline of each attempt (connect, redirects, body), in ms. @default 30000 */
  timeoutMs?: number;
  /** Retries of idempotent requests after network errors, 5xx and 429 (`rateLimited: 'always'`: 429 for any method); `false` for none. @default { retries: 3 } */
  retry?: RetryOptions | false;
  /** Redirects followed before giving up. @default 5 */
  maxRedirects?: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Clock for timeouts and backoff waits (tests inject one). @default the real clock */
  timers?: Timers;
  /** Randomness of the backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Maps every answer that is not 2xx (after retries and the 401 renewal) to the error the
   * request rejects with, in one place for the whole connector: return e.g.
   * `new ConnectorError('NOT_FOUND', …)` for a 404, or nothing to reject with `error`, the
   * {@link HttpError} it would be otherwise. `response` is the whole answer, unredacted (headers,
   * `data`: the body parsed); the known secrets (tokens, keys, passwords) are replaced in the
   * returned error's message and `details` before it goes on the wire or into a log. Not called
   * for requests with `throwHttpErrors: false`, nor for the auth's own login and token requests.
   * @default none: the HttpError
   */
  mapError?: (response: HttpErrorResponse, error: HttpError) => Error | undefined | void;
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
  /**
   * `false`: resolve with any answer, 4xx and 5xx too (`ok` false, `data` the body, parsed when it
   * is JSON), after the usual retries and 401 renewal; `http.mapError` is not called.
   * @default true: a status that is not 2xx rejects
   */
  throwHttpErrors?: boolean;
}

/** An answer: a success, or any answer of a request with `throwHttpErrors: false`. */
export interface HttpResponse<T> {
  status: number;
  /** True for a 2xx status. */
  ok: boolean;
  headers: Headers;
  /** The final URL, after redirects. */
  url: string;
  /** The body: `T` for a success; for a 4xx/5xx (`throwHttpErrors: false`), what the API sent (parsed when JSON). */
  data: T;
}

/** The client handlers get as `ctx.http`. */
export interface HttpClient {
  /**
   * Sends a request and resolves to the answer; any status that is not 2xx rejects (with what
   * `http.mapError` makes of it), unless `throwHttpErrors: false`.
   * @throws HttpError `AUTH_FAILED` (401), `RATE_LIMITED` (429), `HTTP_ERROR`; ConnectorError `NETWORK_ERROR`, `TIMEOUT`, `ABORTED`, `HTTP_BAD_RESPONSE`;
   *   ProxyError `PROXY_AUTH_FAILED`, `PROXY_REFUSED`, `PROXY_UNAVAILABLE` when a proxy is in the way and fails
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
  /**
   * Every item of every page, fetched page by page as the loop asks for more. Pagination comes
   * from `options.pagination`, else the connector's `http.pagination` (with `options.pagination`'s
   * changes, when it has no `type`). `options.cursor` starts at a page a caller handed back.
   * @throws ConnectorError `DEFINITION_INVALID` without any pagination, `CURSOR_INVALID`, `HTTP_BAD_RESPONSE`, and what {@link request} throws
   */
  paginate<Item = unknown, Page = any>(path: string, options?: PaginateOptions<Item, Page>): AsyncGenerator<Item, void, undefined>;
  /**
   * One page: its items and the cursor of the next page (`next`, null on the last). The same
   * fetch as one step of {@link paginate}; return `{ items, next }` from a method and take
   * `cursor` as input to let callers page.
   * @throws ConnectorError as {@link paginate} does
   */
  page<Item = unknown, Page = any>(path: string, options?: PageOptions<Item, Page>): Promise<PageResult<Item>>;
  /**
   * The absolute URL a request to `path` goes to: joined to the base URL (computed from config and
   * tokens when it is a function), with `query` added.
   * @throws ConnectorError `HTTP_URL_INVALID`
   */
  url(path: string, query?: QueryParams): Promise<string>;
}

/** One request as an observer follows it. */
export interface HttpRequestObservation {
  /** Headers to add to the request, e.g. W3C `traceparent`. @default none */
  readonly headers?: Record<string, string>;
  /** The answer's status, or the error before any answer. Called once. */
  end(status: number | undefined, error?: unknown): void;
}

/** Sees the requests of a client (the runtime's metrics and traces implement it). */
export interface HttpRequestObserver {
  /** A request to `url` is about to be sent. */
  start(method: string, url: URL): HttpRequestObservation;
}

/** What the runtime adds to a client: the declared auth, the call's signal, its logger, the config. */
export interface HttpClientBindings {
  auth?: RequestAuthenticator | undefined;
  /** Sees each request sent (every retry and redirect hop): metrics, trace spans and their headers. @default none */
  observer?: HttpRequestObserver | undefined;
  /** The connector's config, for a `baseUrl` function. @default {} */
  config?: unknown;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A fetch that failed, and the proxy it went through (if any). */
class AttemptFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly route: ProxyRoute | undefined,
    readonly target: URL,
  ) {
    super('attempt failed', { cause: error });
  }
}

/** One attempt's outcome: the answer with its body read, or a failure before an answer. */
interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  url: URL;
  bytes: Uint8Array;
}

class FetchHttpClient implements HttpClient {
  readonly #o: HttpClientOptions<any>;
  readonly #b: HttpClientBindings;
  readonly #timers: Timers;
  readonly #base: BaseUrlResolver;

  constructor(options: HttpClientOptions<any>, bindings: HttpClientBindings) {
    this.#o = options;
    this.#b = bindings;
    this.#timers = options.timers ?? systemTimers;
    this.#base = new BaseUrlResolver(options.baseUrl);
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
  paginate<Item, Page>(path: string, options: PaginateOptions<Item, Page> = {}): AsyncGenerator<Item, void, undefined> {
    const { pagination, ...rest } = options;
    const declared = this.#o.pagination;
    // A generator of its own, so that a missing pagination rejects the first `next()` like any page error.
    return (async function* (client: FetchHttpClient) {
      yield* paginate(client, path, resolvePagination(path, pagination, declared) as Pagination<Item>, rest);
    })(this);
  }
  page<Item, Page>(path: string, options: PageOptions<Item, Page> = {}): Promise<PageResult<Item>> {
    const { pagination, cursor, ...rest } = options;
    try {
      const resolved = resolvePagination(path, pagination, this.#o.pagination) as Pagination<Item>;
      return fetchPage(this, path, resolved, rest, cursor ?? undefined);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  async url(path: string, query?: QueryParams): Promise<string> {
    const base = this.#base.dynamic ? await this.#baseFor(this.#b.auth) : this.#base.resolve(this.#b.config, undefined);
    return this.#resolve(path, query, base).href;
  }

  async request<T>(path: string, options: HttpRequestOptions = {}): Promise<HttpResponse<T>> {
    const method = (options.method ?? 'GET').toUpperCase();
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
    const declaredAuth = options.auth === false ? undefined : this.#b.auth;
    let retries = 0;
    let renewed = false;
    let renewedOk = false;

    for (;;) {
      if (signal?.aborted) throw abortError(signal, method, path);
      const { url, auth, credentials } = await this.#target(path, options.query, declaredAuth, signal);
      let answer: Answer;
      try {
        answer = await this.#attempt(method, url, headers, body, credentials, options.timeoutMs ?? this.#o.timeoutMs ?? 30_000, signal);
      } catch (error) {
        const failure = this.#failure(error, method, url, signal);
        if (failure.retryable && failure.code !== 'ABORTED' && idempotent && retries < policy.retries) {
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
      // A 429 means the request was not processed: with rateLimited 'always' it is safe to send again.
      const mayRetry = idempotent || (answer.status === 429 && policy.rateLimited === 'always');
      if (isRetryableStatus(answer.status) && mayRetry && retries < policy.retries) {
        const retryAfter = parseRetryAfter(answer.headers.get('retry-after'), this.#timers.now());
        if (retryAfter === undefined || retryAfter <= policy.maxRetryAfterMs) {
          await this.#wait(retryDelay(policy, retries++, retryAfter, random), signal, method, url);
          continue;
        }
      }
      const ok = answer.status >= 200 && answer.status <= 299;
      if (!ok && options.throwHttpErrors === false) {
        return { status: answer.status, ok, headers: answer.headers, url: answer.url.href, data: errorBody(answer).data as T };
      }
      if (!ok) throw this.#mapped(this.#httpError(method, answer, auth, renewedOk));
      return {
        status: answer.status,
        ok,
        headers: answer.headers,
        url: answer.url.href,
        data: this.#parse(answer, method, options.responseType, auth) as T,
      };
    }
  }

  /**
   * Where one attempt goes and with which credentials. A fixed base URL is known up front; a
   * computed one is computed from fresh tokens, so credentials come first then. Credentials go
   * to the base URL's origin only (any origin when there is no base URL).
   */
  async #target(
    path: string,
    query: QueryParams | undefined,
    declared: RequestAuthenticator | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ url: URL; auth: RequestAuthenticator | undefined; credentials: Credentials | undefined }> {
    let credentials = this.#base.dynamic && declared ? await declared.credentials(signal) : undefined;
    const base = this.#base.resolve(this.#b.config, this.#base.dynamic ? tokensOf(declared) : undefined);
    const url = this.#resolve(path, query, base);
    const auth = declared !== undefined && (base === undefined || url.origin === base.origin) ? declared : undefined;
    if (auth === undefined) credentials = undefined;
    else credentials ??= await auth.credentials(signal);
    return { url, auth, credentials };
  }

  /** The computed base URL, with fresh credentials first (the tokens it may read). */
  async #baseFor(auth: RequestAuthenticator | undefined): Promise<URL | undefined> {
    if (auth) await auth.credentials(this.#b.signal);
    return this.#base.resolve(this.#b.config, tokensOf(auth));
  }

  /** Joins `path` to the base URL (unless absolute) and adds the query. */
  #resolve(path: string, query: QueryParams | undefined, base: URL | undefined): URL {
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) url = new URL(path);
    else if (base === undefined) {
      throw new ConnectorError(
        'HTTP_URL_INVALID',
        `"${path}" is a relative path but the connector has no http.baseUrl: pass a full URL or set http: { baseUrl } in defineConnector()`,
      );
    } else {
      const rest = path.replace(/^\/+/, '');
      url = rest === '' ? new URL(base.href) : new URL(`${base.href.replace(/\/+$/, '')}/${rest}`);
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value as ReadonlyArray<string | number | boolean>) url.searchParams.append(name, String(v));
      else url.searchParams.append(name, String(value));
    }
    return url;
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
        // Each hop may go to another host: NO_PROXY is asked again.
        const proxied = await proxyDispatcherFor(target);
        const observed = this.#b.observer?.start(currentMethod, target);
        for (const [name, value] of Object.entries(observed?.headers ?? {})) sent.set(name, value);
        let res: Response;
        try {
          res = await fetchImpl(target, {
            method: currentMethod,
            headers: sent,
            ...(currentBody === undefined ? {} : { body: currentBody }),
            redirect: 'manual',
            signal: controller.signal,
            // Node's fetch takes an undici dispatcher (the `dispatcher` member is undici's extension of RequestInit).
            ...(proxied === undefined ? {} : ({ dispatcher: proxied.dispatcher } as unknown as RequestInit)),
          });
        } catch (error) {
          observed?.end(undefined, error);
          throw new AttemptFailure(error, proxied?.route, target);
        }
        observed?.end(res.status);
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

  #failure(thrown: unknown, method: string, url: URL, signal: AbortSignal | undefined): ConnectorError {
    if (signal?.aborted) return abortError(signal, method, url);
    const route = thrown instanceof AttemptFailure ? thrown.route : undefined;
    const error = thrown instanceof AttemptFailure ? thrown.error : thrown;
    if (route !== undefined && !(error instanceof TimeoutSignal) && !((error as { cause?: unknown })?.cause instanceof TimeoutSignal)) {
      const where = `${method} ${describeUrl((thrown as AttemptFailure).target)}`;
      const status = proxyStatusOf(error);
      if (status !== undefined) return proxyAnswerError(route, status, where);
      if (isProxyConnectFailure(error, route)) {
        const reason = ((error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message) || 'no connection';
        return proxyUnreachableError(route, where, reason, undefined);
      }
    }
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
    const via = route === undefined ? '' : ` (through ${describeRoute(route)})`;
    return new ConnectorError(
      'NETWORK_ERROR',
      `${method} ${describeUrl(url)}${via} failed before an answer: ${text}${untrustedCertificateHint(error)}`,
      { retryable: true },
    );
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
    const { data, text } = errorBody(answer);
    return new HttpError({
      code: codeForStatus(answer.status),
      status: answer.status,
      method,
      url: describeUrl(answer.url),
      body,
      message,
      retryAfterMs,
      response: { status: answer.status, statusText: answer.statusText, headers: answer.headers, method, url: answer.url.href, data, text },
    });
  }

  /**
   * What the connector's `http.mapError` makes of `error` (itself when there is none, or it returns
   * nothing), with the known secrets replaced in the message and details of the error it returns.
   * A mapError that throws is the connector's bug: its error is reported (redacted) instead.
   */
  #mapped(error: HttpError): Error {
    const map = this.#o.mapError;
    if (map === undefined || error.response === undefined) return error;
    let mapped: Error | undefined | void;
    try {
      mapped = map(error.response, error);
    } catch (thrown) {
      mapped = thrown instanceof Error ? thrown : new Error(String(thrown));
    }
    if (mapped === undefined || mapped === error) return error;
    if (!(mapped instanceof Error)) {
      return new ConnectorError(
        'DEFINITION_INVALID',
        `http.mapError must return an Error or nothing, it returned ${typeof mapped}: the answer was ${error.status}`,
        { cause: error },
      );
    }
    // The connector's secrets, also for a request to another origin (which was sent without them).
    const secrets = [...(this.#b.auth?.secrets() ?? [])];
    if (secrets.length > 0) {
      Object.defineProperty(mapped, 'message', { value: redactText(mapped.message, secrets), writable: true, configurable: true });
      const details = (mapped as { details?: unknown }).details;
      if (details !== undefined) {
        Object.defineProperty(mapped, 'details', {
          value: redactDeep(details, secrets),
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    }
    return mapped;
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

/** The body of an error answer: parsed when it is (or looks like) JSON, else text; never throws. */
function errorBody(answer: Answer): { data: unknown; text: string } {
  const text = Buffer.from(answer.bytes).toString('utf8');
  if (text.trim() === '') return { data: undefined, text };
  const isJson = /[/+]json\b/i.test(answer.headers.get('content-type') ?? '') || /^\s*[[{]/.test(text);
  if (isJson) {
    try {
      return { data: JSON.parse(text) as unknown, text };
    } catch {
      // not JSON after all: the text
    }
  }
  return { data: text, text };
}

function tokensOf(auth: RequestAuthenticator | undefined): BaseUrlTokens | undefined {
  return auth?.tokens?.() as BaseUrlTokens | undefined;
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

function abortError(signal: AbortSignal, method: string, url: URL | string): ConnectorError {
  if (signal.reason instanceof ConnectorError) return signal.reason;
  const where = typeof url === 'string' ? url.split('?')[0] : describeUrl(url);
  return new ConnectorError('ABORTED', `${method} ${where} was aborted: the call was cancelled or the connector is stopping`);
}

function throwIfAborted(signal: AbortSignal | undefined, method: string, url: URL): void {
  if (signal?.aborted) throw abortError(signal, method, url);
}

/**
 * Creates an HTTP client. Handlers get one as `ctx.http`, with the connector's auth and the
 * call's signal already bound; use this for anything else (e.g. a script).
 * @throws ConnectorError `DEFINITION_INVALID` when `baseUrl` is not a URL
 */
export function createHttpClient<Config = Readonly<Record<string, unknown>>>(
  options: HttpClientOptions<Config> = {},
  bindings: HttpClientBindings = {},
): HttpClient {
  return new FetchHttpClient(options, bindings);
}
