/**
 * Connector config: checking values set through the admin API against the connector's
 * `configSchema` (§2), encrypting secrets to its public key (§5), and the `set-config`
 * arguments sent to its instances (§4).
 */
import type { ConfigFieldSchema, ConfigSchema, SetConfigArgs } from '@connector-kit/sdk/protocol';
import { encryptSecret, importPublicKey } from '@connector-kit/sdk/secrets';
import { WorkspaceError } from '../errors.js';
import type { ConfigEntry } from '../store/store.js';

/** What a secret looks like whenever it leaves the workspace through the API or CLI. */
export const SECRET_MASK = '••••••';

/** The managed secret field that holds the OAuth result (§4 `finish-oauth`, `config-update`). */
export const OAUTH_RESULT_FIELD = 'oauthResult';

/** A config value after coercion to its field's type. */
export type ConfigValue = string | number | boolean;

/** One value ready to store: clear when plain, JWE when secret. */
export interface ConfigWrite {
  field: string;
  value: ConfigValue;
  secret: boolean;
}

/** The fields of a schema by name: a Map, so names like `__proto__` are only ever data. */
export function schemaFields(schema: ConfigSchema | undefined): Map<string, ConfigFieldSchema> {
  const fields = schema?.fields;
  if (typeof fields !== 'object' || fields === null) return new Map();
  return new Map(Object.entries(fields).filter(([, field]) => typeof field === 'object' && field !== null));
}

/** True when the field travels encrypted (§2: every field not marked `plain`). */
export function isSecretField(field: ConfigFieldSchema): boolean {
  return field.plain !== true;
}

function coerce(name: string, field: ConfigFieldSchema, value: unknown): ConfigValue {
  // A secret's value is never echoed, not even in an error.
  const shown = isSecretField(field) ? `a ${Array.isArray(value) ? 'array' : typeof value}` : JSON.stringify(value);
  const bad = (expected: string): WorkspaceError =>
    new WorkspaceError('BAD_REQUEST', `config field "${name}" is of type ${field.type}: expected ${expected}, got ${shown}`);
  switch (field.type) {
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      throw bad('a number');
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw bad('true or false');
    }
    case 'managed':
      throw new WorkspaceError('BAD_REQUEST', `config field "${name}" is managed by the workspace and cannot be set`);
    case 'line':
    case 'multiline':
    default: {
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad('a string');
    }
  }
}

/**
 * Checks `values` (the body's `{field: value}` object) against the schema and coerces each by
 * its field's type ("42" → 42 for numbers, "true" → true for booleans).
 * @throws WorkspaceError `BAD_REQUEST` naming the field (unknown fields list the known ones)
 */
export function checkConfigValues(
  schema: ConfigSchema | undefined,
  values: unknown,
): Array<{ field: string; value: ConfigValue; secret: boolean }> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new WorkspaceError('BAD_REQUEST', 'body must be {"values": {"field": value, …}}');
  }
  const fields = schemaFields(schema);
  const settable = [...fields].filter(([, f]) => f.type !== 'managed').map(([name]) => name);
  const checked = [];
  // Object.entries reads own members only: a "__proto__" key is a plain (unknown) field name here.
  for (const [name, value] of Object.entries(values)) {
    const field = fields.get(name);
    if (field === undefined) {
      throw new WorkspaceError(
        'BAD_REQUEST',
        `unknown config field "${name}": the connector's fields are ${settable.length > 0 ? settable.join(', ') : '(none)'}`,
      );
    }
    checked.push({ field: name, value: coerce(name, field, value), secret: isSecretField(field) });
  }
  if (checked.length === 0) throw new WorkspaceError('BAD_REQUEST', 'no values given: pass {"values": {"field": value}}');
  return checked;
}

/** A key secrets are encrypted to: an accepted public key of the connector, by key id. */
export interface EncryptionKey {
  kid: string;
  publicKey: string;
}

