/**
 * The error of a request the API answered with a status that is not a success.
 */
import { brandErrorClass, ConnectorError } from '../errors.js';

/**
 * A non-2xx answer, complete and as the API sent it: what `http.mapError` receives and what
 * {@link HttpError.response} holds. Nothing here is redacted, so it is for the author's code only:
 * it is never part of an error's message, `details`, `toJSON()` or logs (it is not enumerable).
 */
export interface HttpErrorResponse {
  status: number;
  /** The reason phrase, e.g. `Unprocessable Entity` ('' over HTTP/2). */
  statusText: string;
  headers: Headers;
  /** The request's method. */
  method: string;
  /** The final URL, after redirects, with its query (never the credentials the auth adds to it). */
  url: string;
  /** The body parsed as JSON when it is JSON, else its text; `undefined` when empty. */
  data: unknown;
  /** The body as text. */
  text: string;
}

/** Facts of an {@link HttpError}; all of them already redacted, except `response`. */
export interface HttpErrorInit {
  /** `AUTH_FAILED` for 401, `RATE_LIMITED` for 429, else `HTTP_ERROR`. */
  code: string;
  status: number;
  method: string;
  /** Origin and path only (the query may hold a key). */
  url: string;
  /** The start of the body, secrets redacted. */
  body: string;
  message: string;
  /** Milliseconds the API asked to wait (`Retry-After`), when it did. */
  retryAfterMs?: number | undefined;
  /** The whole answer, unredacted, for the author's code. @default none */
  response?: HttpErrorResponse | undefined;
}

/**
 * An HTTP answer that is not a success. `status` and `body` (a redacted excerpt) are typed
 * fields; `retryable` is true for 5xx and 429. `response` has the whole answer (headers, the full
 * parsed body), unredacted and kept out of messages, `details`, JSON and logs.
 */
export class HttpError extends ConnectorError {
  /** The HTTP status. */
  readonly status: number;
  /** The request's method. */
  readonly method: string;
  /** Origin and path of the request. */
  readonly url: string;
  /** The start of the response body with secrets redacted. */
  readonly body: string;
  /** How long the API asked to wait before trying again, in ms. */
  readonly retryAfterMs: number | undefined;
  /**
   * The whole answer: headers and the full body (`data` parsed, `text`), not redacted: parse field
   * errors from it. Not enumerable, so logs and JSON never show it. Undefined for an HttpError
   * made without one.
   */
  declare readonly response: HttpErrorResponse | undefined;

  constructor(init: HttpErrorInit) {
    super(init.code, init.message, {
      retryable: init.status >= 500 || init.status === 429,
      details: {
        status: init.status,
        method: init.method,
        url: init.url,
        body: init.body,
        ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
      },
    });
    this.name = 'HttpError';
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    Object.defineProperty(this, 'response', { value: init.response, enumerable: false });
  }
}

brandErrorClass(HttpError, 'HttpError');

/** The code of an error answer with `status`. */
export function codeForStatus(status: number): string {
  if (status === 401) return 'AUTH_FAILED';
  if (status === 429) return 'RATE_LIMITED';
  return 'HTTP_ERROR';
}
