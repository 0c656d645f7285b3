import type { AnswerFallbackCodeName } from './protocol/error-answer.js';
import type { WireErrorCodeName } from './protocol/errors.js';

/**
 * Class identity across copies of the SDK. A connector imports the SDK's library build while the
 * `connector` CLI may run on its own bundled copy (a project on another SDK version), and a
 * project may load both the ESM and the CJS build: there can be two `HttpError` classes in one
 * process, and a handler's `err instanceof HttpError` must hold for an error made by either
 * (issue 19 item 1). So every public error class is branded: its prototype carries
 * `Symbol.for('@connector-kit/sdk/<Name>')`, shared by every copy, and `instanceof` on a branded
 * class checks that brand instead of the prototype chain. An author's own subclass (not branded)
 * keeps the ordinary prototype check.
 */
const brands = new WeakMap<object, symbol>();

/**
 * Brands `cls` as `name` of `scope` (the package): instances of it made by any copy of that
 * package pass `instanceof cls`. `cls` must be ConnectorError or a subclass (its
 * `Symbol.hasInstance` reads the brand). Every error class the SDK exports must be branded
 * (packages/sdk/test/errors.test.ts checks each export); the workspace brands its own family with
 * scope `@connector-kit/workspace` (packages/workspace/test/errors.test.ts).
 */
