/**
 * Project names: npm's package-name rules, and the folder and display name derived from one.
 */
import { builtinModules } from 'node:module';
import { basename, resolve } from 'node:path';

/** Where the project goes and what it is called. */
export interface ProjectName {
  /** The package name (`name` in package.json). */
  packageName: string;
  /** Absolute path of the project folder. */
  dir: string;
  /** Human name for the connector, e.g. `My Connector`. */
  displayName: string;
}

const MAX_LENGTH = 214;
const RESERVED = new Set(['node_modules', 'favicon.ico']);

/**
 * Why `name` is not a valid name for a new npm package, or undefined when it is.
 * Follows npm's rules: lower case, URL-safe, at most 214 characters, no leading `.` or `_`,
 * not a Node built-in module; `@scope/name` is allowed.
 */
export function packageNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.trim() !== name) return 'the name has spaces at its start or end';
  if (name.length > MAX_LENGTH) return `the name is ${name.length} characters long; npm allows at most ${MAX_LENGTH}`;
  if (name.startsWith('.') || name.startsWith('_')) return 'the name starts with "." or "_"';
  if (name !== name.toLowerCase()) return 'the name has capital letters';
  if (/[~'!()*]/.test(name)) return "the name has one of the characters ~'!()*";
  if (RESERVED.has(name)) return `"${name}" is a reserved name`;
  if (builtinModules.includes(name)) return `"${name}" is the name of a Node.js built-in module`;
  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  const parts = scoped ? [scoped[1]!, scoped[2]!] : [name];
  if (!scoped && name.startsWith('@')) return 'a scoped name looks like @scope/name';
  for (const part of parts) {
    if (encodeURIComponent(part) !== part) return `"${part}" has characters that are not URL-safe (use a-z, 0-9, "-", "." and "_")`;
    if (part.startsWith('.') || part.startsWith('_')) return `"${part}" starts with "." or "_"`;
  }
  return undefined;
}

/** Words whose usual spelling is not just a capital first letter (`cloud-oauth` is "Cloud OAuth"). */
const SPELLED = new Map(
  [
    'OAuth',
    'OAuth2',
    'API',
    'APIs',
    'SQL',
    'MySQL',
    'PostgreSQL',
    'GraphQL',
    'HTTP',
    'HTTPS',
    'REST',
    'SOAP',
    'URL',
    'ID',
    'AI',
    'AWS',
    'GCP',
    'S3',
    'FTP',
    'SFTP',
    'SMTP',
    'IMAP',
    'LDAP',
    'SAML',
    'SSO',
    'JSON',
    'XML',
    'CSV',
    'PDF',
    'SMS',
    'IoT',
    'GitHub',
    'GitLab',
    'HubSpot',
    'LinkedIn',
    'YouTube',
    'WhatsApp',
    'PayPal',
    'QuickBooks',
    'SAP',
  ].map((word) => [word.toLowerCase(), word]),
);

/** Turns `my-crm_connector` into `My Crm Connector`, `cloud-oauth` into `Cloud OAuth`. */
export function toDisplayName(packageName: string): string {
  const bare = packageName.replace(/^@[^/]+\//, '');
  const words = bare.split(/[-_.\s]+/).filter(Boolean);
  return words.map((w) => SPELLED.get(w.toLowerCase()) ?? w[0]!.toUpperCase() + w.slice(1)).join(' ') || 'Connector';
}

/**
 * Reads the positional argument: a package name (`my-connector`, `@acme/crm`), a path
 * (`./apps/crm`, `.`), whose last segment is then the package name.
 */
export function resolveProjectName(given: string, cwd: string = process.cwd()): ProjectName {
  const scoped = /^@[^/]+\/([^/]+)$/.exec(given);
  const dir = resolve(cwd, scoped ? scoped[1]! : given);
  const packageName = scoped ? given : basename(dir);
  return { packageName, dir, displayName: toDisplayName(packageName) };
}

/** The connector's name in a workspace: the package name without scope, as `connector dev` names it. */
export { connectorNameOf as workspaceName } from '@connector-kit/sdk/protocol';
