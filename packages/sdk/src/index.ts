/**
 * `@connector-kit/sdk`: define connectors and run them. Every export is public API; what only the
 * kit's own packages and tests need (the runtime, the link, env reading) is in `@connector-kit/sdk/internal`.
 * packages/sdk/test/exports.test.ts lists each entry point's exports: a new one is a conscious change.
 */
export { defineConnector, defineMethod, isConnector } from './connector/define.js';
export type {
  Connector,
  ConnectorConfig,
  ConnectorDefinition,
  MethodDefinition,
  MethodExample,
  MethodFactory,
  MethodMap,
  AnyMethodDefinition,
  HealthStatus,
  FallbackHandler,
  AutocompleteHandler,
  EndpointHandler,
  WebhookLifecycle,
  WebhookTarget,
  AutocompleteContext,
  AutocompleteSuggestion,
} from './connector/define.js';
export type {
  MethodContext,
  LifecycleContext,
  TaskApi,
  CreateTaskOptions,
  BlobApi,
  BlobInfo,
  CreateBlobOptions,
} from './connector/context.js';
export type { ProgressNotice } from './protocol/progress.js';
export { field } from './connector/fields.js';
export type { ConfigField, ConfigFields, ConfigValues, FieldOptions, LooseConfigValues } from './connector/fields.js';
export { validationFailed } from './connector/field-errors.js';
export type { FieldError } from './connector/field-errors.js';
export { buildManifest, describeMethods, describeAutocomplete } from './connector/manifest.js';
export {
  apiKey,
  basic,
  session,
  oauth2,
  authChoice,
  requireAuthScheme,
  AUTH_METHOD_FIELD,
  OAUTH_RESULT_FIELD,
  REAUTHORIZATION_REQUIRED,
} from './auth/index.js';
export type {
  AuthSpec,
  AuthChoice,
  AuthChoiceOptions,
  AuthChoiceConfig,
  SingleAuth,
  ApiKeyAuth,
  ApiKeyOptions,
  BasicAuth,
  BasicOptions,
  SessionAuth,
  SessionOptions,
  SessionToken,
  OAuth2Auth,
  OAuth2Options,
  TokenSet,
  AuthFieldOptions,
  AuthConfigOf,
  CredentialConfig,
  OAuth2Config,
  OAuthClientConfig,
  StoredTokens,
} from './auth/index.js';
export { createHttpClient, HttpError, nextLink, parseRetryAfter } from './http/index.js';
export type {
  HttpClient,
  HttpClientOptions,
  HttpRequestOptions,
  HttpResponse,
  HttpErrorResponse,
  QueryParams,
  Pagination,
  PaginationOverride,
  CursorPagination,
  LinkPagination,
  OffsetPagination,
  PageOptions,
  PageResult,
  PaginateOptions,
  RetryOptions,
  BaseUrl,
  BaseUrlContext,
  BaseUrlTokens,
} from './http/index.js';
export { callOperation, collectPages, DEFAULT_MAX_BINARY_BYTES, DEFAULT_MAX_ITEMS } from './openapi/call.js';
export type { PagingSpec, OperationSpec, ParameterSpec, ParameterLocation, BodySpec, ResponseSpec, BinaryResult } from './openapi/call.js';
export { ConnectorError, RemoteError, LocalErrorCode, type LocalErrorCodeName, type ConnectorErrorCode } from './errors.js';
export { runConnector } from './runtime/run.js';
export type { LinkTuning, RunOptions, RunningConnector } from './runtime/run.js';
export { z } from 'zod';
export { ProxyError, proxyFor } from './proxy/index.js';
export type { ProxyErrorCode, ProxyErrorOptions, ProxyRoute } from './proxy/index.js';
