/**
 * Reading a connector's manifest (the `schema` of its register body, §2): the methods it
 * declares, with their TypeScript signatures from the `introspect` text and their JSON
 * Schemas when the connector sent them (§8).
 */
import type { ConnectorSchema } from '@connector-kit/sdk/protocol';

/** One method of a connector, as the admin API and CLI show it. */
export interface MethodInfo {
  name: string;
  /** `name(args): Result` from the introspect text, whitespace collapsed. */
  signature?: string;
  /** First paragraph of the method's JSDoc, or the JSON Schema description. */
  description?: string;
  /** JSON Schema of the input (§8 `json-schema`). */
  input?: unknown;
  /** JSON Schema of the output (§8 `json-schema`). */
  output?: unknown;
}

const DECLARATION = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?declare\s+function\s+([A-Za-z_$][\w$.]*)/g;

/** Text from `start` up to the `;` (or end of line at depth 0) that ends a declaration. */
function readDeclarationTail(text: string, start: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '{' || ch === '[' || ch === '<') depth++;
    else if ((ch === ')' || ch === '}' || ch === ']' || ch === '>') && text[i - 1] !== '=') depth--;
    else if (depth <= 0 && (ch === ';' || (ch === '\n' && text.slice(start, i).includes(')')))) return text.slice(start, i);
  }
  return text.slice(start);
}

function summary(jsdoc: string | undefined): string | undefined {
  if (jsdoc === undefined) return undefined;
  const lines = jsdoc.split('\n').map((line) => line.replace(/^\s*\*?\s?/, '').trimEnd());
  const paragraph: string[] = [];
  for (const line of lines) {
    if (line.startsWith('@')) break;
    if (line.trim() === '') {
      if (paragraph.length > 0) break;
      continue;
    }
    paragraph.push(line.trim());
  }
  return paragraph.length > 0 ? paragraph.join(' ') : undefined;
}

/** The declared methods: those of the introspect text in order, then any only in `methods`. */
export function describeMethods(manifest: ConnectorSchema | undefined): MethodInfo[] {
  if (manifest === undefined) return [];
  const byName = new Map<string, MethodInfo>();
  const introspect = typeof manifest.introspect === 'string' ? manifest.introspect : '';
  for (const match of introspect.matchAll(DECLARATION)) {
    const name = match[2]!;
    const tail = readDeclarationTail(introspect, match.index + match[0].length);
    const info: MethodInfo = { name, signature: (name + tail).replace(/\s+/g, ' ').trim() };
    const description = summary(match[1]);
    if (description !== undefined) info.description = description;
    byName.set(name, info);
  }
  const schemas = manifest.methods;
  if (typeof schemas === 'object' && schemas !== null) {
    for (const [name, schema] of Object.entries(schemas)) {
      const info = byName.get(name) ?? { name };
      if (info.description === undefined && typeof schema?.description === 'string') info.description = schema.description;
      if (schema?.input !== undefined) info.input = schema.input;
      if (schema?.output !== undefined) info.output = schema.output;
      byName.set(name, info);
    }
  }
  return [...byName.values()];
}
