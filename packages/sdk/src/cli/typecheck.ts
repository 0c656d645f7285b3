/**
 * The type check of `connector build`: esbuild only strips types, so without this a connector
 * with a type error built, validated and registered clean. Runs the TypeScript compiler over the
 * project as its `tsconfig.json` describes it (as `tsc --noEmit` would).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Project, ts } from 'ts-morph';
import { ConnectorError } from '../errors.js';

/** Used when the project has no tsconfig.json: the options `create-connector` writes. */
const DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
};

/** At most this many diagnostics are printed; the count says how many there were. */
const MAX_SHOWN = 20;

/** The part of the TypeScript compiler's API used here (the project's copy, or ts-morph's). */
type Compiler = typeof ts;

/**
 * Type-checks the project in `dir` (`entry` alone when it has no tsconfig.json), with the
 * project's own TypeScript when it has one, so the result is what its `tsc --noEmit` says.
 * @throws ConnectorError `TYPE_ERRORS` with the compiler's diagnostics (file(line,col): error TSxxxx …)
 */
export async function typecheckProject(dir: string, entry: string): Promise<void> {
  const compiler = await projectCompiler(dir);
  const diagnostics = compiler === undefined ? morphDiagnostics(dir, entry) : tsDiagnostics(compiler, createProgram(compiler, dir, entry));
  if (diagnostics.length === 0) return;
  const host: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (file) => file,
    getCurrentDirectory: () => dir,
    getNewLine: () => '\n',
  };
  const shown = (compiler ?? ts).formatDiagnostics(diagnostics.slice(0, MAX_SHOWN) as never, host).trimEnd();
  const more = diagnostics.length > MAX_SHOWN ? `\n… and ${diagnostics.length - MAX_SHOWN} more` : '';
  throw new ConnectorError(
    'TYPE_ERRORS',
    `the connector has ${diagnostics.length} type error(s):\n${shown}${more}\n` +
      'Fix them (`tsc --noEmit` shows the same), or build without the check: connector build --no-typecheck',
    { details: { count: diagnostics.length } },
  );
}

/** The `typescript` package the project installed, if any. */
async function projectCompiler(dir: string): Promise<Compiler | undefined> {
  let resolved: string;
  try {
    resolved = createRequire(path.join(dir, 'package.json')).resolve('typescript');
  } catch {
    return undefined;
  }
  const mod = (await import(pathToFileURL(resolved).href)) as { default?: Compiler } & Compiler;
  return mod.default ?? mod;
}

function tsDiagnostics(compiler: Compiler, program: ts.Program): readonly ts.Diagnostic[] {
  return compiler.getPreEmitDiagnostics(program).filter((d) => d.category === compiler.DiagnosticCategory.Error);
}

function createProgram(compiler: Compiler, dir: string, entry: string): ts.Program {
  const tsconfig = path.join(dir, 'tsconfig.json');
  if (!existsSync(tsconfig)) return compiler.createProgram([path.resolve(dir, entry)], DEFAULTS);
  const read = compiler.readConfigFile(tsconfig, compiler.sys.readFile);
  if (read.error !== undefined) {
    throw new ConnectorError(
      'PROJECT_INVALID',
      `cannot read ${tsconfig}: ${compiler.flattenDiagnosticMessageText(read.error.messageText, '\n')}`,
    );
  }
  const parsed = compiler.parseJsonConfigFileContent(read.config, compiler.sys, dir, { noEmit: true }, tsconfig);
  const problems = parsed.errors.filter((e) => e.category === compiler.DiagnosticCategory.Error);
  if (problems.length > 0) {
    const text = problems.map((e) => compiler.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n');
    throw new ConnectorError('PROJECT_INVALID', `${tsconfig} is not usable: ${text}`);
  }
  return compiler.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences ?? [],
  });
}

/** Without a TypeScript of the project's own: ts-morph's copy, which brings its lib files in memory. */
function morphDiagnostics(dir: string, entry: string): ts.Diagnostic[] {
  const tsconfig = path.join(dir, 'tsconfig.json');
  let project: Project;
  if (existsSync(tsconfig)) {
    project = new Project({ tsConfigFilePath: tsconfig, compilerOptions: { noEmit: true } });
  } else {
    project = new Project({ compilerOptions: DEFAULTS });
    project.addSourceFileAtPath(path.resolve(dir, entry));
    project.resolveSourceFileDependencies();
  }
  return project
    .getPreEmitDiagnostics()
    .filter((d) => d.getCategory() === ts.DiagnosticCategory.Error)
    .map((d) => d.compilerObject);
}
