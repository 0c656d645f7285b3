/**
 * The v1 `configSchema` shape (protocol.md §2).
 */

/** Field types of the v1 config schema. */
export type ConfigFieldType = 'line' | 'multiline' | 'number' | 'boolean' | 'managed';

/** One field of `configSchema.fields`, exactly as it travels on the wire. */
export interface ConfigFieldSchema {
  /** Label shown to a person. */
  name: string;
  type: ConfigFieldType;
  description?: string;
  placeholder?: string;
  optional?: boolean;
  /** Sent in clear text. Every other field is a secret and travels encrypted (§5). */
  plain?: boolean;
}

/** `configSchema` of the register body and of the introspect answer. */
export interface ConfigSchema {
  fields: Record<string, ConfigFieldSchema>;
  oauth?: true;
  summary?: string;
  description?: string;
}

/** The `schema` member of the register body (§2). */
export interface ConnectorSchema {
  configSchema: ConfigSchema;
  introspect: string;
  /** Extension (§8, feature `json-schema`): JSON Schema of each method's input and output. */
  methods?: Record<string, MethodSchema>;
}

/** JSON Schemas of one method (extension, §8). */
export interface MethodSchema {
  description?: string;
  input?: unknown;
  output?: unknown;
}
