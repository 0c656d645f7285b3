/**
 * The scaffolder's error: a stable `code` and a message that says what to do. It mirrors the
 * SDK's `ConnectorError` shape without importing the SDK (the scaffolder bundles only what it runs).
 */
export class CreateError extends Error {
  /** Stable code: `USAGE`, `NAME_INVALID`, `DIR_NOT_EMPTY`, `CONNECTOR_ID_MISSING`, `INSTALL_FAILED`, `OPENAPI_NOT_FOUND`, `OPENAPI_INVALID`, `GENERATE_FAILED`, `ABORTED`. */
  readonly code: string;
  /** Exit code of the CLI: 2 for a wrong command line, 130 when aborted, else 1. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CreateError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}
