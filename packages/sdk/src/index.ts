/**
 * `@connector-kit/sdk`: define connectors and run them. Every export is public API.
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
} from './connector/define.js';
export type { MethodContext, LifecycleContext, TaskApi, CreateTaskOptions } from './connector/context.js';
export { field } from './connector/fields.js';
export type { ConfigField, ConfigFields, ConfigValues, FieldOptions, LooseConfigValues } from './connector/fields.js';
export { buildManifest, describeMethods } from './connector/manifest.js';
export { apiKey, basic, session, oauth2, OAUTH_RESULT_FIELD, REAUTHORIZATION_REQUIRED } from './auth/index.js';
export type {
  AuthSpec,
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
export { ConnectorError, RemoteError } from './errors.js';
export { runConnector, STATE_DIR } from './runtime/run.js';
export { fileKeyStore, stateFileName } from './runtime/instance-state.js';
export type { InstanceIdentity } from './runtime/instance-state.js';
export type { LinkTuning, RunOptions, RunningConnector } from './runtime/run.js';
export { ConnectorRuntime, SDK_FEATURES } from './runtime/runtime.js';
export type { RuntimeOptions } from './runtime/runtime.js';
export { readRuntimeEnv, loadDotEnv, DEFAULT_DEVICE_ENDPOINT, DEFAULT_WEBSOCKET_ENDPOINT } from './runtime/env.js';
export type { RuntimeEnv } from './runtime/env.js';
export { createLogger } from './runtime/logger.js';
export { WorkspaceLink } from './transport/link.js';
export type { WorkspaceLinkOptions, LinkState, KeyStore } from './transport/link.js';
export { fullJitterBackoff } from './transport/backoff.js';
export type { BackoffOptions } from './transport/backoff.js';
export type { Timers } from './transport/timers.js';
export { z } from 'zod';
export { ProxyError, proxyFor } from './proxy/index.js';
export type { ProxyErrorCode, ProxyErrorOptions, ProxyRoute } from './proxy/index.js';
