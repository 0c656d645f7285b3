/**
 * `connector generate` and `connector add resource`: the OpenAPI documents a project names in
 * its package.json (`openapi`) regenerated into `src/generated/`, with `test/generated.test.ts`.
 * What the author writes (`src/index.ts`, other tests) is never overwritten.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Node, Project, SyntaxKind } from 'ts-morph';
import { ConnectorError } from '../errors.js';
import { checkMethodName } from '../protocol/index.js';
import { findMethods } from './add-method.js';
import { authorIndex } from './openapi/emit.js';
import { generateFromOpenApi, writeGenerated } from './openapi/index.js';
import { generatedTest, type MethodInfo } from './openapi/testgen.js';
import { sourceEntry } from './project.js';

/** The `openapi` member of a project's package.json. */
export interface OpenApiConfig {
  /** The document the connector is made from (its base URL and auth), relative to the project. */
  spec?: string;
  /** Further documents or tag groups, by resource name: their methods are `<name>.…`. */
  resources?: Record<string, { spec: string; tag?: string }>;
}

/** What a generation did. */
export interface GenerateResult {
  /** Files written, relative to the project. */
  files: string[];
  methods: number;
  warnings: string[];
}

const GENERATED = join('src', 'generated');
const TEST = join('test', 'generated.test.ts');

/** Reads `openapi` from package.json. @throws ConnectorError `PROJECT_INVALID` */
export function readOpenApiConfig(dir: string): OpenApiConfig {
  const file = join(dir, 'package.json');
  let pkg: { openapi?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as { openapi?: unknown };
  } catch (error) {
    throw new ConnectorError(
      'PROJECT_INVALID',
      `cannot read ${file}: ${(error as Error).message}. Run this command in a connector project folder`,
    );
  }
  const config = pkg.openapi;
  if (config === undefined) {
    throw new ConnectorError(
      'PROJECT_INVALID',
      `${file} names no OpenAPI document ("openapi"): make the project with \`connector create <name> --connector-id <id> --from-openapi <file>\`, or add one with \`connector add resource <name> --spec <file>\``,
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConnectorError('PROJECT_INVALID', `"openapi" in ${file} must be an object like { "spec": "openapi/api.yaml" }`);
  }
  return config as OpenApiConfig;
}

/**
 * Regenerates `src/generated/` (and `test/generated.test.ts`) from the documents package.json
 * names; writes `src/index.ts` only when there is none.
 * @throws ConnectorError `PROJECT_INVALID`, `OPENAPI_NOT_FOUND`, `OPENAPI_INVALID`
 */
export async function generateProject(dir: string): Promise<GenerateResult> {
  const config = readOpenApiConfig(dir);
  const files = new Map<string, string>();
  const warnings: string[] = [];
  const calls: MethodInfo[] = [];
  const taken: string[] = [];
  const resources = Object.keys(config.resources ?? {}).sort();
  let baseUrl: string | undefined;
  let auth: string | undefined;
  let target: { auth?: string; scheme?: string } = {};
  let doc: Record<string, unknown> | undefined;

  // 1. The connector's own document: name, base URL, auth, and methods at the top level.
  if (config.spec !== undefined) {
    const main = await generateFromOpenApi({ file: join(dir, config.spec), source: config.spec, resources });
    main.files.forEach((text, name) => files.set(name, text));
    warnings.push(...main.warnings);
    calls.push(...main.calls);
    taken.push(...main.methods);
    baseUrl = main.baseUrl;
    auth = main.auth;
    const tested = main.defaultAuth ?? main.auth;
    target = {
      ...(tested === undefined ? {} : { auth: tested }),
      ...(main.defaultScheme === undefined ? {} : { scheme: main.defaultScheme }),
    };
    doc = main.doc;
  }

  // 2. Resources, each in its folder, its methods under its name.
  for (const name of resources) {
    const resource = config.resources![name]!;
    const problem = resourceNameProblem(name);
    if (problem !== undefined) throw new ConnectorError('PROJECT_INVALID', `"openapi.resources" in package.json: ${problem}`);
    const out = await generateFromOpenApi({
      file: join(dir, resource.spec),
      source: resource.spec,
      prefix: name,
      taken,
      ...(resource.tag === undefined ? {} : { tag: resource.tag }),
      // Without the connector's base URL (none, or another host), the resource calls its own host.
      connectorBaseUrl: baseUrl ?? '',
    });
    out.files.forEach((text, file) => files.set(`${name}/${file}`, text));
    if (out.auth !== undefined && out.auth !== auth) {
      warnings.push(
        `${name}: its document authenticates with ${out.auth}, which is not the connector's auth (${auth ?? 'none'}): its requests carry the connector's credentials, and only to the connector's base URL`,
      );
    }
    warnings.push(...out.warnings.map((w) => `${name}: ${w}`));
    taken.push(...out.methods);
    if (config.spec === undefined && calls.length === 0) {
      calls.push(...out.calls);
      doc = out.doc;
    }
  }
  if (config.spec === undefined) files.set('index.ts', resourcesIndex(resources));

  // 3. Write: the generated folder replaced, the author's entry only when missing.
  await writeGenerated(join(dir, GENERATED), { files, methods: taken, warnings, calls: [] });
  const written = [...files.keys()].map((f) => join(GENERATED, f));
  if (config.spec !== undefined && !existsSync(join(dir, 'src', 'index.ts'))) {
    await writeFile(join(dir, 'src', 'index.ts'), authorIndex());
    written.push(join('src', 'index.ts'));
  }
  const test =
    doc === undefined || config.spec === undefined
      ? undefined
      : generatedTest(doc, calls, { ...target, ...(baseUrl === undefined ? {} : { baseUrl }) }, config.spec);
  if (test !== undefined) {
    await mkdir(join(dir, 'test'), { recursive: true });
    await writeFile(join(dir, TEST), test);
    written.push(TEST);
  }
  return { files: written.sort(), methods: taken.length, warnings };
}

/** The generated index of a project whose own code has no document: the resources' methods. */
function resourcesIndex(resources: readonly string[]): string {
  const alias = (r: string): string => `${r.replace(/[^A-Za-z0-9_$]/g, '_')}Resource`;
  return [
    '// Generated by `connector generate` from the resources of package.json.',
    '// Do not edit: regeneration replaces this file; change src/index.ts instead.',
    '',
    ...resources.map((r) => `import { methods as ${alias(r)} } from './${r}/index.js';`),
    '',
    '/** Every generated method, by name. */',
    `export const methods = { ${resources.map((r) => `...${alias(r)}`).join(', ')} };`,
    '',
  ].join('\n');
}

/** Why `name` cannot name a resource, or undefined. */
function resourceNameProblem(name: string): string | undefined {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name))
    return `resource name "${name}" must be a camelCase word (letters and digits, starting with a lower-case letter), e.g. billing`;
  return checkMethodName(name);
}