export function brandErrorClass(cls: abstract new (...args: never[]) => ConnectorError, name: string, scope = '@connector-kit/sdk'): void {
  const brand = Symbol.for(`${scope}/${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  brands.set(cls, brand);
}

/**
 * Codes the SDK raises itself: the library's (link, runtime, auth, `ctx.http`, proxies, secrets)
 * and the `connector` CLI's. Codes of the protocol's error answers are `WireErrorCode`
 * (protocol/errors.ts), the fallback codes of answers without one `AnswerFallbackCode`.
 * The README's error-code table lists every one (test/error-codes.test.ts checks both).
 */
export const LocalErrorCode = {
  // The link to the workspace (protocol.md §2, §3).
  /** The connector is shutting down; nothing more is sent. */
  notConnected: 'NOT_CONNECTED',
  /** Too many messages (or characters) wait while the link is down. */
  offlineQueueFull: 'OFFLINE_QUEUE_FULL',
  /** An answer over the workspace's frame limit, answered with this error instead. */
  resultTooLarge: 'RESULT_TOO_LARGE',
  /** An answer JSON cannot carry (a BigInt, a cycle). */
  resultNotJson: 'RESULT_NOT_JSON',
  /** The workspace refused `REGISTRATION_TOKEN`, or the registration itself. */
  registrationRejected: 'REGISTRATION_REJECTED',
  /** Registration is needed and no `REGISTRATION_TOKEN` is set. */
  registrationTokenMissing: 'REGISTRATION_TOKEN_MISSING',
  /** The workspace refused the connector key it had just issued. */
  connectorKeyRejected: 'CONNECTOR_KEY_REJECTED',
  /** Another process holds this instance's socket. */
  connectorKeyInUse: 'CONNECTOR_KEY_IN_USE',
  /** The workspace could not be reached or answered 5xx; retryable. */
  workspaceUnavailable: 'WORKSPACE_UNAVAILABLE',
  /** No connector id in package.json nor in `defineConnector`. */
  connectorIdMissing: 'CONNECTOR_ID_MISSING',
  /** The workspace answered a task or blob request without what §4 says it carries. */
  badAnswer: 'BAD_ANSWER',
  /** `ctx.blobs.create`: more than one frame can carry, or over the workspace's limit. */
  blobTooLarge: 'BLOB_TOO_LARGE',
  /** `ctx.blobs.create`: content that is no `Uint8Array` nor string, or `meta` that is not JSON. */
  blobInvalid: 'BLOB_INVALID',
  /** The test harness: no task of that id. */
  taskNotFound: 'TASK_NOT_FOUND',
  /** A name (a blob in the test harness; a 404 by `http.mapError` convention) that does not exist. */
  notFound: 'NOT_FOUND',
  // Configuration, keys and secrets (§5).
  /** A setting (env, `DEVICE_ENDPOINT`, `LOG_FORMAT`, …) is malformed. */
  configInvalid: 'CONFIG_INVALID',
  /** The key pair is missing. */
  keysMissing: 'KEYS_MISSING',
  /** The key pair is malformed or too weak. */
  keyInvalid: 'KEY_INVALID',
  /** A secret could not be decrypted. */
  secretUnreadable: 'SECRET_UNREADABLE',
  /** A secret was encrypted to a key id this connector does not hold. */
  secretKeyUnknown: 'SECRET_KEY_UNKNOWN',
  // Auth to the outside system and `ctx.http`.
  /** The API or the token endpoint rejected the credentials. */
  authFailed: 'AUTH_FAILED',
  /** OAuth: not connected, `invalid_grant`, or no refresh token. */
  reauthorizationRequired: 'REAUTHORIZATION_REQUIRED',
  /** The token endpoint kept failing; retryable. */
  tokenEndpointUnavailable: 'TOKEN_ENDPOINT_UNAVAILABLE',
  /** No OAuth client id, token URL or authorization URL. */
  oauthClientMissing: 'OAUTH_CLIENT_MISSING',
  /** A config field the auth needs is not set. */
  configMissing: 'CONFIG_MISSING',
  /** An operation needs an auth scheme other than the one `authMethod` chooses (`requireAuthScheme`). */
  authSchemeNotConfigured: 'AUTH_SCHEME_NOT_CONFIGURED',
  /** The API answered a status that is not 2xx. */
  httpError: 'HTTP_ERROR',
  /** 429 after retries. */
  rateLimited: 'RATE_LIMITED',
  /** No answer: refused, reset, DNS; retryable. */
  networkError: 'NETWORK_ERROR',
  /** The request was cancelled, or the connector is stopping. */
  aborted: 'ABORTED',
  /** A JSON answer that is not JSON, or pagination items that are no array. */
  httpBadResponse: 'HTTP_BAD_RESPONSE',
  /** A relative path without a base URL, or a base URL that is no http(s) URL. */
  httpUrlInvalid: 'HTTP_URL_INVALID',
  /** A page cursor this pagination did not hand out. */
  cursorInvalid: 'CURSOR_INVALID',
  /** The provider refused fields: `details.fields` (`validationFailed()`). */
  validationFailed: 'VALIDATION_FAILED',
  /** `ctx.progress()` got an unknown member, a count that is not a finite number ≥ 0, or a message over 1024 bytes. */
  progressInvalid: 'PROGRESS_INVALID',
  /** A generated method's binary answer is over its limit. */
  responseTooLarge: 'RESPONSE_TOO_LARGE',
  /** A `*_PROXY` variable is not an http(s) URL. */
  proxyInvalid: 'PROXY_INVALID',
  /** A proxy answered 407. */
  proxyAuthFailed: 'PROXY_AUTH_FAILED',
  /** A proxy refused the destination. */
  proxyRefused: 'PROXY_REFUSED',
  /** The proxy could not be reached or answered 5xx; retryable. */
  proxyUnavailable: 'PROXY_UNAVAILABLE',
  /** `NODE_EXTRA_CA_CERTS` cannot be read or holds no certificate. */
  caCertsInvalid: 'CA_CERTS_INVALID',
  // The connector's own definition and process.
  /** `defineConnector` found a bad method name or definition. */
  definitionInvalid: 'DEFINITION_INVALID',
  /** The controller was used before the connector started it. */
  notStarted: 'NOT_STARTED',
  /** `METRICS_PORT` or `HEALTH_PORT` cannot be bound. */
  listenFailed: 'LISTEN_FAILED',
  // The `connector` CLI.
  /** Not a connector project. */
  projectInvalid: 'PROJECT_INVALID',
  /** `connector build` was not run. */
  buildMissing: 'BUILD_MISSING',
  /** `connector build` found type errors. */
  typeErrors: 'TYPE_ERRORS',
  /** A malformed argument; exit code 2. */
  usage: 'USAGE',
  /** The OpenAPI document does not exist. */
  openapiNotFound: 'OPENAPI_NOT_FOUND',
  /** The OpenAPI document cannot be parsed or breaks the OpenAPI schema. */
  openapiInvalid: 'OPENAPI_INVALID',
  /** `connector create`: the create-connector package is missing. */
  createMissing: 'CREATE_MISSING',
  /** `connector keys`: the file already has a key pair. */
  keysExist: 'KEYS_EXIST',
  /** `connector add-method`: the method already exists. */
  methodExists: 'METHOD_EXISTS',
  /** `connector add-method`: its test file already exists. */
  testExists: 'TEST_EXISTS',
  /** A method or resource name that is not an identifier. */
  nameInvalid: 'NAME_INVALID',
  /** `connector generate`: the resource already exists. */
  resourceExists: 'RESOURCE_EXISTS',
  /** `connector dev`: no workspace is configured and none is installed. */
  workspaceMissing: 'WORKSPACE_MISSING',
  /** `connector dev`: the embedded workspace did not add the connector. */
  workspaceFailed: 'WORKSPACE_FAILED',
} as const;
export type LocalErrorCodeName = (typeof LocalErrorCode)[keyof typeof LocalErrorCode];

/**
 * The `code` of a {@link ConnectorError}: one of the SDK's codes (local, wire, answer fallback),
 * or an author's own SCREAMING_SNAKE code (`(string & {})` keeps editors completing ours).
 */
export type ConnectorErrorCode = LocalErrorCodeName | WireErrorCodeName | AnswerFallbackCodeName | (string & {});

/**
 * The SDK's error family. Every error the SDK raises is a {@link ConnectorError} with a stable
 * SCREAMING_SNAKE `code`; messages say what failed, the value seen, and what to do.
 */
export class ConnectorError extends Error {
  /**
   * For a branded class (ConnectorError, RemoteError, HttpError, ProxyError): true for an
   * instance made by any copy of the SDK. For an unbranded subclass: the usual prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const brand = brands.get(this);
    if (brand === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** Stable machine-readable code, e.g. `INPUT_INVALID`, `NOT_CONNECTED`, `REGISTRATION_REJECTED`. */
  readonly code: ConnectorErrorCode;
  /** Extra structured facts (e.g. validation issues). Never holds secret values. */
  readonly details?: unknown;
  /** True when trying again later may succeed. */
  readonly retryable: boolean;

  constructor(code: ConnectorErrorCode, message: string, options: { cause?: unknown; details?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }

  /** A plain object for logs and JSON: `name`, `code`, `message`, `details`. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details, retryable: this.retryable };
  }
}

/**
 * An error answer that came back from the other side of the protocol (the workspace, or a
 * connector when seen from the workspace): kept apart from local errors.
 */
export class RemoteError extends ConnectorError {
  constructor(code: ConnectorErrorCode, message: string, options: { details?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
    this.name = 'RemoteError';
  }
}

brandErrorClass(ConnectorError, 'ConnectorError');
brandErrorClass(RemoteError, 'RemoteError');
