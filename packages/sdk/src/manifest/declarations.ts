/**
 * The manifest's `introspect` text (protocol.md §2): TypeScript declarations with JSDoc, one
 * function per method, which the workspace shows and autocompletes.
 */
import { ConnectorError } from '../errors.js';
import { checkMethodName } from '../protocol/index.js';
import { propertyKey, typeFromJsonSchema } from './json-schema-types.js';
import { isRecord } from '../protocol/json.js';

/** What the declarations say about one method. */
export interface MethodDoc {
  /** Dotted method name, e.g. `tickets.create`. */
  name: string;
  /** One or two sentences; may span lines. */
  description: string;
  /** Example calls, each shown as an `@example`. */
  examples: ReadonlyArray<{ input: unknown; output?: unknown; description?: string }>;
  /** JSON Schema (draft 2020-12) of the input as callers send it (`io: 'input'`). */
  inputSchema: unknown;
  /** JSON Schema of the result. @default none: the method returns `unknown` */
  outputSchema?: unknown;
}

/** A method's argument and result types as TypeScript type text. */
export interface MethodTypes {
  input: string;
  output: string;
}

/**
 * Words that cannot name a function or namespace. Such a segment below the top level turns
 * its group into `declare const x: { … }` (members may use them); at the top level nothing
 * can be declared under the name, so it is declared with a trailing `_` and a note.
 */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if import in instanceof new null return super switch this throw true try typeof var void while with'
  ).split(' '),
);
/** Global names a declaration may not redeclare. */
const TOP_LEVEL_TAKEN = new Set(['undefined', 'globalThis']);

interface Node {
  segment: string;
  method?: MethodDoc;
  children: Map<string, Node>;
}

/**
 * Renders one `declare function name(args: Input): Promise<Output>;` per method, with JSDoc.
 * Dotted names become nested `declare namespace` blocks, one per namespace, placed where its
 * first method appears. Types come from `types.get(name)`, else from the method's JSON Schemas.
 * @throws ConnectorError `DEFINITION_INVALID` when a method name is not a valid dotted name
 */
export function renderDeclarations(methods: readonly MethodDoc[], types: ReadonlyMap<string, MethodTypes>): string {
  const root = buildTree(methods);
  const topNames = new Set(root.children.keys());
  const blocks: string[][] = [];
  for (const node of root.children.values()) {
    const declared = declarableTopName(node.segment, topNames);
    const render: Renderer = { types, declaredTop: declared };
    if (hasReservedBelow(node)) {
      blocks.push([`declare const ${declared}: {`, ...joinBlocks(literalMembers(node, 1, render)), '};']);
    } else {
      blocks.push(...ambient(node, declared, 0, render));
    }
  }
  return blocks.length === 0 ? '' : `${joinBlocks(blocks).join('\n')}\n`;
}

interface Renderer {
  types: ReadonlyMap<string, MethodTypes>;
  /** The name the top-level segment is declared under (differs when it is reserved). */
  declaredTop: string;
}

