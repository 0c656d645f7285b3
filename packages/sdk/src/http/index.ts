/**
 * The outbound HTTP client (`ctx.http`): retries, auth, pagination.
 */
export { createHttpClient } from './client.js';
export type {
  HttpClient,
  HttpClientOptions,
  HttpRequestOptions,
  HttpResponse,
  HttpClientBindings,
  QueryParams,
  HttpRequestObserver,
  HttpRequestObservation,
} from './client.js';
export { HttpError } from './errors.js';
export type { HttpErrorInit, HttpErrorResponse } from './errors.js';
export { fetchPage, nextLink, paginate, resolvePagination } from './paginate.js';
export type {
  Pagination,
  PaginationOverride,
  CursorPagination,
  LinkPagination,
  OffsetPagination,
  PageOptions,
  PageResult,
  PageRequester,
  PaginateOptions,
} from './paginate.js';
export { BaseUrlResolver } from './base-url.js';
export type { BaseUrl, BaseUrlContext, BaseUrlFunction, BaseUrlTokens } from './base-url.js';
export { parseRetryAfter, isIdempotent, isRetryableStatus, retryPolicy } from './retry.js';
export type { RetryOptions, RetryPolicy } from './retry.js';
export type { Credentials, RequestAuthenticator } from './authenticator.js';
export { bodyExcerpt, redactText, REDACTED } from './redact.js';
