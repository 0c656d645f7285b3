/**
 * The manifest of a class-style connector (`@connector-kit/sdk/controller`), read with the
 * TypeScript compiler from its sources: the class's public methods are the methods, their JSDoc
 * the descriptions, their parameter and return types the argument and answer JSON Schemas
 * (protocol.md §2 `introspect`, §8 method schemas), as zod gives them for `defineConnector`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Node, Scope, ts, type ClassDeclaration, type MethodDeclaration, type Symbol as TsSymbol, type Type } from 'ts-morph';
import { ConnectorError } from '../errors.js';
import { CONTROLLER_MEMBERS } from '../controller/members.js';
import type { ControllerSchemas } from '../controller/schemas.js';
import { createTypeProject, type ExtractTypesOptions } from './ts-types.js';

export type { ControllerMethodSchema, ControllerSchemas } from '../controller/schemas.js';

/** One thing the class says that a manifest cannot: where, and what to do. */
export interface ControllerProblem {
  /** `method saveNote`, `method saveNote: args.file`, or the class. */
  where: string;
  message: string;
}

/** What {@link extractControllerSchemas} found: the schemas of every method it could express. */
export interface ControllerExtraction {
  className: string;
  methods: ControllerSchemas;
  problems: ControllerProblem[];
}

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Reads the controller class behind the entry's default export (`defineController(Class, …)`).
 * Problems (a protected method, a type JSON cannot carry, an untyped argument) are collected,
 * not thrown, so `connector validate` can list them all; `connector build` fails on any.
 * @throws ConnectorError `DEFINITION_INVALID` when the entry is missing or its default export is not made by defineController
 */
export function extractControllerSchemas(options: ExtractTypesOptions): ControllerExtraction {
  const entryPath = path.resolve(options.projectDir, options.entry);
  if (!existsSync(entryPath)) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `connector entry ${entryPath} does not exist: pass the module that default-exports defineController(MyController, { ... })`,
    );
  }
  const project = createTypeProject(options);
  const entry = project.addSourceFileAtPath(entryPath);
  const exported = entry.getDefaultExportSymbol();
  const declaration = exported?.getDeclarations()[0];
  if (declaration === undefined) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `${options.entry} has no default export: expected \`export default defineController(MyController, { ... })\``,
    );
  }
  // `defineController` returns the class as the phantom `__controller` (see controller/index.ts).
  const at = Node.isExportAssignment(declaration) ? declaration.getExpression() : declaration;
  const connectorType = at.getType();
  const classType = connectorType.getProperty('__controller')?.getTypeAtLocation(at).getNonNullableType();
  const instance = classType?.getConstructSignatures()[0]?.getReturnType();
  const cls = instance?.getSymbol()?.getDeclarations().find(Node.isClassDeclaration);
  if (cls === undefined) {
    throw new ConnectorError(
      'DEFINITION_INVALID',
      `the default export of ${options.entry} is not a connector made by defineController(MyController, { ... }) from a class of this project` +
        (connectorType.isAny() ? ' (its type could not be resolved: is @connector-kit/sdk installed?)' : ''),
    );
  }

  const problems: ControllerProblem[] = [];
  const methods: ControllerSchemas = {};
  for (const method of publicMethods(cls, problems)) {
    const name = method.getName();
    const where = `method ${name}`;
    const converter = new SchemaConverter(method, problems);
    const input = argumentSchema(method, converter, where);
    const output = answerSchema(method, converter, where);
    if (input === undefined || output === null) continue;
    methods[name] = { description: docText(method), input, ...(output === undefined ? {} : { output }) };
  }
  return { className: cls.getName() ?? 'the default export', methods, problems };
}

/** Problems as one message, for `connector build`. */
export function describeProblems(extraction: ControllerExtraction): string {
  const lines = extraction.problems.map((p) => `  ${p.where}: ${p.message}`);
  return `the manifest cannot express ${extraction.problems.length} thing(s) of ${extraction.className}:\n${lines.join('\n')}`;
}

/** The class's own methods, then its parents' up to the SDK's Controller, as the runtime lists them. */
function publicMethods(cls: ClassDeclaration, problems: ControllerProblem[]): MethodDeclaration[] {
  const found = new Map<string, MethodDeclaration>();
  for (
    let current: ClassDeclaration | undefined = cls;
    current !== undefined && !isSdkController(current);
    current = current.getBaseClass()
  ) {
    for (const method of current.getInstanceMethods()) {
      const name = method.getName();
      // The runtime skips the same names (controllerMethods): hooks, helpers, `_names`, `#private`.
      if (found.has(name) || CONTROLLER_MEMBERS.has(name) || name.startsWith('_') || name.startsWith('#')) continue;
      const scope = method.getScope();
      if (scope !== Scope.Public) {
        // TypeScript's visibility is gone at run time: the workspace could still call it.
        problems.push({
          where: `method ${name}`,
          message: `is ${scope}, but JavaScript keeps no visibility, so the connector would still answer it: make it public, or rename it #${name} or _${name} to keep it a helper`,
        });
        continue;
      }
      if (method.getOverloads().length > 0) {
        problems.push({ where: `method ${name}`, message: 'has overloads: a connector method has one signature (one argument object)' });
        continue;
      }
      found.set(name, method);
    }
  }
  return [...found.values()];
}

