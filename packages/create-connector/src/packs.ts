/**
 * `--from <folder>`: a project made from this repository's packed tarballs (`npm run pack` in a
 * clone), before anything is published. The tarballs are copied into the project's `vendor/`
 * and every spec points there (`file:vendor/…`), so the project installs and builds anywhere,
 * in a container too, without the registry knowing our packages. Overrides make the tarballs'
 * own dependencies on each other (the SDK on create-connector, the workspace on the SDK) resolve
 * to the same files.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CreateError } from './errors.js';
import type { PackageManager } from './package-manager.js';

/** The folder in the project that holds the copied tarballs. */
export const VENDOR_DIR = 'vendor';

/** Absolute paths of the three tarballs, by package name. */
export interface Packs {
  '@connector-kit/sdk': string;
  '@connector-kit/workspace': string;
  'create-connector': string;
}

/** The tarball file names `npm pack` gives each package (`@scope/name` → `scope-name-<version>.tgz`). */
const PREFIXES: Record<keyof Packs, string> = {
  '@connector-kit/sdk': 'connector-kit-sdk-',
  '@connector-kit/workspace': 'connector-kit-workspace-',
  'create-connector': 'create-connector-',
};

/**
 * Finds the tarballs in `folder` (relative to `cwd`): exactly one per package.
 * @throws CreateError `USAGE` (exit code 2) naming what is missing and how to make it
 */
export function findPacks(folder: string, cwd: string): Packs {
  const dir = resolve(cwd, folder);
  const howTo = 'run `npm run pack` in a clone of connector-kit, which writes them to its packs/ folder';
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CreateError('USAGE', `--from ${folder}: ${dir} is not a folder of packed tarballs: ${howTo}`, { exitCode: 2 });
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  const found = {} as Packs;
  for (const [name, prefix] of Object.entries(PREFIXES) as Array<[keyof Packs, string]>) {
    // `connector-kit-sdk-` must not also match a hypothetical `connector-kit-sdk-extra-…`: the rest is a version.
    const matches = files.filter((f) => f.startsWith(prefix) && /^\d/.test(f.slice(prefix.length)));
    if (matches.length !== 1) {
      const seen = matches.length === 0 ? 'none' : matches.join(', ');
      throw new CreateError('USAGE', `--from ${folder}: expected one ${prefix}<version>.tgz (${name}) in ${dir}, found ${seen}: ${howTo}`, {
        exitCode: 2,
      });
    }
    found[name] = join(dir, matches[0]!);
  }
  return found;
}

/** The spec of a copied tarball, relative to the project (it moves with the project). */
export function vendorSpec(tarball: string): string {
  return `file:${VENDOR_DIR}/${basename(tarball)}`;
}

/**
 * The package.json members that pin our packages to the vendored tarballs wherever they are
 * depended on (npm `overrides`, pnpm `pnpm.overrides`, yarn `resolutions`).
 */
export function vendorOverrides(packs: Packs, pm: PackageManager): Record<string, unknown> {
  const specs = Object.fromEntries(Object.entries(packs).map(([name, file]) => [name, vendorSpec(file)]));
  switch (pm) {
    case 'npm':
      return { overrides: specs };
    case 'pnpm':
      return { pnpm: { overrides: specs } };
    case 'yarn':
      return { resolutions: specs };
  }
}
