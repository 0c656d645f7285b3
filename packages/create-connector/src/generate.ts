/**
 * Writes a project: the template layers, package.json and a `.env` with a fresh key pair.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, type EncodedKeyPair } from '@connector-kit/sdk/secrets';
import { authDocs } from './auth-docs.js';
import { Journal } from './journal.js';
import { workspaceName } from './names.js';
import type { ProjectOptions } from './options.js';
import { projectPackageJson } from './package-json.js';
import { commandsOf } from './package-manager.js';
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
    return { files: [...files.keys(), 'package.json'].sort() };
  } catch (error) {
    if (options.journal === undefined) await journal.rollback();
    throw error;
  }
}

/** The values of the templates' `__PLACEHOLDER__`s. */
export function placeholders(options: ProjectOptions, keys: EncodedKeyPair): Record<string, string> {
  const pm = commandsOf(options.packageManager);
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
    RUN_BUILD: pm.run('build'),
    RUN_START: start,
    RUN_DEV: pm.run('dev'),
    RUN_TEST: pm.run('test'),
    RUN_VALIDATE: pm.run('validate'),
    START_ENTRYPOINT: JSON.stringify(start.split(' ')),
    PRIVATE_KEY: keys.privateKey,
    PUBLIC_KEY: keys.publicKey,
  };
}
