/**
 * What a generated project is made of: the choices a person makes, with their allowed values.
 */
import type { PackageManager } from './package-manager.js';

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
}

/** Why `id` cannot be a connector id, or undefined when it can. */
export function connectorIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'the connector id is empty';
  // It ends up in package.json, the README and systemd units: keep it to characters that need no quoting.
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) return `connector id "${id}" may hold only letters, digits, ".", "_", ":" and "-"`;
  return undefined;
}