/**
 * How a secret is stored: one JWE per accepted key (issue 13 finding 1: replicas with different
 * key pairs all read it), by key id. A plain string is a JWE stored before (or sent by the
 * connector itself, §6 `config-update`).
 */
export interface SealedSecret {
  $jwe: Record<string, string>;
}

function isSealed(value: unknown): value is SealedSecret {
  return (
    typeof value === 'object' && value !== null && typeof (value as SealedSecret).$jwe === 'object' && (value as SealedSecret).$jwe !== null
  );
}

/**
 * Encrypts each secret value to every key, with the connector id as audience (§5); plain values
 * pass unchanged.
 * @throws WorkspaceError `BAD_REQUEST` when a key is unusable
 */
export async function encryptConfigValues(
  values: ReadonlyArray<{ field: string; value: ConfigValue; secret: boolean }>,
  keys: readonly EncryptionKey[],
  connectorId: string,
): Promise<Array<{ field: string; value: ConfigValue | SealedSecret; secret: boolean }>> {
  if (!values.some((v) => v.secret)) return [...values];
  const imported = keys.map((k) => {
    try {
      return { kid: k.kid, key: importPublicKey(k.publicKey) };
    } catch (error) {
      throw new WorkspaceError(
        'BAD_REQUEST',
        `the connector's PUBLIC_KEY ${k.kid} is unusable (${(error as Error).message}): run 'connector keys' and restart it`,
      );
    }
  });
  return Promise.all(
    values.map(async (v) => {
      if (!v.secret) return v;
      const $jwe: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const { kid, key } of imported) $jwe[kid] = await encryptSecret(v.value, key, connectorId);
      return { ...v, value: { $jwe } };
    }),
  );
}

/**
 * The `a` of `connector.set-config` (§4) for an instance with key id `kid`: every stored field,
 * plain values in clear, each secret as the JWE encrypted to its key. A secret with no JWE for
 * its key goes as another key's: the connector reports it as encrypted to a key it does not
 * hold, naming the key, and leaves it unset.
 */
export function setConfigArgs(entries: readonly ConfigEntry[], kid: string): SetConfigArgs {
  const secrets: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const entry of entries) {
    if (entry.secret && isSealed(entry.value)) {
      const own = Object.hasOwn(entry.value.$jwe, kid) ? entry.value.$jwe[kid] : undefined;
      const value = own ?? Object.values(entry.value.$jwe)[0];
      if (value !== undefined) secrets[entry.field] = value;
    } else {
      secrets[entry.field] = entry.value;
    }
  }
  return { secrets };
}

/** A config field as the admin API shows it: secrets masked, never their value. */
export interface ConfigFieldView {
  field: string;
  label?: string | undefined;
  type?: string | undefined;
  description?: string | undefined;
  optional: boolean;
  secret: boolean;
  set: boolean;
  value?: unknown;
  updated?: string | undefined;
}

/** Every field of the schema plus any stored field it does not list (e.g. `oauthResult`), masked. */
export function configView(schema: ConfigSchema | undefined, entries: readonly ConfigEntry[]): ConfigFieldView[] {
  const stored = new Map(entries.map((e) => [e.field, e]));
  const views: ConfigFieldView[] = [];
  const show = (entry: ConfigEntry): unknown => (entry.secret ? SECRET_MASK : entry.value);
  for (const [name, field] of schemaFields(schema)) {
    const entry = stored.get(name);
    stored.delete(name);
    views.push({
      field: name,
      label: field.name,
      type: field.type,
      description: field.description,
      optional: field.optional === true,
      secret: isSecretField(field),
      set: entry !== undefined,
      ...(entry === undefined ? {} : { value: show(entry), updated: entry.updated.toISOString() }),
    });
  }
  for (const entry of stored.values()) {
    views.push({
      field: entry.field,
      optional: true,
      secret: entry.secret,
      set: true,
      value: show(entry),
      updated: entry.updated.toISOString(),
    });
  }
  return views;
}
