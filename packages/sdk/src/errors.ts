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

brandErrorClass(ConnectorError, 'ConnectorError');
brandErrorClass(RemoteError, 'RemoteError');
