/**
 * The manifest a connector registers with (protocol.md §2): `configSchema`, the `introspect`
 * declarations, and each method's JSON Schema (extension, §8).
 */
import { z } from 'zod';
import type { ConfigFieldSchema, ConnectorSchema, MethodSchema } from '../protocol/index.js';
import { renderDeclarations, type MethodDoc, type MethodTypes } from '../manifest/declarations.js';
import type { Connector } from './define.js';
import { toConfigSchema } from './fields.js';
import { authConfigFields, usesOAuthFlow } from '../auth/index.js';

/** JSON Schema of a zod schema; parts JSON Schema cannot express become `{}` rather than failing. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

/** What the runtime knows of each method: docs, examples, JSON Schemas. */
export function describeMethods(connector: Connector): MethodDoc[] {
  return [...connector.methods].map(([name, method]) => ({
    name,
    description: method.description,
    examples: method.examples ?? [],
    inputSchema: jsonSchema(method.input, 'input'),
    ...(method.output === undefined ? {} : { outputSchema: jsonSchema(method.output, 'output') }),
  }));
}

/**
 * Builds the registration `schema`. `types` holds TypeScript signatures extracted from the
 * project's sources by `connector build`; without them, types are derived from the JSON Schemas.
 * The fields of the connector's `auth` are added, and `oauth: true` for the OAuth flow (§2).
 */
export function buildManifest(
  connector: Connector,
  types: ReadonlyMap<string, MethodTypes> = new Map(),
  extraFields: Record<string, ConfigFieldSchema> = {},
): ConnectorSchema {
  const { summary, description, auth } = connector.definition;
  const docs = describeMethods(connector);
  const methods: Record<string, MethodSchema> = {};
  for (const doc of docs) {
    methods[doc.name] = {
      description: doc.description,
      input: doc.inputSchema,
      ...(doc.outputSchema === undefined ? {} : { output: doc.outputSchema }),
    };
  }
  return {
    configSchema: toConfigSchema(
      connector.fields,
      {
        ...(summary === undefined ? {} : { summary }),
        ...(description === undefined ? {} : { description }),
        ...(usesOAuthFlow(auth) ? { oauth: true } : {}),
      },
      { ...authConfigFields(auth), ...extraFields },
    ),
    introspect: renderDeclarations(docs, types),
    methods,
  };
}
