/**
 * Limits of what a registration-token or connector-key holder may send (issue 13 finding 6):
 * sizes per field of the register body (§2 step 2), of the connect and disconnect bodies (§2
 * steps 1 and 3) and of `connector.health.check` notices (§4), and a rate of registrations per
 * token. Everything a connector sends is kept in memory or in the store, so none of it may be
 * unbounded. Sizes are UTF-8 bytes (JSON members as serialized).
 */
import { WebhookRateLimiter } from './webhooks.js';
import { RequestRejected } from '../errors.js';
import type { RegisterBody } from '@connector-kit/sdk/protocol';

/** Limits of the device endpoints and health notices (the `deviceLimits` option of `startWorkspace`). */
export interface DeviceLimits {
  /** Largest `schema.introspect` (the TypeScript declarations), in bytes. @default 2097152 (2 MiB) */
  introspectBytes?: number;
  /** Largest `schema.methods` (JSON Schemas, §8), serialized, in bytes. @default 2097152 (2 MiB) */
  methodsBytes?: number;
  /** Largest `schema.configSchema`, serialized, in bytes. @default 262144 (256 KiB) */
  configSchemaBytes?: number;
  /** Largest `icon` (base64 PNG), in bytes. @default 262144 (256 KiB) */
  iconBytes?: number;
  /** Largest `publicKey` (base64 PEM), in bytes. @default 16384 */
  publicKeyBytes?: number;
  /** Largest `id`, `name`, `version` and `deployment` of the register body, in bytes. @default 256 */
  nameBytes?: number;
  /** Largest connect or disconnect body, in bytes. @default 65536 */
  connectBodyBytes?: number;
  /** Largest `error` of a `connector.health.check`, in bytes. @default 8192 */
  healthErrorBytes?: number;
  /** Registrations each registration token makes per minute on average; more get 429 with `Retry-After`. @default 30 */
  registrationsPerMinute?: number;
  /** Registrations a token makes at once before the rate applies (replicas starting together). @default 20 */
  registrationBurst?: number;
}

const DEFAULT_DEVICE_LIMITS: Required<DeviceLimits> = {
  introspectBytes: 2 * 1024 * 1024,
  methodsBytes: 2 * 1024 * 1024,
  configSchemaBytes: 256 * 1024,
  iconBytes: 256 * 1024,
  publicKeyBytes: 16 * 1024,
  nameBytes: 256,
  connectBodyBytes: 64 * 1024,
  healthErrorBytes: 8 * 1024,
  registrationsPerMinute: 30,
  registrationBurst: 20,
};

/**
 * The limits with their defaults filled in.
 * @throws RangeError naming the option when one is not a positive number
 */
export function deviceLimits(limits: DeviceLimits = {}): Required<DeviceLimits> {
  const merged = { ...DEFAULT_DEVICE_LIMITS };
  for (const [name, value] of Object.entries(limits) as Array<[keyof DeviceLimits, unknown]>) {
    if (value === undefined) continue;
    if (!(name in DEFAULT_DEVICE_LIMITS)) {
      throw new RangeError(`deviceLimits.${name} is not a limit: use one of ${Object.keys(DEFAULT_DEVICE_LIMITS).join(', ')}`);
    }
    if (typeof value !== 'number' || !(value > 0)) {
      throw new RangeError(`deviceLimits.${name} must be a positive number, got ${String(value)}`);
    }
    merged[name] = value;
  }
  return merged;
}

/** Size in bytes of a string, or of any other value as JSON. */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/** The message of a field over its limit; `what` says what to do about it. */
export function overLimitMessage(field: string, size: number, limit: number, what: string): string {
  return `"${field}" is ${size} bytes, over the limit of ${limit} bytes: ${what}`;
}

/**
 * Checks the size of each field of a register body (§2 step 2), before anything is stored.
 * Called on a body whose types are already checked.
 * @throws RequestRejected 413 `PAYLOAD_TOO_LARGE` naming the first field over its limit and the limit
 */
export function checkRegisterSizes(body: RegisterBody, limits: Required<DeviceLimits>): void {
  const schema = body.schema;
  const manifest = 'make the manifest smaller (fewer or shorter methods, shorter JSDoc), or raise the limit (startWorkspace deviceLimits)';
  const checks: Array<[field: string, value: unknown, limit: number, what: string]> = [
    ['id', body.id, limits.nameBytes, 'use the connector id the workspace gave (connectorId in package.json)'],
    ['name', body.name, limits.nameBytes, 'set a shorter instance name (HOSTNAME)'],
    ['version', body.version, limits.nameBytes, 'use a shorter version in package.json'],
    ['deployment', body.deployment, limits.nameBytes, 'set a shorter DEPLOYMENT'],
    ['publicKey', body.publicKey, limits.publicKeyBytes, 'send the base64 of one SPKI PEM public key (PUBLIC_KEY)'],
    ['icon', body.icon, limits.iconBytes, 'use a smaller icon'],
    ['schema.configSchema', schema.configSchema, limits.configSchemaBytes, manifest],
    ['schema.introspect', schema.introspect, limits.introspectBytes, manifest],
    ['schema.methods', schema.methods, limits.methodsBytes, manifest],
  ];
  for (const [field, value, limit, what] of checks) {
    if (value === undefined || value === null) continue;
    const size = sizeOf(value);
    if (size > limit)
      throw new RequestRejected('PAYLOAD_TOO_LARGE', `invalid register body: ${overLimitMessage(field, size, limit, what)}`, {
        status: 413,
      });
  }
}

/** Registrations per registration token: a token bucket keyed by the token's hash. */
export class RegistrationRateLimiter {
  readonly #buckets: WebhookRateLimiter;
  readonly #perMinute: number;

  constructor(limits: Required<DeviceLimits>) {
    this.#perMinute = limits.registrationsPerMinute;
    this.#buckets = new WebhookRateLimiter(limits.registrationsPerMinute / 60, limits.registrationBurst);
  }

  /**
   * Counts one registration with the token whose hash is `tokenHash`.
   * @throws RequestRejected 429 `RATE_LIMITED` with `details.retryAfter` (seconds) past the rate
   */
  take(tokenHash: string, connector: string): void {
    const wait = this.#buckets.take(tokenHash);
    if (wait > 0) {
      throw new RequestRejected(
        'RATE_LIMITED',
        `the registration token of connector "${connector}" registers at most ${this.#perMinute} instances per minute: retry after ${wait} s (a connector that keeps its connector key, CONNECTOR_KEY or its key file, does not register again on restart)`,
        { status: 429, details: { retryAfter: wait } },
      );
    }
  }
}