function isSdkController(cls: ClassDeclaration): boolean {
  const file = cls.getSourceFile().getFilePath();
  return cls.getName() === 'Controller' && /[/\\]controller[/\\]index\.(d\.[cm]?ts|ts)$/.test(file);
}

/** A JSDoc's free text (the part before the tags), trimmed. */
function docText(node: MethodDeclaration): string {
  return node
    .getJsDocs()
    .map((doc) => doc.getDescription().trim())
    .filter((text) => text !== '')
    .join('\n');
}

/** `@param` texts by name: `args`, `args.name`, and for a destructured argument `name`. */
function paramTags(method: MethodDeclaration): Map<string, string> {
  const tags = new Map<string, string>();
  for (const doc of method.getJsDocs()) {
    for (const tag of doc.getTags()) {
      if (!Node.isJSDocParameterTag(tag)) continue;
      const text = (tag.getCommentText() ?? '').replace(/^\s*-\s*/, '').trim();
      if (text !== '') tags.set(tag.getName(), text);
    }
  }
  return tags;
}

function argumentSchema(method: MethodDeclaration, converter: SchemaConverter, where: string): Record<string, unknown> | undefined {
  const params = method.getParameters();
  if (params.length === 0) return { $schema: DRAFT, type: 'object', properties: {} };
  const [param] = params;
  if (params.length > 1 || param!.isRestParameter()) {
    converter.fail(
      where,
      `takes ${params.length} parameters: a connector method takes one argument object (ALOMA's style), e.g. ({ a, b }: { a: string; b?: number })`,
    );
    return undefined;
  }
  const type = param!.getType();
  if (type.isAny() || type.isUnknown()) {
    converter.fail(
      `${where}: args`,
      'has no type: annotate it, e.g. ({ name }: { name?: string }); the manifest and the input check are made from it',
    );
    return undefined;
  }
  const schema = converter.root(type.getNonNullableType(), 'input', `${where}: args`);
  if (schema === undefined) return undefined;
  if (schema.type !== 'object') {
    converter.fail(
      `${where}: args`,
      `is ${type.getText(method)}: the workspace always sends an object of named arguments, so type it as one`,
    );
    return undefined;
  }

  // JSDoc `@param` texts and the destructuring's literal defaults complete the properties.
  const tags = paramTags(method);
  const paramName = Node.isIdentifier(param!.getNameNode()) ? param!.getName() : undefined;
  const paramText = paramName === undefined ? undefined : tags.get(paramName);
  if (paramText !== undefined && schema.description === undefined) schema.description = paramText;
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  for (const [key, property] of Object.entries(properties)) {
    // Destructured: `@param name` or `@param args.name` (any one name before the dot) both say it.
    const text =
      paramName === undefined
        ? (tags.get(key) ?? [...tags].find(([tag]) => tag.split('.').length === 2 && tag.endsWith(`.${key}`))?.[1])
        : tags.get(`${paramName}.${key}`);
    if (text !== undefined && property.description === undefined) property.description = text;
  }
  const binding = param!.getNameNode();
  if (Node.isObjectBindingPattern(binding)) {
    for (const element of binding.getElements()) {
      const key = (element.getPropertyNameNode() ?? element.getNameNode()).getText();
      const initializer = element.getInitializer();
      const value = initializer === undefined ? undefined : literalValue(initializer);
      const property = properties[key];
      if (value !== undefined && property !== undefined) property.default = value;
    }
  }
  return schema;
}

/** The answer's schema; undefined for `void`, null when it cannot be expressed. */
function answerSchema(method: MethodDeclaration, converter: SchemaConverter, where: string): Record<string, unknown> | undefined | null {
  let type = method.getReturnType();
  const promised = type.getSymbol()?.getName() === 'Promise' ? type.getTypeArguments()[0] : undefined;
  if (promised !== undefined) type = promised;
  if (type.isVoid() || type.isUndefined()) return undefined;
  return converter.root(type, 'output', `${where}: answer`) ?? null;
}

/** A literal initializer's value (`'world'`, `10`, `-1`, `true`, `null`), else undefined. */
function literalValue(node: Node): unknown {
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (Node.isTrueLiteral(node)) return true;
  if (Node.isFalseLiteral(node)) return false;
  if (Node.isNullLiteral(node)) return null;
  if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === ts.SyntaxKind.MinusToken) {
    const operand = node.getOperand();
    if (Node.isNumericLiteral(operand)) return -operand.getLiteralValue();
  }
  return undefined;
}

