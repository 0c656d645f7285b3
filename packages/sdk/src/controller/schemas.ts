/**
 * The schemas of a class-style connector's methods, as `connector build` reads them from the
 * class's TypeScript types and writes them into the manifest (protocol.md §2, §8).
 */
import type { ConnectorSchema } from '../protocol/index.js';
import { isRecord } from '../protocol/json.js';

/** What the manifest says of one controller method. */
export interface ControllerMethodSchema {
  /** The method's JSDoc text; empty when it has none (`connector validate` reports that). */
  description: string;
  /** JSON Schema (draft 2020-12) of the argument object. */
  input: Record<string, unknown>;
  /** JSON Schema of the answer. @default none: a `void` method */
  output?: Record<string, unknown>;
}

/** The methods of a controller class by name, in the order the runtime finds them. */
export type ControllerSchemas = Record<string, ControllerMethodSchema>;

/** The method schemas of a manifest `connector build` wrote (what `connector start` serves with). */
export function controllerSchemasOf(manifest: ConnectorSchema): ControllerSchemas {
  const schemas: ControllerSchemas = {};
  for (const [name, method] of Object.entries(manifest.methods ?? {})) {
    if (!isRecord(method.input)) continue;
    schemas[name] = {
      description: method.description ?? '',
      input: method.input,
      ...(isRecord(method.output) ? { output: method.output } : {}),
    };
  }
  return schemas;
}

/**
 * A class-style connector served with a built manifest checks its calls against the manifest's
 * schemas (see `ControllerHandle.withSchemas`); any other connector is returned as it is.
 * @throws ConnectorError `DEFINITION_INVALID` when the manifest lacks a method of the class (a stale build)
 */
export function withManifestSchemas<C extends object>(connector: C, manifest: ConnectorSchema): C {
  const handle = (connector as { controller?: { withSchemas?: (schemas: ControllerSchemas) => unknown } }).controller;
  if (typeof handle?.withSchemas !== 'function') return connector;
  return handle.withSchemas(controllerSchemasOf(manifest)) as C;
}
