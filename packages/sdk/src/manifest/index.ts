/**
 * The manifest's `introspect` declarations (protocol.md §2): rendering, and the two ways to
 * get each method's types (the TypeScript compiler, or the JSON Schemas as a fallback).
 */
export { renderDeclarations, type MethodDoc, type MethodTypes } from './declarations.js';
export { typeFromJsonSchema } from './json-schema-types.js';
export { extractMethodTypes, type ExtractTypesOptions } from './ts-types.js';
