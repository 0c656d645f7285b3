/**
 * What a generated project is made of: the choices a person makes, with their allowed values.
 */
import { isAbsolute, resolve } from 'node:path';
import { CreateError } from './errors.js';
import type { PackageManager } from './package-manager.js';
import type { Packs } from './packs.js';

/** Where the connector runs: on the customer's machines, or uploaded as one file. */
export const TARGETS = ['on-prem', 'cloud'] as const;
export type Target = (typeof TARGETS)[number];

/** How the connector signs in to the API it connects to. */
export const AUTH_KINDS = ['none', 'api-key', 'basic', 'oauth2'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** Everything {@link createProject} needs to write a project. */
export interface ProjectOptions {
  /** Absolute path of the project folder. */
  dir: string;
  /** `name` in package.json. */
  packageName: string;
  /** The connector's display name, e.g. `My Connector`. */
  displayName: string;
  /** The connector id chosen in the workspace (protocol.md §1). */
  connectorId: string;
  /** @default 'on-prem' */
  target: Target;
  /** @default 'none' */
  auth: AuthKind;
  /** Used in scripts, docs and the Containerfile. @default the one that ran the scaffolder */
  packageManager: PackageManager;
  /** The `@connector-kit/sdk` dependency spec (`--sdk-version`). @default the released range */
  sdkSpec?: string;
  /** The `@connector-kit/workspace` dev dependency spec (`--workspace-version`). @default the released range */
  workspaceSpec?: string;
  /** The yarn version the project is for (`yarn` only): Yarn ≥2 gets its own commands, `.yarnrc.yml` and a `packageManager` pin. @default Yarn 1 */
  yarnVersion?: string;
  /** Packed tarballs to vendor into the project (`--from`); wins over the two specs above. @default none: the registry */
  packs?: Packs;
  /** The OpenAPI document the methods are generated from (`--from-openapi`), an absolute path. @default none: an example method */
  openapi?: string;
}

/**
 * The dependency spec for `--sdk-version` or `--workspace-version` (named by `option`): a path
 * to a packed tarball (`.tgz`, or anything starting with `.` or `/`) becomes an absolute `file:`
 * spec, so it works from the new folder; anything else (a version, range, tag or URL) is kept
 * as written.
 * @throws CreateError `USAGE` (exit code 2) when `value` is empty
 */
export function dependencySpecOf(option: string, value: string, cwd: string): string {
  const spec = value.trim();
  if (spec === '')
    throw new CreateError('USAGE', `${option} is empty: give a version, a tag, or the path of a packed tarball`, { exitCode: 2 });
  if (/^(?:file:|https?:|git\+)/.test(spec)) return spec;
  if (spec.endsWith('.tgz') || spec.startsWith('.') || isAbsolute(spec)) return `file:${resolve(cwd, spec)}`;
  return spec;
}

/** Why `id` cannot be a connector id, or undefined when it can. */
export function connectorIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'the connector id is empty';
  // It ends up in package.json, the README and systemd units: keep it to characters that need no quoting.
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) return `connector id "${id}" may hold only letters, digits, ".", "_", ":" and "-"`;
  return undefined;
}
