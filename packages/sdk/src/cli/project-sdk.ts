/**
 * Which copy of the SDK runs a project's connector: the project's own installed
 * `@connector-kit/sdk`, not the copy bundled into this CLI.
 *
 * The connector module imports the SDK from the project (`dist/index.js` of its
 * `node_modules/@connector-kit/sdk`), while this CLI is a bundle with its own copies of every
 * class. Running the connector on the CLI's copy meant two copies in one process: a handler's
 * `e instanceof HttpError` saw the CLI's `HttpError` and said false (issue 19). Every error class
 * is branded so `instanceof` holds across copies, but one copy is better still: the runtime is
 * the version the connector was built and tested with, module state (caches, schema bookkeeping)
 * is shared, and the process loads the library once. So `connector start` and `connector call`
 * take `runConnector` and `createTestHarness` from the project's SDK when its version is
 * compatible with this CLI (same major; same minor below 1.0), and fall back to their own copy,
 * with a warning, when it is not or cannot be found (a project without its own install).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { runConnector as RunConnector } from '../runtime/run.js';
import type { createTestHarness as CreateTestHarness } from '../testing/index.js';

/** The package name of the SDK. */
const SDK_PACKAGE = '@connector-kit/sdk';

/** The entry points a connector project runs on. */
export interface ProjectSdk {
  runConnector: typeof RunConnector;
  createTestHarness: typeof CreateTestHarness;
  /** `project`: the project's own installed SDK; `cli`: this CLI's bundled copy. */
  source: 'project' | 'cli';
  /** The version of the SDK in use. */
  version: string;
  /** Why the CLI's copy is used, when it is (shown as a warning). */
  reason?: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  exports?: Record<string, unknown>;
}

function readPackage(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** This CLI's own package.json: the nearest one above this module named `@connector-kit/sdk`. */
function ownPackage(): PackageJson | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = readPackage(join(dir, 'package.json'));
    if (pkg?.name === SDK_PACKAGE) return pkg;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * True when a project on SDK `theirs` can be run by a CLI of `ours`: the same major version, and
 * below 1.0 the same minor (semver treats 0.x minors as breaking).
 */
export function compatibleVersions(ours: string, theirs: string): boolean {
  const parse = (v: string): [number, number] | undefined => {
    const m = /^(\d+)\.(\d+)\./.exec(v);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  };
  const a = parse(ours);
  const b = parse(theirs);
  if (a === undefined || b === undefined) return false;
  return a[0] === b[0] && (a[0] > 0 || a[1] === b[1]);
}

/** The file of an ESM export (`exports[subpath].import`) of a package, the way `import` resolves it. */
function esmEntry(pkgDir: string, pkg: PackageJson, subpath: '.' | './testing'): string | undefined {
  let target = pkg.exports?.[subpath];
  // Conditions nest: { import: { types, default } } or { import: "./x.js" } or "./x.js".
  for (let depth = 0; depth < 4 && target !== null && typeof target === 'object'; depth++) {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.node ?? conditions.default;
  }
  return typeof target === 'string' ? join(pkgDir, target) : undefined;
}

/** The project's installed SDK (its folder and package.json), or why there is none. */
function findProjectSdk(projectDir: string): { dir: string; pkg: PackageJson } | { missing: string } {
  let pkgFile: string;
  try {
    pkgFile = createRequire(join(projectDir, 'package.json')).resolve(`${SDK_PACKAGE}/package.json`);
  } catch {
    return { missing: `${SDK_PACKAGE} is not installed in ${projectDir}` };
  }
  const pkg = readPackage(pkgFile);
  if (pkg?.version === undefined) return { missing: `${pkgFile} cannot be read` };
  return { dir: dirname(pkgFile), pkg };
}

async function cliCopy(reason: string | undefined, version: string): Promise<ProjectSdk> {
  const [{ runConnector }, { createTestHarness }] = await Promise.all([import('../runtime/run.js'), import('../testing/index.js')]);
  return { runConnector, createTestHarness, source: 'cli', version, ...(reason === undefined ? {} : { reason }) };
}

/**
 * The SDK to run the connector of `projectDir` on: the project's own when compatible, else this
 * CLI's copy (with the reason, for a warning).
 */
export async function loadProjectSdk(projectDir: string): Promise<ProjectSdk> {
  const ours = ownPackage()?.version ?? '0.0.0';
  const found = findProjectSdk(projectDir);
  if ('missing' in found) return cliCopy(undefined, ours);
  const theirs = found.pkg.version!;
  if (!compatibleVersions(ours, theirs)) {
    return cliCopy(
      `the project's ${SDK_PACKAGE} is ${theirs} but this connector CLI is ${ours}: running on the CLI's copy; run the project's own CLI ('npx connector') to use its runtime`,
      ours,
    );
  }
  const main = esmEntry(found.dir, found.pkg, '.');
  const testing = esmEntry(found.dir, found.pkg, './testing');
  if (main === undefined || testing === undefined || !existsSync(main) || !existsSync(testing)) {
    return cliCopy(`the project's ${SDK_PACKAGE} in ${found.dir} has no built ESM entry (dist/): running on the CLI's copy`, ours);
  }
  let library: { runConnector?: typeof RunConnector };
  let harness: { createTestHarness?: typeof CreateTestHarness };
  try {
    [library, harness] = (await Promise.all([import(pathToFileURL(main).href), import(pathToFileURL(testing).href)])) as [
      typeof library,
      typeof harness,
    ];
  } catch (error) {
    const why = ((error as Error)?.message ?? String(error)).split('\n')[0];
    return cliCopy(`the project's ${SDK_PACKAGE} in ${found.dir} cannot be loaded (${why}): running on the CLI's copy; reinstall it`, ours);
  }
  if (typeof library.runConnector !== 'function' || typeof harness.createTestHarness !== 'function') {
    return cliCopy(`the project's ${SDK_PACKAGE} ${theirs} exports no runConnector/createTestHarness: running on the CLI's copy`, ours);
  }
  return { runConnector: library.runConnector, createTestHarness: harness.createTestHarness, source: 'project', version: theirs };
}