function buildTree(methods: readonly MethodDoc[]): Node {
  const root: Node = { segment: '', children: new Map() };
  for (const method of methods) {
    const problem = checkMethodName(method.name);
    if (problem !== undefined) throw new ConnectorError('DEFINITION_INVALID', `cannot write introspect declarations: ${problem}`);
    let node = root;
    for (const segment of method.name.split('.')) {
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { segment, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.method = method;
  }
  return root;
}

function declarableTopName(segment: string, taken: ReadonlySet<string>): string {
  if (!RESERVED.has(segment) && !TOP_LEVEL_TAKEN.has(segment)) return segment;
  let name = `${segment}_`;
  while (taken.has(name)) name += '_';
  return name;
}

function hasReservedBelow(node: Node): boolean {
  for (const child of node.children.values()) {
    if (RESERVED.has(child.segment) || hasReservedBelow(child)) return true;
  }
  return false;
}

/** `declare function` / `declare namespace` blocks (nested ones without `declare`). */
function ambient(node: Node, declared: string, depth: number, render: Renderer): string[][] {
  const pad = '  '.repeat(depth);
  const keyword = depth === 0 ? 'declare ' : '';
  const blocks: string[][] = [];
  if (node.method !== undefined) {
    blocks.push([...jsdoc(node.method, pad, render), `${pad}${keyword}function ${declared}${signature(node.method, render)};`]);
  }
  if (node.children.size > 0) {
    const inner = [...node.children.values()].flatMap((child) => ambient(child, child.segment, depth + 1, render));
    blocks.push([`${pad}${keyword}namespace ${declared} {`, ...joinBlocks(inner), `${pad}}`]);
  }
  return blocks;
}

/** Members of an object type: a call signature for the node's own method, then its children. */
function literalMembers(node: Node, depth: number, render: Renderer): string[][] {
  const pad = '  '.repeat(depth);
  const blocks: string[][] = [];
  if (node.method !== undefined) {
    blocks.push([...jsdoc(node.method, pad, render), `${pad}${signature(node.method, render)};`]);
  }
  for (const child of node.children.values()) {
    // `new(…)` would read as a construct signature, so that one key is quoted.
    const key = child.segment === 'new' ? '"new"' : propertyKey(child.segment);
    if (child.children.size === 0 && child.method !== undefined) {
      blocks.push([...jsdoc(child.method, pad, render), `${pad}${key}${signature(child.method, render)};`]);
    } else {
      blocks.push([`${pad}${key}: {`, ...joinBlocks(literalMembers(child, depth + 1, render)), `${pad}};`]);
    }
  }
  return blocks;
}

function signature(method: MethodDoc, render: Renderer): string {
  const given = render.types.get(method.name);
  const input = given?.input ?? typeFromJsonSchema(method.inputSchema);
  const output = given?.output ?? (method.outputSchema === undefined ? 'unknown' : typeFromJsonSchema(method.outputSchema));
  return `(args: ${input}): Promise<${output}>`;
}

/** Blank line between blocks. */
function joinBlocks(blocks: readonly string[][]): string[] {
  return blocks.flatMap((block, index) => (index === 0 ? block : ['', ...block]));
}

function jsdoc(method: MethodDoc, pad: string, render: Renderer): string[] {
  // A method may lack a description (plain JavaScript, or a build that skipped the type check):
  // `connector validate` reports it; the declarations just go without.
  const description = typeof method.description === 'string' ? method.description.trim() : '';
  const lines: string[] = description === '' ? [] : [description];
  const [top = '', ...rest] = method.name.split('.');
  if (render.declaredTop !== top) {
    const declared = [render.declaredTop, ...rest].join('.');
    lines.push(`Declared as \`${declared}\` because \`${top}\` is reserved in TypeScript; the method's name is \`${method.name}\`.`);
  }

  const input = isRecord(method.inputSchema) ? method.inputSchema : {};
  lines.push(withText('@param args', describe(input)));
  const required = new Set(Array.isArray(input.required) ? input.required : []);
  const properties = isRecord(input.properties) ? Object.entries(input.properties) : [];
  for (const [field, property] of properties) {
    const path = propertyKey(field) === field ? `args.${field}` : `args[${JSON.stringify(field)}]`;
    const tagged = required.has(field) ? path : `[${path}]`;
    lines.push(withText(`@param ${tagged}`, describe(property, true)));
  }

  const returns = isRecord(method.outputSchema) ? describe(method.outputSchema) : undefined;
  if (returns !== undefined) lines.push(`@returns ${returns}`);

  for (const example of method.examples) {
    lines.push('@example');
    if (example.description !== undefined) lines.push(...textLines(example.description).map((l) => `// ${l}`));
    lines.push(`${method.name}(${example.input === undefined ? '' : json(example.input)})`);
    if (example.output !== undefined) lines.push(`// → ${json(example.output)}`);
  }

  const body = lines.flatMap(textLines).map((line) => `${pad} *${line === '' ? '' : ` ${line}`}`);
  return [`${pad}/**`, ...body, `${pad} */`];
}

/** A schema's description, with its default when asked for. */
function describe(schema: unknown, withDefault = false): string | undefined {
  if (!isRecord(schema)) return undefined;
  const parts: string[] = [];
  if (typeof schema.description === 'string' && schema.description.trim() !== '') parts.push(schema.description.trim());
  if (withDefault && Object.hasOwn(schema, 'default')) parts.push(`(default: ${json(schema.default)})`);
  return parts.length === 0 ? undefined : parts.join(' ');
}

function withText(tag: string, text: string | undefined): string {
  return text === undefined ? tag : `${tag} - ${text}`;
}

/** Lines of free text, made safe inside a `/** … *\/` comment. */
function textLines(text: string): string[] {
  return text
    .replaceAll('*/', '*\\/')
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd());
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // BigInt or a cycle in an example: still show something.
    return String(value);
  }
}
