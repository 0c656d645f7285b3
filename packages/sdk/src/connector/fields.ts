/**
 * Config fields: what a person fills in when they set a connector up (protocol.md §2).
 * Each builder records the field's wire shape and, in its type, the value type handlers see.
 */
import type { ConfigFieldSchema, ConfigFieldType, ConfigSchema } from '../protocol/index.js';

/** Options shared by every field builder. */
export interface FieldOptions {
  /** Label shown to a person. @default the field's key */
  label?: string;
  /** One sentence on what the value is and where to find it. */
  description?: string;
  /** Example value shown in an empty input. */
  placeholder?: string;
  /** The connector works without it. @default false */
  optional?: boolean;
  /** Sent in clear text. Leave unset for anything secret: non-plain fields travel encrypted (§5). @default false */
  plain?: boolean;
}

/** A declared config field. `T` is the value type; `Optional` decides whether handlers may see `undefined`. */
export interface ConfigField<T = unknown, Optional extends boolean = boolean> {
  readonly type: ConfigFieldType;
  readonly options: FieldOptions;
  /** Phantom: carries the value type for inference only. */
  readonly __value?: T;
  readonly __optional?: Optional;
}

/** The `config` member of a connector definition. */
export type ConfigFields = Record<string, ConfigField>;

type IsOptional<O> = O extends { optional: true } ? true : false;

/** The decrypted config values a handler sees for the declared `fields`. */
export type ConfigValues<F extends ConfigFields> = {
  readonly [K in keyof F]: F[K] extends ConfigField<infer T, infer Optional> ? (Optional extends true ? T | undefined : T) : never;
};

/** Config as seen by handlers of a connector whose fields were not inferred (object-form `methods`). */
export type LooseConfigValues = Readonly<Record<string, string | number | boolean | undefined>>;

function make<T>(type: ConfigFieldType) {
  return <O extends FieldOptions = FieldOptions>(options?: O): ConfigField<T, IsOptional<O>> => ({
    type,
    options: { ...options },
  });
}

/** Field builders: `field.line({ label: 'API key' })`. */
export const field = {
  /** A single line of text. */
  line: make<string>('line'),
  /** Several lines of text (e.g. a certificate). */
  multiline: make<string>('multiline'),
  /** A number. */
  number: make<number>('number'),
  /** A yes/no switch. */
  boolean: make<boolean>('boolean'),
};

/**
 * The wire shape of the declared fields (§2). Managed fields added by the SDK itself
 * (e.g. `oauthResult`) are passed in `extra`.
 */
export function toConfigSchema(
  fields: ConfigFields,
  meta: { summary?: string; description?: string; oauth?: boolean },
  extra: Record<string, ConfigFieldSchema> = {},
): ConfigSchema {
  const out: Record<string, ConfigFieldSchema> = Object.create(null) as Record<string, ConfigFieldSchema>;
  for (const [key, def] of Object.entries(fields)) {
    const { label, description, placeholder, optional, plain } = def.options;
    const schema: ConfigFieldSchema = { name: label ?? key, type: def.type };
    if (description !== undefined) schema.description = description;
    if (placeholder !== undefined) schema.placeholder = placeholder;
    if (optional) schema.optional = true;
    if (plain) schema.plain = true;
    out[key] = schema;
  }
  Object.assign(out, extra);
  const result: ConfigSchema = { fields: { ...out } };
  if (meta.oauth) result.oauth = true;
  if (meta.summary !== undefined) result.summary = meta.summary;
  if (meta.description !== undefined) result.description = meta.description;
  return result;
}
