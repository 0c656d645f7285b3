/**
 * Exact method signatures for the manifest's `introspect` text (protocol.md §2), read with the
 * TypeScript compiler from a connector project: what `z.input` / `z.output` of each schema are.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Project, ts, type Node, type SourceFile, type Type } from 'ts-morph';
import { ConnectorError } from '../errors.js';
import type { MethodTypes } from './declarations.js';

/** Where to find the connector project. */
export interface ExtractTypesOptions {
  /** The connector project's root folder. */
  projectDir: string;
  /** The module whose default export is the connector, relative to `projectDir`, e.g. `src/index.ts`. */
  entry: string;
  /** tsconfig.json to read compiler options from, relative to `projectDir`. @default `tsconfig.json` when it exists */
  tsconfig?: string;
}

/** Type text flags: whole structural types, double-quoted literals, never `...` abbreviations. */
const FORMAT =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.InTypeAlias |
  ts.TypeFormatFlags.UseStructuralFallback |
  ts.TypeFormatFlags.AllowUniqueESSymbolType;

/** Options a connector's tsconfig cannot turn off: null must stay visible, libs are not checked. */
const FORCED: ts.CompilerOptions = { noEmit: true, skipLibCheck: true, strictNullChecks: true };

/** Used when the project has no tsconfig.json. */
const DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
};

/**
 * Reads each method's argument and result types from the connector's TypeScript sources, as
 * expanded structural type text (`{ name?: string; }`). A method without an `output` schema
 * returns `unknown`. A method whose types cannot be written without names the reader cannot
 * see (e.g. an interface of the project, or a recursive type) is left out of the map, so the
 * declarations fall back to its JSON Schema.
 * @throws ConnectorError `DEFINITION_INVALID` when the entry is missing, has no default export,
 * or its default export is not a connector made by `defineConnector`
 */
export async function extractMethodTypes(options: ExtractTypesOptions): Promise<Map<string, MethodTypes>> {
  const entryPath = path.resolve(options.projectDir, options.entry);
  if (!existsSync(entryPath)) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `connector entry ${entryPath} does not exist: pass the module that default-exports defineConnector({ ... })`,
    );
  }
  const project = createTypeProject(options);
  const entry = project.addSourceFileAtPath(entryPath);

  // A synthetic module beside the entry names every type we need, so that one program (one
  // type check) answers everything. It imports nothing else: names from zod or the project
  // are out of its scope, so the checker prints their structure instead.
  const importPath = `./${path.basename(entryPath).replace(/\.([mc]?)tsx?$/, '.$1js')}`;
  const probe = project.createSourceFile(
    path.join(path.dirname(entryPath), '__connector_kit_types__.ts'),
    [
      `import type __c from ${JSON.stringify(importPath)};`,
      'export type __Default = typeof __c;',
      'type __M = NonNullable<__Default["__methods"]>;',
      'type __Output<D> = D extends { output?: infer O } ? (NonNullable<O> extends { _zod: { output: infer R } } ? R : unknown) : unknown;',
      // `order`: the object schema's shape, whose keys keep the order the author wrote them in.
      'export type __Signatures = { [K in keyof __M]: {',
      '  input: __M[K]["input"]["_zod"]["input"];',
      '  output: __Output<__M[K]>;',
      '  order: __M[K]["input"] extends { shape: infer S } ? S : never;',
      '} };',
      '',
    ].join('\n'),
    { overwrite: true },
  );

  if (entry.getDefaultExportSymbol() === undefined) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `${options.entry} has no default export: expected \`export default defineConnector({ ... })\``,
    );
  }
  assertConnector(probe, options.entry);

  const signatures = probe.getTypeAliasOrThrow('__Signatures');
  const visible = visibleTypeNames(probe);
  const result = new Map<string, MethodTypes>();
  for (const method of signatures.getType().getProperties()) {
    const signature = method.getTypeAtLocation(signatures);
    // zod lists required members before optional ones; put them back in the schema's order.
    const order = signature
      .getPropertyOrThrow('order')
      .getTypeAtLocation(signatures)
      .getProperties()
      .map((p) => p.getName());
    const input = finish(printProperty(signature, 'input', signatures), visible, order);
    const output = finish(printProperty(signature, 'output', signatures), visible);
    // Text that needs names the reader cannot see is dropped: the JSON Schema serves instead.
    if (input !== undefined && output !== undefined) result.set(method.getName(), { input, output });
  }
  return result;
}

/** A ts-morph project with the connector's compiler options (its tsconfig.json, if any). */
export function createTypeProject(options: ExtractTypesOptions): Project {
  const tsconfig = path.resolve(options.projectDir, options.tsconfig ?? 'tsconfig.json');
  if (options.tsconfig !== undefined && !existsSync(tsconfig)) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `tsconfig ${tsconfig} does not exist: pass an existing file or leave \`tsconfig\` unset`,
    );
  }
  // Only the entry and the synthetic module are added; module resolution pulls in the rest.
  return existsSync(tsconfig)
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, compilerOptions: FORCED })
    : new Project({ compilerOptions: { ...DEFAULTS, ...FORCED } });
}

