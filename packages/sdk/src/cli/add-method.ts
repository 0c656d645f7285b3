/**
 * `connector add method <name>`: adds a method skeleton to the `methods` of the connector in
 * src/index.ts and a test for it, with ts-morph, keeping the file's own formatting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { IndentationText, Node, Project, QuoteKind, SyntaxKind, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import { ConnectorError } from '../errors.js';
import { checkMethodName } from '../protocol/index.js';
import { sourceEntry } from './project.js';

/** Options of {@link addMethod}. */
export interface AddMethodOptions {
  /** The project folder. */
  dir: string;
  /** Dotted method name, e.g. `contacts.list`. */
  name: string;
  /** Source file that defines the connector, relative to `dir`. @default src/index.ts */
  entry?: string;
  /** The method's description. @default a TODO placeholder that `connector validate` warns about */
  description?: string;
}

const SDK = '@connector-kit/sdk';

/**
 * Adds the method and its test; returns the files written (relative to `dir`).
 * @throws ConnectorError `NAME_INVALID`, `METHOD_EXISTS`, `TEST_EXISTS`, `PROJECT_INVALID` (no `methods` object found)
 */
export async function addMethod(options: AddMethodOptions): Promise<string[]> {
  const problem =
    checkMethodName(options.name) ?? (options.name.startsWith('_') ? `method names starting with "_" are reserved (§7)` : undefined);
  if (problem !== undefined) throw new ConnectorError('NAME_INVALID', problem);
  const entry = sourceEntry(options.dir, options.entry);
  const entryPath = join(options.dir, entry);
  const testPath = join(options.dir, 'test', `${options.name}.test.ts`);

  // 1. Read the file with its own indentation and quotes, so inserted code looks like the rest.
  const text = readFileSync(entryPath, 'utf8');
  const style = detectStyle(text);
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    manipulationSettings: { indentationText: style.indent, quoteKind: style.quote, useTrailingCommas: style.trailingCommas },
  });
  const file = project.addSourceFileAtPath(entryPath);

  // 2. Find `methods` of `export default defineConnector({...})`.
  const { methods, factory } = findMethods(file, entry);
  const existing = methods.getProperties().find((p) => Node.isPropertyAssignment(p) && unquote(p.getName()) === options.name);
  if (existing)
    throw new ConnectorError('METHOD_EXISTS', `${entry} already has a method "${options.name}" (line ${existing.getStartLineNumber()})`);
  if (existsSync(testPath))
    throw new ConnectorError('TEST_EXISTS', `${relative(options.dir, testPath)} already exists: remove it or pick another name`);

  // 3. Insert the skeleton after the last method, indented like it, and the imports it needs.
  const q = style.quote;
  const description = options.description ?? `TODO: say what ${options.name} does`;
  const key = /^[A-Za-z_$][\w$]*$/.test(options.name) ? options.name : `${q}${options.name}${q}`;
  const unit = style.indent as string;
  const last = methods.getProperties().at(-1);
  const indent = last?.getIndentationText() ?? `${methods.getIndentationText()}${unit}`;
  const lines = [
    `${key}: ${factory ?? 'defineMethod'}({`,
    `${unit}description: ${quote(description, q)},`,
    `${unit}input: z.object({}),`,
    `${unit}output: z.object({ ok: z.boolean() }),`,
    `${unit}handler: async (input, ctx) => {`,
    `${unit}${unit}ctx.logger.info({ input }, ${quote(`TODO: implement ${options.name}`, q)});`,
    `${unit}${unit}return { ok: true };`,
    `${unit}},`,
    `})`,
  ].map((line) => `${indent}${line}`);
  if (last === undefined) {
    methods.replaceWithText(`{\n${lines.join('\n')}${style.trailingCommas ? ',' : ''}\n${methods.getIndentationText()}}`);
  } else {
    // Keep the file's habit: a trailing comma after the new last method only if the old one had one.
    const comma = last.getNextSiblingIfKind(SyntaxKind.CommaToken);
    file.insertText((comma ?? last).getEnd(), comma ? `\n${lines.join('\n')},` : `,\n${lines.join('\n')}`);
  }
  ensureImports(file, factory === undefined ? ['z', 'defineMethod'] : ['z']);
  await file.save();

  // 4. The test, calling the method through the harness.
  const importPath = relative(dirname(testPath), entryPath)
    .replace(/\\/g, '/')
    .replace(/\.(m?)ts$/, '.$1js');
  await mkdir(dirname(testPath), { recursive: true });
  await writeFile(testPath, testSource(options.name, importPath.startsWith('.') ? importPath : `./${importPath}`, style.indent, q));
  return [entry, relative(options.dir, testPath)];
}

interface Style {
  indent: IndentationText;
  quote: QuoteKind;
  trailingCommas: boolean;
}

