/**
 * The error of a request the API answered with a status that is not a success.
 */
import { ConnectorError } from '../errors.js';

/** Facts of an {@link HttpError}; all of them already redacted. */
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
}

/**
 * An HTTP answer that is not a success. `status` and `body` (a redacted excerpt) are typed
 * fields; `retryable` is true for 5xx and 429.
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
  }
}

/** The code of an error answer with `status`. */
export function codeForStatus(status: number): string {
  if (status === 401) return 'AUTH_FAILED';
  if (status === 429) return 'RATE_LIMITED';
  return 'HTTP_ERROR';
}