/** Throws unless the default export looks like `defineConnector`'s result (`kind: 'connector'`, `__methods`). */
function assertConnector(probe: SourceFile, entry: string): void {
  const alias = probe.getTypeAliasOrThrow('__Default');
  const connector = alias.getType();
  const kind = connector.getProperty('kind')?.getTypeAtLocation(alias).getText(alias, FORMAT);
  if (!connector.isAny() && kind === '"connector"' && connector.getProperty('__methods') !== undefined) return;
  const found = connector.isAny()
    ? 'a value whose type could not be resolved (are its imports, e.g. @connector-kit/sdk and zod, installed?)'
    : `a value of type ${abbreviate(connector.getText(alias, FORMAT))}`;
  throw new ConnectorError(
    'DEFINITION_INVALID',
    `the default export of ${entry} is ${found}: expected the connector returned by defineConnector({ ... })`,
  );
}

function printProperty(owner: Type, name: string, at: Node): string {
  const type = owner.getPropertyOrThrow(name).getTypeAtLocation(at);
  // `any` comes from a method without an output schema, or from a type the checker gave up on.
  return type.isAny() ? 'unknown' : type.getText(at, FORMAT);
}

/** Names a type may mention: globals (`Date`, `Record`), not the probe's own `__` aliases. */
function visibleTypeNames(probe: SourceFile): Set<string> {
  const checker = probe.getProject().getTypeChecker().compilerObject;
  const symbols = checker.getSymbolsInScope(probe.compilerNode, ts.SymbolFlags.Type | ts.SymbolFlags.Namespace);
  return new Set(symbols.map((s) => s.name).filter((name) => !name.startsWith('__')));
}

/**
 * Checks printed type text and tidies it: undefined when it mentions a name outside `visible`
 * (or an `import("…")` type); else the text with `| undefined` dropped from optional members
 * (`a?: string | undefined` → `a?: string`), since `?` already says it, and the top-level
 * members sorted by `order`.
 */
function finish(typeText: string, visible: ReadonlySet<string>, order: readonly string[] = []): string | undefined {
  const file = parseType(typeText);
  if (file === undefined) return undefined;
  const cuts: Array<[number, number]> = [];
  let standalone = true;
  const visit = (node: ts.Node): void => {
    if (ts.isImportTypeNode(node) || ts.isTypeQueryNode(node)) standalone = false;
    if (ts.isTypeReferenceNode(node) && !visible.has(leftmost(node.typeName))) standalone = false;
    if (ts.isPropertySignature(node) && node.questionToken !== undefined && node.type !== undefined && ts.isUnionTypeNode(node.type)) {
      const members = node.type.types;
      members.forEach((member, i) => {
        if (member.kind !== ts.SyntaxKind.UndefinedKeyword || members.length < 2) return;
        const previous = members[i - 1];
        const next = members[i + 1];
        if (previous !== undefined) cuts.push([previous.end, member.end]);
        else if (next !== undefined) cuts.push([member.getStart(file), next.getStart(file)]);
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (!standalone) return undefined;
  let text = file.text;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + text.slice(end);
  return sortMembers(text.slice(TYPE_PREFIX.length, -1), order);
}

const TYPE_PREFIX = 'type T = ';

/** Parses type text as `type T = …;`; undefined when that is not one statement. */
function parseType(typeText: string): ts.SourceFile | undefined {
  const file = ts.createSourceFile('printed.ts', `${TYPE_PREFIX}${typeText};`, ts.ScriptTarget.Latest, true);
  return file.statements.length === 1 ? file : undefined;
}

/** Sorts the members of a top-level object type by `order`; members not in it keep their place after. */
function sortMembers(typeText: string, order: readonly string[]): string {
  const statement = order.length === 0 ? undefined : parseType(typeText)?.statements[0];
  if (statement === undefined || !ts.isTypeAliasDeclaration(statement) || !ts.isTypeLiteralNode(statement.type)) return typeText;
  const file = statement.getSourceFile();
  const rank = (member: ts.TypeElement): number => {
    const name = member.name !== undefined && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : '';
    const index = order.indexOf(name);
    return index === -1 ? order.length : index;
  };
  const members = [...statement.type.members].sort((a, b) => rank(a) - rank(b));
  return `{ ${members.map((m) => m.getText(file)).join(' ')} }`;
}

function leftmost(name: ts.EntityName): string {
  return ts.isIdentifier(name) ? name.text : leftmost(name.left);
}

function abbreviate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