/** Options of {@link addResource}. */
export interface AddResourceOptions {
  dir: string;
  /** The resource's name: the namespace of its methods and the folder of its files. */
  name: string;
  /** The document. One outside the project is copied into `openapi/` (with its folder, when it refers to other files). */
  spec: string;
  /** Only this tag's operations. @default all */
  tag?: string;
}

/**
 * Adds a resource to package.json, copies its document into the project when it lies outside,
 * regenerates, and adds the generated methods to `src/index.ts` when it does not spread them yet.
 * @throws ConnectorError `NAME_INVALID`, `RESOURCE_EXISTS`, `OPENAPI_NOT_FOUND`, `OPENAPI_INVALID`, `PROJECT_INVALID`
 */
export async function addResource(options: AddResourceOptions): Promise<GenerateResult> {
  const problem = resourceNameProblem(options.name);
  if (problem !== undefined) throw new ConnectorError('NAME_INVALID', problem);
  const pkgFile = join(options.dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { openapi?: OpenApiConfig };
  const config: OpenApiConfig = pkg.openapi ?? {};
  if (config.resources?.[options.name] !== undefined) {
    throw new ConnectorError(
      'RESOURCE_EXISTS',
      `package.json already has the resource "${options.name}" (${config.resources[options.name]!.spec}): pick another name, or edit "openapi.resources"`,
    );
  }
  const source = resolve(options.dir, options.spec);
  if (!existsSync(source) || !statSync(source).isFile())
    throw new ConnectorError(
      'OPENAPI_NOT_FOUND',
      `${options.spec} does not exist: pass the path of an OpenAPI document (.json, .yaml or .yml)`,
    );
  // Check it before anything is written.
  await generateFromOpenApi({ file: source, prefix: options.name, ...(options.tag === undefined ? {} : { tag: options.tag }) });
  const spec = await bringIntoProject(options.dir, source, options.name);
  const resources = { ...(config.resources ?? {}), [options.name]: { spec, ...(options.tag === undefined ? {} : { tag: options.tag }) } };
  pkg.openapi = { ...config, resources };
  await writeFile(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  const result = await generateProject(options.dir);
  if (config.spec === undefined && spreadGeneratedMethods(options.dir)) result.files.push(sourceEntry(options.dir));
  return result;
}

/** The document's path relative to the project, copied into `openapi/<name>/` when it lies outside. */
async function bringIntoProject(dir: string, source: string, name: string): Promise<string> {
  const rel = relative(dir, source);
  if (!rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  const text = readFileSync(source, 'utf8');
  const target = join(dir, 'openapi', name);
  await mkdir(target, { recursive: true });
  // A document that refers to other files travels with its folder's JSON and YAML files.
  if (/\$ref['"]?\s*:\s*['"]?(?!#)[^'"\s]/.test(text)) {
    const from = dirname(source);
    for (const entry of await readdir(from, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(json|ya?ml)$/i.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      await mkdir(join(target, relative(from, entry.parentPath)), { recursive: true });
      await copyFile(file, join(target, relative(from, file)));
    }
  } else {
    await copyFile(source, join(target, basename(source)));
  }
  return ['openapi', name, basename(source)].join('/');
}

/**
 * Adds `...generatedMethods` (from `./generated/index.js`) to the `methods` of the project's
 * `defineConnector` call, unless it is there; true when the file changed.
 */
function spreadGeneratedMethods(dir: string): boolean {
  const entry = sourceEntry(dir);
  const path = join(dir, entry);
  const text = readFileSync(path, 'utf8');
  if (text.includes('./generated/index.js')) return false;
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  const file = project.addSourceFileAtPath(path);
  const { methods } = findMethods(file, entry);
  const open = methods.getFirstChildByKindOrThrow(SyntaxKind.OpenBraceToken);
  const first = methods.getProperties()[0];
  const indent = first !== undefined && Node.isPropertyAssignment(first) ? first.getIndentationText() : `${methods.getIndentationText()}  `;
  file.insertText(open.getEnd(), `\n${indent}...generatedMethods,`);
  file.insertImportDeclaration(file.getImportDeclarations().length, {
    moduleSpecifier: './generated/index.js',
    namedImports: [{ name: 'methods', alias: 'generatedMethods' }],
  });
  file.saveSync();
  return true;
}
