/**
 * The manifest a connector registers with (protocol.md §2): `configSchema`, the `introspect`
 * declarations, and each method's JSON Schema (extension, §8).
 */
import { z } from 'zod';
import {
  ENDPOINT_TOKEN_FIELD,
  ENDPOINT_TOKEN_SCHEMA,
  SpecialQuery,
  type ConfigFieldSchema,
  type ConnectorSchema,
  type MethodSchema,
} from '../protocol/index.js';
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
    inputSchema: method.schemas?.input ?? jsonSchema(method.input, 'input'),
    ...(method.schemas?.output !== undefined
      ? { outputSchema: method.schemas.output }
      : method.output === undefined
        ? {}
        : { outputSchema: jsonSchema(method.output, 'output') }),
  }));
}

/** §7 `__autocomplete` as the manifest shows it, for a connector with an autocomplete hook. */
const autocompleteInput = z.object({ entity: z.string().describe('The entity whose fields to suggest, e.g. "deal"') });
const autocompleteOutput = z.array(
  z.union([
    z.string(),
    z.object({ value: z.string(), label: z.string().optional(), description: z.string().optional(), type: z.string().optional() }),
  ]),
);

/** The manifest's entry of the autocomplete hook (§7), or undefined without one. */
export function describeAutocomplete(connector: Connector): MethodDoc | undefined {
  if (connector.definition.autocomplete === undefined) return undefined;
  return {
    name: SpecialQuery.autocomplete,
    description: 'Suggestions for the fields of an entity (protocol.md §7 autocomplete), e.g. the attributes of a deal.',
    examples: [],
    inputSchema: jsonSchema(autocompleteInput, 'input'),
    outputSchema: jsonSchema(autocompleteOutput, 'output'),
  };
}

/** §7: a connector with an endpoint (the option, or a v1-style `_endpoint` method) gets the managed `_endpointToken`. */
function endpointFields(connector: Connector): Record<string, ConfigFieldSchema> {
  const has =
    connector.definition.endpoint !== undefined ||
    connector.methods.has(SpecialQuery.endpoint) ||
    connector.methods.has(SpecialQuery.endpointV1);
  return has ? { [ENDPOINT_TOKEN_FIELD]: { ...ENDPOINT_TOKEN_SCHEMA } } : {};
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
  const autocomplete = describeAutocomplete(connector);
  const docs = autocomplete === undefined ? describeMethods(connector) : [...describeMethods(connector), autocomplete];
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
      { ...authConfigFields(auth), ...endpointFields(connector), ...extraFields },
    ),
    introspect: renderDeclarations(docs, types),
    methods,
  };
}