/** The indentation, quote and trailing-comma habits of `text`. */
export function detectStyle(text: string): Style {
  const indents = [...text.matchAll(/^( +|\t+)\S/gm)].map((m) => m[1]!);
  const tab = indents.some((i) => i.startsWith('\t'));
  const smallest = Math.min(...indents.filter((i) => !i.startsWith('\t')).map((i) => i.length), Infinity);
  const indent = tab ? IndentationText.Tab : smallest === 4 ? IndentationText.FourSpaces : IndentationText.TwoSpaces;
  const singles = (text.match(/'/g) ?? []).length;
  const doubles = (text.match(/"/g) ?? []).length;
  // A comma before a closing bracket on the next line.
  const trailingCommas = /,\s*\n\s*[}\])]/.test(text);
  return { indent, quote: doubles > singles ? QuoteKind.Double : QuoteKind.Single, trailingCommas };
}

/** The `methods` object literal and, for `methods: (method) => ({...})`, the factory's parameter name. */
export function findMethods(file: SourceFile, entry: string): { methods: ObjectLiteralExpression; factory?: string } {
  const missing = (what: string): ConnectorError =>
    new ConnectorError(
      'PROJECT_INVALID',
      `${entry}: ${what}; add the method by hand, or keep the shape \`export default defineConnector({ methods: { … } })\``,
    );
  let expression: Node | undefined = file.getExportAssignment((e) => !e.isExportEquals())?.getExpression();
  if (expression === undefined) throw missing('no `export default`');
  expression = resolveIdentifier(expression);
  if (!Node.isCallExpression(expression) || !/\bdefineConnector$/.test(expression.getExpression().getText())) {
    throw missing('the default export is not a call to defineConnector()');
  }
  const definition = resolveIdentifier(expression.getArguments()[0]);
  if (!Node.isObjectLiteralExpression(definition)) throw missing('defineConnector() is not given an object literal');
  const property = definition.getProperty('methods');
  let value: Node | undefined;
  if (Node.isPropertyAssignment(property)) value = property.getInitializer();
  else if (Node.isShorthandPropertyAssignment(property)) value = file.getVariableDeclaration(property.getName())?.getInitializer();
  value = resolveIdentifier(value);
  if (Node.isObjectLiteralExpression(value)) return { methods: value };
  if (Node.isArrowFunction(value) || Node.isFunctionExpression(value)) {
    const factory = value.getParameters()[0]?.getName();
    let body: Node | undefined = value.getBody();
    if (Node.isBlock(body)) body = body.getDescendantsOfKind(SyntaxKind.ReturnStatement).at(-1)?.getExpression();
    while (Node.isParenthesizedExpression(body)) body = body.getExpression();
    if (Node.isObjectLiteralExpression(body)) return factory === undefined ? { methods: body } : { methods: body, factory };
  }
  throw missing('`methods` is not an object literal or a function returning one');
}

/** Follows `const x = …` within the file; anything else is returned as is. */
function resolveIdentifier(node: Node | undefined): Node | undefined {
  if (!Node.isIdentifier(node)) return node;
  const declaration = node.getSymbol()?.getDeclarations()[0];
  return Node.isVariableDeclaration(declaration) ? (declaration.getInitializer() ?? node) : node;
}

/** Adds named imports from the SDK that are missing. */
function ensureImports(file: SourceFile, names: readonly string[]): void {
  const declaration = file.getImportDeclaration((d) => d.getModuleSpecifierValue() === SDK);
  const present = new Set(declaration?.getNamedImports().map((n) => n.getAliasNode()?.getText() ?? n.getName()) ?? []);
  const missing = names.filter((n) => !present.has(n));
  if (missing.length === 0) return;
  if (declaration) declaration.addNamedImports([...missing]);
  else file.insertImportDeclaration(0, { moduleSpecifier: SDK, namedImports: [...missing] });
}

function unquote(name: string): string {
  return name.replace(/^(['"`])(.*)\1$/, '$2');
}

function quote(text: string, q: string): string {
  return `${q}${text.replace(/\\/g, '\\\\').replaceAll(q, `\\${q}`)}${q}`;
}

function testSource(name: string, importPath: string, indent: string, q: string): string {
  const s = (text: string): string => quote(text, q);
  const i = (n: number): string => indent.repeat(n);
  return [
    `import { describe, expect, it } from ${s('vitest')};`,
    `import { createTestHarness } from ${s('@connector-kit/sdk/testing')};`,
    `import connector from ${s(importPath)};`,
    '',
    `describe(${s(name)}, () => {`,
    `${i(1)}it(${s('answers ok')}, async () => {`,
    `${i(2)}const harness = createTestHarness(connector);`,
    '',
    `${i(2)}await expect(harness.call(${s(name)}, {})).resolves.toEqual({ ok: true });`,
    `${i(1)}});`,
    '});',
    '',
  ].join('\n');
}
