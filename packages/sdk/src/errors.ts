/**
 * Brand shared by every copy of this module. A connector imports the SDK's library build while
 * the `connector` CLI runs its own bundle (or a project may load both ESM and CJS builds), so
 * there can be two `ConnectorError` classes in one process: `instanceof` checks the brand.
 */
const BRAND = Symbol.for('@connector-kit/sdk/ConnectorError');

/**
 * The SDK's error family. Every error the SDK raises is a {@link ConnectorError} with a stable
 * SCREAMING_SNAKE `code`; messages say what failed, the value seen, and what to do.
 */
export class ConnectorError extends Error {
  /** True for a ConnectorError made by any copy of the SDK; subclasses keep the usual prototype check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ConnectorError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Stable machine-readable code, e.g. `INPUT_INVALID`, `NOT_CONNECTED`, `REGISTRATION_REJECTED`. */
  readonly code: string;
  /** Extra structured facts (e.g. validation issues). Never holds secret values. */
  readonly details?: unknown;
  /** True when trying again later may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; details?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
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
  constructor(code: string, message: string, options: { details?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
    this.name = 'RemoteError';
  }
}
