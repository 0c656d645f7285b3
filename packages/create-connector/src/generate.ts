/**
 * Writes a project: the template layers, package.json and a `.env` with a fresh key pair.
 */
import { readFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { generateKeyPair, type EncodedKeyPair } from '@connector-kit/sdk/secrets';
import { authDocs } from './auth-docs.js';
import { Journal } from './journal.js';
import { workspaceName } from './names.js';
import type { ProjectOptions } from './options.js';
import { openapiSpecPath, projectPackageJson } from './package-json.js';
import { VENDOR_DIR } from './packs.js';
import { commandsOf, isYarnBerry } from './package-manager.js';
import { collectFiles, render, templateLayers } from './templates.js';

/** Options of {@link createProject}. */
export interface CreateProjectOptions extends ProjectOptions {
  /** The key pair for `.env`; pass a pending one to overlap its generation with other work. @default a new 3072-bit pair */
  keys?: EncodedKeyPair | Promise<EncodedKeyPair>;
  /** Records what is written, for rollback. @default a private journal, rolled back when writing fails */
  journal?: Journal;
}

/** What {@link createProject} wrote. */
export interface CreateProjectResult {
  /** Project-relative paths, sorted. */
  files: string[];
}

/** Yarn ≥2's settings file. */
const YARNRC = '.yarnrc.yml';

/** Files that hold secrets: readable by their owner only. */
const PRIVATE_FILES = new Set(['.env']);

/**
 * Writes the project into `options.dir` (created if missing). Does not check whether the folder
 * is empty: callers decide that. On failure, removes what it wrote unless a journal was passed.
 */
export async function createProject(options: CreateProjectOptions): Promise<CreateProjectResult> {
  const journal = options.journal ?? new Journal();
  try {
    const keys = await (options.keys ?? generateKeyPair());
    const tokens = placeholders(options, keys);
    const files = collectFiles(templateLayers(options));
    await journal.mkdir(options.dir);
    for (const [target, source] of files) {
      const text = render(await readFile(source, 'utf8'), tokens, source);
      await journal.writeFile(join(options.dir, target), text, PRIVATE_FILES.has(target) ? 0o600 : undefined);
    }
    await journal.writeFile(join(options.dir, 'package.json'), `${JSON.stringify(projectPackageJson(options), null, 2)}\n`);
    // Yarn ≥2 installs Plug'n'Play by default; connectors (the CLI, esbuild's externals) need node_modules.
    if (options.packageManager === 'yarn' && isYarnBerry(options.yarnVersion)) {
      await journal.writeFile(join(options.dir, YARNRC), 'nodeLinker: node-modules\n');
      files.set(YARNRC, '');
    }
    // --from-openapi: the document (and, when it refers to other files, its folder's JSON and YAML).
    if (options.openapi !== undefined) {
      for (const [target, source] of openapiFiles(options.openapi)) {
        await journal.writeFile(join(options.dir, target), await readFile(source));
        files.set(target, source);
      }
    }
    // --from: the tarballs travel with the project (vendor/), so its specs work anywhere.
    const vendored: string[] = [];
    for (const tarball of Object.values(options.packs ?? {})) {
      const target = `${VENDOR_DIR}/${basename(tarball)}`;
      await journal.writeFile(join(options.dir, target), await readFile(tarball));
      vendored.push(target);
    }
    return { files: [...files.keys(), 'package.json', ...vendored].sort() };
  } catch (error) {
    if (options.journal === undefined) await journal.rollback();
    throw error;
  }
}

/** The values of the templates' `__PLACEHOLDER__`s. */
export function placeholders(options: ProjectOptions, keys: EncodedKeyPair): Record<string, string> {
  const pm = commandsOf(options.packageManager, options.yarnVersion);
  const berry = options.packageManager === 'yarn' && isYarnBerry(options.yarnVersion);
  const start = pm.run('start');
  const workspace = pm.exec('workspace');
  const name = workspaceName(options.packageName);
  return {
    PACKAGE_NAME: options.packageName,
    // Folder and unit names: the package name without its scope.
    SLUG: options.packageName.replace(/^@[^/]+\//, ''),
    WORKSPACE_NAME: name,
    CONNECTOR_CLI: pm.exec('connector'),
    WORKSPACE_CLI: workspace,
    ...authDocs(options.auth, workspace, name),
    DISPLAY_NAME: options.displayName,
    CONNECTOR_ID: options.connectorId,
    INSTALL: pm.install,
    INSTALL_FROZEN: pm.installFrozen,
    INSTALL_PRODUCTION: pm.installProduction,
    LOCKFILE: pm.lockfile,
    PM_SETUP: options.packageManager === 'npm' ? '' : 'RUN corepack enable',
    // --from: the vendored tarballs the specs point at must be in the image before the install.
    COPY_VENDOR: options.packs ? `COPY ${VENDOR_DIR} ./${VENDOR_DIR}` : '',
    VENDOR_ARG: options.packs ? ` ${VENDOR_DIR}` : '',
    // Yarn ≥2 reads its linker from .yarnrc.yml: the image needs it before the install.
    COPY_PM_FILES: berry ? `COPY ${YARNRC} ./` : '',
    RUN_BUILD: pm.run('build'),
    RUN_START: start,
    RUN_DEV: pm.run('dev'),
    RUN_TEST: pm.run('test'),
    RUN_VALIDATE: pm.run('validate'),
    RUN_TYPECHECK: pm.run('typecheck'),
    RUN_LINT: pm.run('lint'),
    // GitHub's runners have npm; yarn and pnpm come through corepack (package.json's packageManager).
    CI_PM_SETUP: options.packageManager === 'npm' ? '' : '      - run: corepack enable',
    PRIVATE_KEY: keys.privateKey,
    PUBLIC_KEY: keys.publicKey,
  };
}

/**
 * The files `--from-openapi` copies: project path → source. The document itself as
 * `openapi/<name>`; when it refers to other files (`$ref: ./schemas.yaml#/…`), every JSON and
 * YAML file of its folder beside it, so the references still resolve.
 */
export function openapiFiles(file: string): Map<string, string> {
  const out = new Map<string, string>([[openapiSpecPath(file), file]]);
  if (!/\$ref['"]?\s*:\s*['"]?(?!#)[^'"\s]/.test(readFileSync(file, 'utf8'))) return out;
  const from = dirname(file);
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(json|ya?ml)$/i.test(entry.name)) continue;
    const source = join(entry.parentPath, entry.name);
    out.set(`openapi/${relative(from, source).split(sep).join('/')}`, source);
  }
  return out;
}
