/**
 * The package manager the project is set up for: the one that ran us, unless told otherwise.
 */
import { spawnSync } from 'node:child_process';

/** Package managers the scaffolder knows. */
export const PACKAGE_MANAGERS = ['npm', 'yarn', 'pnpm'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/**
 * The package manager named by `npm_config_user_agent` (e.g. `pnpm/9.1.0 npm/? node/v20…`).
 * @default 'npm' when the variable is unset or names another tool
 */
export function detectPackageManager(userAgent: string | undefined = process.env.npm_config_user_agent): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return PACKAGE_MANAGERS.find((pm) => pm === name) ?? 'npm';
}

/** The command lines a person (or a Containerfile) types for `pm`. */
export interface PackageManagerCommands {
  /** Install dependencies, e.g. `npm install`. */
  install: string;
  /** Install exactly what the lockfile says, for images. */
  installFrozen: string;
  /** Install production dependencies only, from the lockfile. */
  installProduction: string;
  /** The lockfile's name. */
  lockfile: string;
  /** Run a package.json script, e.g. `run('build')` → `npm run build`. */
  run: (script: string) => string;
  /** Run a command installed in the project's node_modules/.bin, e.g. `exec('connector')` → `npx connector`. */
  exec: (bin: string) => string;
}

/**
 * The version of yarn in `npm_config_user_agent` when yarn runs us (`yarn/4.5.0 npm/? node/…`).
 * @default undefined for another package manager or none
 */
export function yarnVersionOf(userAgent: string | undefined = process.env.npm_config_user_agent): string | undefined {
  return /^yarn\/(\d+\.\d+\.\d+\S*)/.exec(userAgent ?? '')?.[1];
}

/**
 * The version `yarn --version` prints in `cwd` (corepack answers for the yarn it would run),
 * for `--package-manager yarn` when yarn did not run us.
 * @default undefined when yarn cannot be run: then Yarn 1's commands
 */
export function probeYarnVersion(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const result = spawnSync('yarn', ['--version'], { cwd, env, encoding: 'utf8', timeout: 30_000, shell: process.platform === 'win32' });
  const version = result.status === 0 ? result.stdout.trim() : '';
  return /^\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

/** True for Yarn 2 and later ("berry", e.g. Yarn 4 from corepack), whose commands and files differ from Yarn 1's. */
export function isYarnBerry(version: string | undefined): boolean {
  const major = Number(version?.split('.')[0]);
  return Number.isInteger(major) && major >= 2;
}

/**
 * Commands of `pm`. For yarn, `yarnVersion` tells Yarn 1 from Yarn ≥2, which dropped
 * `--frozen-lockfile` (now `--immutable`) and `install --production` (now `workspaces focus --production`).
 */
export function commandsOf(pm: PackageManager, yarnVersion?: string): PackageManagerCommands {
  if (pm === 'yarn' && isYarnBerry(yarnVersion)) {
    return {
      install: 'yarn install',
      installFrozen: 'yarn install --immutable',
      installProduction: 'yarn workspaces focus --all --production',
      lockfile: 'yarn.lock',
      run: (script) => `yarn ${script}`,
      exec: (bin) => `yarn run ${bin}`,
    };
  }
  switch (pm) {
    case 'npm':
      return {
        install: 'npm install',
        installFrozen: 'npm ci',
        installProduction: 'npm ci --omit=dev',
        lockfile: 'package-lock.json',
        run: (script) => (script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`),
        exec: (bin) => `npx ${bin}`,
      };
    case 'yarn':
      return {
        install: 'yarn',
        installFrozen: 'yarn install --frozen-lockfile',
        installProduction: 'yarn install --frozen-lockfile --production',
        lockfile: 'yarn.lock',
        run: (script) => `yarn ${script}`,
        // `yarn run`, not `yarn <bin>`: `yarn workspace` is a command of yarn's own.
        exec: (bin) => `yarn run ${bin}`,
      };
    case 'pnpm':
      return {
        install: 'pnpm install',
        installFrozen: 'pnpm install --frozen-lockfile',
        installProduction: 'pnpm install --frozen-lockfile --prod',
        lockfile: 'pnpm-lock.yaml',
        run: (script) => `pnpm ${script}`,
        exec: (bin) => `pnpm exec ${bin}`,
      };
  }
}
