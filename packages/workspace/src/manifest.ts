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

/** What one declared method looks like in the introspect text. */
interface Declared {
  name: string;
  signature: string;
  jsdoc: string | undefined;
}

const IDENT = '[A-Za-z_$][\\w$]*';
// Sticky (`y`): each is tried at the scanner's position only.
const NAMESPACE = new RegExp(`(?:declare\\s+)?namespace\\s+(${IDENT})\\s*\\{`, 'y');
// Dots allowed in the name: some v1 connectors declare `function crm.contacts.list(…)` flat.
const FUNCTION = new RegExp(`(?:declare\\s+)?function\\s+(${IDENT}(?:\\.${IDENT})*)`, 'y');
const CONST_OBJECT = new RegExp(`declare\\s+const\\s+(${IDENT})\\s*:\\s*\\{`, 'y');
const MEMBER = new RegExp(`("(?:[^"\\\\]|\\\\.)*"|${IDENT})\\s*(\\(|:\\s*\\{)`, 'y');
/** The note the SDK adds when a top-level name is reserved in TypeScript (`default` → `default_`). */
const RENAMED = /the method's name is `([^`]+)`/;

/**
 * Every method declared in the introspect text (§2), dotted names rebuilt from what the SDK
 * writes for them: nested `declare namespace` blocks, and `declare const x: { … }` object types
 * where a segment is a reserved word. Flat `declare function name(…)` (v1 connectors) too.
 */
function declaredMethods(text: string): Declared[] {
  const found: Declared[] = [];
  // Open scopes: a namespace or object type adds its name to the path; other braces add none.
  const scopes: Array<{ kind: 'namespace' | 'object' | 'other'; name: string }> = [];
  const path = (name: string): string => [...scopes.filter((s) => s.kind !== 'other').map((s) => s.name), name].join('.');
  let jsdoc: string | undefined;
  let i = 0;
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(text);
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch) || ch === ';') {
      i++;
      continue;
    }
    if (text.startsWith('/**', i)) {
      const close = text.indexOf('*/', i + 3);
      jsdoc = text.slice(i + 3, close < 0 ? text.length : close);
      i = close < 0 ? text.length : close + 2;
      continue;
    }
    if (text.startsWith('//', i)) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
      continue;
    }
    if (ch === '}') {
      scopes.pop();
      i++;
      continue;
    }
    const inObject = scopes.at(-1)?.kind === 'object';
    const member = inObject ? at(MEMBER) : null;
    if (member) {
      const key = member[1]!.startsWith('"') ? (JSON.parse(member[1]!) as string) : member[1]!;
      if (member[2] === '(') {
        const start = i + member[0].length - 1;
        const tail = readDeclarationTail(text, start);
        found.push({ name: RENAMED.exec(jsdoc ?? '')?.[1] ?? path(key), signature: `${path(key)}${tail}`, jsdoc });
        i = start + tail.length;
      } else {
        scopes.push({ kind: 'object', name: key });
        i += member[0].length;
      }
      jsdoc = undefined;
      continue;
    }
    const namespace = inObject ? null : at(NAMESPACE);
    if (namespace) {
      scopes.push({ kind: 'namespace', name: namespace[1]! });
      i += namespace[0].length;
      jsdoc = undefined;
      continue;
    }
    const object = inObject ? null : at(CONST_OBJECT);
    if (object) {
      scopes.push({ kind: 'object', name: object[1]! });
      i += object[0].length;
      jsdoc = undefined;
      continue;
    }
    const fn = inObject ? null : at(FUNCTION);
    if (fn && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tail = readDeclarationTail(text, i + fn[0].length);
      const declaredAs = path(fn[1]!);
      const name = RENAMED.exec(jsdoc ?? '')?.[1] ?? declaredAs;
      found.push({ name, signature: `${declaredAs}${tail}`, jsdoc });
      i += fn[0].length + tail.length;
      jsdoc = undefined;
      continue;
    }
    if (ch === '{') scopes.push({ kind: 'other', name: '' });
    else if (ch === '"' || ch === "'" || ch === '`') i = skipString(text, i);
    i++;
  }
  return found;
}

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

/** The index of the quote that closes the string opened at `start`. */
function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function summary(jsdoc: string | undefined): string | undefined {
  if (jsdoc === undefined) return undefined;
  const lines = jsdoc.split('\n').map((line) => line.replace(/^\s*\*?\s?/, '').trimEnd());
  const paragraph: string[] = [];
  for (const line of lines) {
    if (line.startsWith('@')) break;
    if (RENAMED.test(line)) continue; // the SDK's note on a renamed reserved word, not the description
    if (line.trim() === '') {
      if (paragraph.length > 0) break;
      continue;
    }
    paragraph.push(line.trim());
  }
  return paragraph.length > 0 ? paragraph.join(' ') : undefined;
}

/** The declared methods: those of the introspect text in order, then any only in `methods`. */
export function methodsOfManifest(manifest: ConnectorSchema | undefined): MethodInfo[] {
  if (manifest === undefined) return [];
  const byName = new Map<string, MethodInfo>();
  const introspect = typeof manifest.introspect === 'string' ? manifest.introspect : '';
  for (const declared of declaredMethods(introspect)) {
    const info: MethodInfo = { name: declared.name, signature: declared.signature.replace(/\s+/g, ' ').trim() };
    const description = summary(declared.jsdoc);
    if (description !== undefined) info.description = description;
    byName.set(declared.name, info);
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
