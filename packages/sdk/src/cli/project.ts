/**
 * The connector project the CLI works on: its package.json, entry and build output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isConnector, type Connector } from '../connector/define.js';
import type { ConnectorSchema } from '../protocol/index.js';
import { ConnectorError } from '../errors.js';

/** What the CLI reads from package.json. */
export interface ProjectInfo {
  dir: string;
  name: string;
  version: string;
  connectorId?: string;
  /** The built entry (`main`). @default dist/index.js */
  main: string;
}

/** Reads `<dir>/package.json`. @throws ConnectorError `PROJECT_INVALID` */
export function readProject(dir: string): ProjectInfo {
  const file = join(dir, 'package.json');
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConnectorError(
      'PROJECT_INVALID',
      `cannot read ${file}: ${(error as Error).message}. Run this command in a connector project folder`,
    );
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const info: ProjectInfo = {
    dir,
    name: str(pkg.name) ?? 'connector',
    version: str(pkg.version) ?? '0.0.0',
    main: str(pkg.main) ?? 'dist/index.js',
  };
  const id = str(pkg.connectorId);
  if (id !== undefined) info.connectorId = id;
  return info;
}

/** Finds the source entry: `src/index.ts`, else `src/index.js`. */
export function sourceEntry(dir: string, given?: string): string {
  if (given) return given;
  for (const candidate of ['src/index.ts', 'src/index.mts', 'src/index.js', 'src/index.mjs']) {
    if (existsSync(join(dir, candidate))) return candidate;
  }
  throw new ConnectorError('PROJECT_INVALID', `no src/index.ts in ${dir}: pass --entry <file>`);
}

/** Imports a built module and returns its default export, checked to be a connector. */
export async function importConnector(file: string): Promise<Connector> {
  const abs = resolve(file);
  if (!existsSync(abs)) {
    throw new ConnectorError('BUILD_MISSING', `${file} does not exist: run 'connector build' first`);
  }
  // The query string defeats the module cache when `dev` re-imports after a rebuild.
  const mod = (await import(`${pathToFileURL(abs).href}?t=${Date.now()}`)) as { default?: unknown };
  const value = mod.default;
  if (!isConnector(value)) {
    throw new ConnectorError(
      'PROJECT_INVALID',
      `${file} must \`export default defineConnector({...})\` (its default export is ${value === undefined ? 'missing' : typeof value})`,
    );
  }
  return value;
}

/** Reads the manifest that `connector build` wrote beside the entry, if any. */
export function readManifest(entry: string): ConnectorSchema | undefined {
  const file = join(resolve(entry, '..'), 'manifest.json');
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { schema?: ConnectorSchema };
  return parsed.schema;
}
