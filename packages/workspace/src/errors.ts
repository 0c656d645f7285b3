/**
 * The workspace's error family: one base ({@link WorkspaceError}, itself a `ConnectorError` of the
 * SDK, so `code`, `details` and `retryable` mean the same on both sides), one constructor order
 * for every class, `(code, message, options)`, and every class branded so that `instanceof`
 * holds across copies of the package (the library, the CLI's bundle, a second install; issue 12
 * item 2). Codes are SCREAMING_SNAKE strings; the ones that also travel on the wire (TIMEOUT,
 * CONNECTION_LOST, METHOD_NOT_FOUND, …) use the protocol's names.
 */
import { brandErrorClass, ConnectorError } from '@connector-kit/sdk/internal';

/** Codes raised by the workspace itself (connector error answers keep the code they carry). */
export const WorkspaceErrorCode = {
  /** No instance of the connector is connected. */
  connectorOffline: 'CONNECTOR_OFFLINE',
  /** A connector's error answer without a `code` (a v1 string-only error, §3). */
  connectorError: 'CONNECTOR_ERROR',
  /** No answer within the call's deadline (§3). */
  timeout: 'TIMEOUT',
  /** The caller gave up on the call (its HTTP client disconnected, §8 `cancellation`). */
  cancelled: 'CANCELLED',
  /** The instance does not read its socket fast enough and too much waits for it (reliability.md item 10). */
  connectorBusy: 'CONNECTOR_BUSY',
  /** The instance's socket closed while the call was in flight. */
  connectionLost: 'CONNECTION_LOST',
  /** A name (connector, method, task) that does not exist. */
  notFound: 'NOT_FOUND',
  /** A connector of that name already exists. */
  conflict: 'CONFLICT',
  /** A request body or argument is malformed. */
  badRequest: 'BAD_REQUEST',
  /** A blob's content is over the workspace's limit (`maxBlobBytes`, §4 `connector.blob.create`). */
  blobTooLarge: 'BLOB_TOO_LARGE',
  /** The listen port is taken by another process. */
  portInUse: 'PORT_IN_USE',
  /** Another live workspace holds the data folder's lock (`<dataDir>/workspace.lock`). */
  dataDirLocked: 'DATA_DIR_LOCKED',
  /** The workspace is closing or closed. */
  closed: 'WORKSPACE_CLOSED',
  /** A bug, or a store failure: the workspace could not serve the request (its log says why). */
  internal: 'INTERNAL',
  // The device endpoints (protocol.md §2) and registration trust.
  /** An unknown, expired, used-up or revoked registration token, or an unknown connector key. */
  authFailed: 'AUTH_FAILED',
  /** The register body's `id` is not the connector id of the token's connector. */
  connectorIdMismatch: 'CONNECTOR_ID_MISMATCH',
  /** The instance's public key waits for `workspace connector approve`. */
  keyNotAccepted: 'KEY_NOT_ACCEPTED',
  /** The instance must prove it holds its key (§8 `key-proof`) and did not. */
  keyProofRequired: 'KEY_PROOF_REQUIRED',
  // HTTP requests (device endpoints, admin API, endpoints, webhooks).
  /** A body over its limit, or a field over its limit. */
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** An endpoint body that is neither JSON nor a form. */
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** A known path asked with another HTTP method. */
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** A webhook's rate or a token's registrations exceeded. */
  rateLimited: 'RATE_LIMITED',
  /** Missing or wrong admin token. */
  adminTokenInvalid: 'ADMIN_TOKEN_INVALID',
  /** Config set before the connector ever registered. */
  notRegistered: 'NOT_REGISTERED',
  /** A secret set (or a webhook attached) while no key is accepted. */
  noAcceptedKey: 'NO_ACCEPTED_KEY',
  /** Endpoint rotation for a connector that declares no endpoint. */
  noEndpoint: 'NO_ENDPOINT',
  /** A webhook attached to a connector whose instances did not negotiate `webhook-subscriptions`. */
  webhooksUnsupported: 'WEBHOOKS_UNSUPPORTED',
  /** A signed webhook's message without its Standard Webhooks headers. */
  webhookHeadersMissing: 'WEBHOOK_HEADERS_MISSING',
  /** A webhook message too old or too new. */
  webhookTimestamp: 'WEBHOOK_TIMESTAMP',
  /** A webhook message without a valid signature. */
  webhookSignature: 'WEBHOOK_SIGNATURE',
} as const;
export type WorkspaceErrorCodeName = (typeof WorkspaceErrorCode)[keyof typeof WorkspaceErrorCode];