/** Types JSON cannot carry, with what to use instead. */
const NOT_JSON: Readonly<Record<string, string>> = {
  Map: 'use a Record<string, …> (an object)',
  Set: 'use an array',
  WeakMap: 'use a Record<string, …> (an object)',
  WeakSet: 'use an array',
  Promise: 'await it before answering',
  RegExp: 'send its source as a string',
  Buffer: 'send base64 text (a string), e.g. for a blob use this.createBlob',
  Uint8Array: 'send base64 text (a string), e.g. for a blob use this.createBlob',
  ArrayBuffer: 'send base64 text (a string)',
  Error: 'answer { message: string } or throw it',
};

type Mode = 'input' | 'output';

/** TypeScript types → JSON Schema, as zod's toJSONSchema writes it for the equivalent schema. */
class SchemaConverter {
  /** Types being expanded (to spot recursion), and the `$defs` names of recursive ones. */
  readonly #expanding = new Set<string>();
  readonly #defs = new Map<string, { name: string; schema?: Record<string, unknown> }>();

  constructor(
    private readonly at: MethodDeclaration,
    private readonly problems: ControllerProblem[],
  ) {}

  fail(where: string, message: string): undefined {
    this.problems.push({ where, message });
    return undefined;
  }

  /** The schema of a whole argument or answer, with `$schema` and any `$defs`. */
  root(type: Type, mode: Mode, where: string): Record<string, unknown> | undefined {
    this.#defs.clear();
    const before = this.problems.length;
    const schema = this.convert(type, mode, where);
    if (schema === undefined || this.problems.length > before) return undefined;
    const defs = [...this.#defs.values()].filter((d) => d.schema !== undefined);
    return {
      $schema: DRAFT,
      ...schema,
      ...(defs.length === 0 ? {} : { $defs: Object.fromEntries(defs.map((d) => [d.name, d.schema])) }),
    };
  }

  convert(type: Type, mode: Mode, where: string): Record<string, unknown> | undefined {
    const flags = type.getFlags();
    if (type.isAny() || type.isUnknown()) return {};
    if (type.isNever()) return { not: {} };
    if (type.isString() || type.isTemplateLiteral() || flags & ts.TypeFlags.StringMapping) return { type: 'string' };
    if (type.isNumber()) return { type: 'number' };
    if (type.isBoolean()) return { type: 'boolean' };
    if (type.isNull()) return { type: 'null' };
    if (type.isStringLiteral() || type.isNumberLiteral() || type.isBooleanLiteral() || type.isEnumLiteral()) {
      const value = type.isBooleanLiteral() ? type.getText() === 'true' : type.getLiteralValue();
      if (typeof value === 'object' || value === undefined) return this.fail(where, `is ${type.getText(this.at)}, which JSON cannot carry`);
      return { type: typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean', const: value };
    }
    if (type.isUndefined() || type.isVoid()) {
      return this.fail(where, 'is undefined, which JSON cannot carry: make the member optional (`name?: T`) instead');
    }
    if (type.isBigInt() || type.isBigIntLiteral())
      return this.fail(where, 'is a bigint, which JSON cannot carry: use a number, or a string of digits');
    if (flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return this.fail(where, 'is a symbol, which JSON cannot carry');
    if (type.isTypeParameter())
      return this.fail(where, `is the type parameter ${type.getText()}: a connector method cannot be generic; name the type`);
    // `T | undefined` (an optional member) is T: the union adds nothing to expand.
    const defined = type.isUnion() ? type.getUnionTypes().filter((t) => !t.isUndefined()) : [];
    if (defined.length === 1) return this.convert(defined[0]!, mode, where);
    return this.#recursive(type, () => (type.isUnion() ? this.#union(type, mode, where) : this.#object(type, mode, where)));
  }

  /** Expands a type that may refer to itself: the second visit becomes a `$ref` into `$defs`. */
  #recursive(type: Type, expand: () => Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    const key = recursionKey(type);
    if (this.#expanding.has(key)) {
      let def = this.#defs.get(key);
      if (def === undefined) {
        def = { name: this.#defName(type) };
        this.#defs.set(key, def);
      }
      return { $ref: `#/$defs/${def.name}` };
    }
    this.#expanding.add(key);
    try {
      const schema = expand();
      const def = this.#defs.get(key);
      if (def === undefined || schema === undefined) return schema;
      def.schema = schema;
      return { $ref: `#/$defs/${def.name}` };
    } finally {
      this.#expanding.delete(key);
    }
  }

  #defName(type: Type): string {
    const base = (type.getAliasSymbol() ?? type.getSymbol())?.getName().replace(/[^A-Za-z0-9_]/g, '') || 'Type';
    const taken = new Set([...this.#defs.values()].map((d) => d.name));
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    return name;
  }

  #union(type: Type, mode: Mode, where: string): Record<string, unknown> | undefined {
    // `undefined` in a union is optionality, said by `required`; `true | false` is boolean.
    let members = type.getUnionTypes().filter((t) => !t.isUndefined() && !t.isVoid());
    const nullable = members.some((t) => t.isNull());
    const boolean = members.filter((t) => t.isBooleanLiteral()).length === 2;
    members = members.filter((t) => !t.isNull() && !(boolean && t.isBooleanLiteral()));
    const parts: Record<string, unknown>[] = boolean ? [{ type: 'boolean' }] : [];
    if (members.length > 1 && (members.every((t) => t.isStringLiteral()) || members.every((t) => t.isNumberLiteral()))) {
      const values = members.map((t) => t.getLiteralValue() as string | number);
      parts.push({ type: typeof values[0] === 'string' ? 'string' : 'number', enum: values });
    } else {
      for (const member of members) {
        const part = this.convert(member, mode, where);
        if (part === undefined) return undefined;
        parts.push(part);
      }
    }
    if (nullable) parts.push({ type: 'null' });
    return parts.length === 1 ? parts[0] : { anyOf: parts };
  }

  #object(type: Type, mode: Mode, where: string): Record<string, unknown> | undefined {
    const named = (type.getSymbol() ?? type.getAliasSymbol())?.getName();
    if (named === 'Date') {
      return mode === 'output'
        ? { type: 'string', format: 'date-time' }
        : this.fail(where, 'is a Date, which arrives as text in JSON: take an ISO 8601 string and parse it (new Date(text))');
    }
    if (named !== undefined && Object.hasOwn(NOT_JSON, named))
      return this.fail(where, `is a ${named}, which JSON cannot carry: ${NOT_JSON[named]}`);
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) {
      return this.fail(where, 'is a function, which JSON cannot carry');
    }
    if (type.isArray() || type.isReadonlyArray()) {
      const items = this.convert(type.getArrayElementTypeOrThrow(), mode, `${where}[]`);
      return items === undefined ? undefined : { type: 'array', items };
    }
    if (type.isTuple()) {
      const elements = type.getTupleElements().map((t, i) => this.convert(t, mode, `${where}[${i}]`));
      if (elements.some((e) => e === undefined)) return undefined;
      return { type: 'array', prefixItems: elements, minItems: elements.length, maxItems: elements.length };
    }
    if (!type.isObject() && !type.isIntersection())
      return this.fail(where, `is ${type.getText(this.at)}, which the manifest cannot express`);

    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    let failed = false;
    for (const property of type.getProperties()) {
      const key = property.getName();
      const at = `${where}.${key}`;
      if (key.startsWith('__@') || key.startsWith('#')) {
        failed = this.fail(at, 'is keyed by a symbol or private, which JSON cannot carry') === undefined || failed;
        continue;
      }
      const propertyType = property.getTypeAtLocation(this.at);
      if (propertyType.getCallSignatures().length > 0) {
        this.fail(
          at,
          `is a method: ${named ?? 'this type'} is a class or an object with functions, which JSON cannot carry; use a plain object type`,
        );
        failed = true;
        continue;
      }
      // `a?: T` is `T | undefined` to the checker: the union drops the undefined, `required` says it.
      const optional = property.isOptional();
      const schema = this.convert(propertyType, mode, at);
      if (schema === undefined) {
        failed = true;
        continue;
      }
      const description = documentation(property, this.at);
      properties[key] = description === undefined ? schema : { ...schema, description };
      if (!optional) required.push(key);
    }
    if (failed) return undefined;
    const schema: Record<string, unknown> = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    const index = type.getStringIndexType();
    if (index !== undefined) {
      const values = this.convert(index, mode, `${where}[key]`);
      if (values === undefined) return undefined;
      schema.additionalProperties = values;
    }
    return schema;
  }
}

/**
 * Identifies a type for recursion: `Json | undefined` (an optional member) is the same as `Json`,
 * so the recursion is found where the alias starts, not one level further down.
 */
function recursionKey(type: Type): string {
  const id = (t: Type): number => (t.compilerType as unknown as { id: number }).id;
  if (!type.isUnion()) return String(id(type));
  return type
    .getUnionTypes()
    .filter((t) => !t.isUndefined())
    .map(id)
    .sort((a, b) => a - b)
    .join('|');
}

/** A property's JSDoc text, if any. */
function documentation(property: TsSymbol, at: Node): string | undefined {
  const checker = at.getProject().getTypeChecker().compilerObject;
  const text = ts.displayPartsToString(property.compilerSymbol.getDocumentationComment(checker)).trim();
  return text === '' ? undefined : text;
}
