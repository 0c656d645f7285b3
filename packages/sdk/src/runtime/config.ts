/**
 * Turns the `secrets` of a `connector.set-config` (protocol.md §4) into the values handlers
 * see: plain fields as sent, every other field decrypted (§5). A value that fails is
 * reported by field name only and left unset.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConfigSchema } from '../protocol/index.js';
import { decryptSecret } from '../secrets/index.js';

/** The connector's private keys: current first, then the previous one during a rotation (reliability.md item 22). */
export type KeyRing = ReadonlyArray<{ key: KeyObject; kid: string }>;

/** The outcome of {@link decodeConfig}. */
export interface DecodedConfig {
  values: Record<string, unknown>;
  /** Fields whose value could not be read (names only). */
  unreadable: string[];
  /** Required fields that have no value. */
  missing: string[];
  /** Fields whose values are secret: decrypted ones, and fields the schema does not declare plain (names only). */
  secret: string[];
}

/**
 * Decodes one `set-config`. Fields the schema does not declare are kept (the workspace may
 * manage fields of its own): as sent, or decrypted when they are JWE.
 */
export async function decodeConfig(
  secrets: unknown,
  schema: ConfigSchema,
  keys: KeyRing,
  audience: string,
  logger: Logger,
): Promise<DecodedConfig> {
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const unreadable: string[] = [];
  const secret: string[] = [];
  const input = typeof secrets === 'object' && secrets !== null ? (secrets as Record<string, unknown>) : {};
  for (const [name, raw] of Object.entries(input)) {
    if (raw === undefined || raw === null || raw === '') continue;
    const field = Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;
    if (field?.plain || typeof raw !== 'string' || !looksLikeJwe(raw)) {
      values[name] = coerce(raw, field?.type);
      // A declared secret field sent in clear (a v1 workspace may) is a secret all the same.
      if (field !== undefined && !field.plain) secret.push(name);
      continue;
    }
    if (keys.length === 0) {
      unreadable.push(name);
      logger.error(`config field "${name}" is encrypted but this connector has no PRIVATE_KEY: run 'connector keys'`);
      continue;
    }
    try {
      values[name] = coerce(await decryptSecret(raw, keys, audience), field?.type);
      secret.push(name);
    } catch (error) {
      unreadable.push(name);
      logger.error(`config field "${name}" could not be decrypted: ${(error as Error).message}`);
    }
  }
  const missing = Object.entries(schema.fields)
    .filter(([name, field]) => !field.optional && field.type !== 'managed' && values[name] === undefined)
    .map(([name]) => name);
  return { values: { ...values }, unreadable, missing, secret };
}

/** Compact JWE: five base64url parts. */
function looksLikeJwe(value: string): boolean {
  return /^[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
}

function coerce(value: unknown, type: string | undefined): unknown {
  if (type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && typeof value === 'string') {
    if (value === 'true') return true;
    if (value === 'false') return false;
  }
  return value;
}