/** Codes of the `workspace` CLI itself, beside the admin API's (packages/workspace/README.md). */
export const CliErrorCode = {
  /** A malformed argument or variable (exit code 2). */
  badArgument: 'BAD_ARGUMENT',
  /** Nothing answers at `--url`. */
  unreachable: 'UNREACHABLE',
  /** What answers at `--url` is not a workspace (no JSON). */
  badAnswer: 'BAD_ANSWER',
  /** No `--token`, `WORKSPACE_TOKEN` or `<data>/admin-token`. */
  adminTokenMissing: 'ADMIN_TOKEN_MISSING',
  /** The workspace rejected the admin token. */
  adminTokenInvalid: 'ADMIN_TOKEN_INVALID',
  /** `workspace serve` could not start the workspace, for a reason without a code of its own. */
  startFailed: 'START_FAILED',
  /** A bug: the message holds the stack. */
  internal: 'INTERNAL',
} as const;
export type CliErrorCodeName = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** Options of every workspace error class; a subclass adds its own facts. */
export interface WorkspaceErrorOptions {
  /** Structured facts (e.g. validation issues from the connector). Never holds secret values. */
  details?: unknown;
  /** The error that led to this one. */
  cause?: unknown;
  /** True when trying again later may succeed. @default false */
  retryable?: boolean;
}

/** An error of the workspace or of a call it relayed, with a stable `code`. */
export class WorkspaceError extends ConnectorError {
  constructor(code: string, message: string, options: WorkspaceErrorOptions = {}) {
    super(code, message, options);
    this.name = 'WorkspaceError';
  }

  /** A plain object for logs and JSON answers: `code`, `message`, and `details` when there are some. */
  override toJSON(): { code: string; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Options of a {@link RequestRejected}: the HTTP status to answer with. */
export interface RequestRejectedOptions extends WorkspaceErrorOptions {
  /** The HTTP status of the answer, e.g. 400, 404, 413. */
  status: number;
}

/**
 * A request of the device API, the admin API or an endpoint refused with an HTTP `status` and
 * a stable code; the message is safe to show (it is the answer's `error.message`).
 */
export class RequestRejected extends WorkspaceError {
  /** The HTTP status of the answer. */
  readonly status: number;

  constructor(code: string, message: string, options: RequestRejectedOptions) {
    super(code, message, options);
    this.name = 'RequestRejected';
    this.status = options.status;
  }
}

/** Why a webhook message was refused; the message is safe to show (it never holds a signature or the secret). */
export class WebhookRejected extends RequestRejected {
  constructor(code: string, message: string, options: RequestRejectedOptions) {
    super(code, message, options);
    this.name = 'WebhookRejected';
  }
}

/** Options of a {@link QueueFull}. */
export interface QueueFullOptions extends WorkspaceErrorOptions {
  /** Characters of packets already waiting for the instance. */
  queuedChars: number;
}

/** Thrown by `Connection.send` when the instance is too far behind to queue more (reliability.md item 10). */
export class QueueFull extends WorkspaceError {
  /** Characters of packets already waiting for the instance. */
  readonly queuedChars: number;

  constructor(code: string, message: string, options: QueueFullOptions) {
    super(code, message, options);
    this.name = 'QueueFull';
    this.queuedChars = options.queuedChars;
  }
}

/** Options of a {@link CliError}. */
export interface CliErrorOptions extends WorkspaceErrorOptions {
  /** The `workspace` command's exit status: 1 for failures, 2 for bad arguments. @default 1 */
  exitCode?: number;
}

/** A failure of the `workspace` command to report to the user, with its exit status. */
export class CliError extends WorkspaceError {
  /** The command's exit status: 1 for failures, 2 for bad arguments. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: CliErrorOptions = {}) {
    super(code, message, options);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Options of an {@link ApiError}: the status the admin API answered with. */
export interface ApiErrorOptions extends CliErrorOptions {
  /** The HTTP status of the admin API's answer. */
  status: number;
}

/** An error answer of the admin API (`{"error": {code, message, details?}}`), seen by the CLI. */
export class ApiError extends CliError {
  /** The HTTP status of the admin API's answer. */
  readonly status: number;

  constructor(code: string, message: string, options: ApiErrorOptions) {
    super(code, message, options);
    this.name = 'ApiError';
    this.status = options.status;
  }
}

/** The scope of the workspace's brands: `Symbol.for('@connector-kit/workspace/<Name>')`. */
const SCOPE = '@connector-kit/workspace';
brandErrorClass(WorkspaceError, 'WorkspaceError', SCOPE);
brandErrorClass(RequestRejected, 'RequestRejected', SCOPE);
brandErrorClass(WebhookRejected, 'WebhookRejected', SCOPE);
brandErrorClass(QueueFull, 'QueueFull', SCOPE);
brandErrorClass(CliError, 'CliError', SCOPE);
brandErrorClass(ApiError, 'ApiError', SCOPE);
