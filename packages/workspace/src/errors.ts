/**
 * The workspace's error type. Codes are SCREAMING_SNAKE strings; the ones that also travel on
 * the wire (TIMEOUT, CONNECTION_LOST, METHOD_NOT_FOUND, …) use the protocol's names.
 */

/** Codes raised by the workspace itself (connector error answers keep the code they carry). */
export const WorkspaceErrorCode = {
  /** No instance of the connector is connected. */
  connectorOffline: 'CONNECTOR_OFFLINE',
  /** A connector's error answer without a `code` (a v1 string-only error, §3). */
  connectorError: 'CONNECTOR_ERROR',
  /** No answer within the call's deadline (§3). */
  timeout: 'TIMEOUT',
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
  /** The listen port is taken by another process. */
  portInUse: 'PORT_IN_USE',
  /** Another live workspace holds the data folder's lock (`<dataDir>/workspace.lock`). */
  dataDirLocked: 'DATA_DIR_LOCKED',
  /** The workspace is closing or closed. */
  closed: 'WORKSPACE_CLOSED',
} as const;

/** An error of the workspace or of a call it relayed, with a stable `code`. */
export class WorkspaceError extends Error {
  /** Stable machine-readable code, e.g. `CONNECTOR_OFFLINE`, `TIMEOUT`, `INPUT_INVALID`. */
  readonly code: string;
  /** Structured facts (e.g. validation issues from the connector). Never holds secret values. */
  readonly details?: unknown;

  constructor(code: string, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkspaceError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }

  /** A plain object for logs and JSON answers. */
  toJSON(): { code: string; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
