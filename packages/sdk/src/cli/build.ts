/**
 * `connector build`: compile the project and write the manifest (protocol.md §2) beside it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { buildManifest } from '../connector/manifest.js';
import { extractMethodTypes } from '../manifest/ts-types.js';
import type { MethodTypes } from '../manifest/declarations.js';
import { importConnector, readProject, sourceEntry } from './project.js';

/** Options of {@link buildProject}. */
export interface BuildOptions {
  dir: string;
  /** Source entry, relative to `dir`. @default src/index.ts */
  entry?: string;
  /** Bundle dependencies too (a single-file artifact). @default false */
  bundle?: boolean;
  /** Skip TypeScript signature extraction (faster; types come from the JSON Schemas). @default false */
  noTypes?: boolean;
  log?: (line: string) => void;
}

/** Builds and returns the output paths. */
export async function buildProject(options: BuildOptions): Promise<{ entry: string; manifest: string; methods: number }> {
  const log = options.log ?? (() => undefined);
  const project = readProject(options.dir);
  const entry = sourceEntry(options.dir, options.entry);
  const outfile = join(options.dir, project.main);

  // 1. Compile (dependencies stay external unless --bundle).
  await esbuild({
    entryPoints: [join(options.dir, entry)],
    outfile,
    bundle: true,
    ...(options.bundle ? {} : { packages: 'external' as const }),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  });

  // 2. Load what was built, to read methods, schemas and docs.
  const connector = await importConnector(outfile);

  // 3. Exact TypeScript signatures from the project's own types (§2 introspect).
  let types: ReadonlyMap<string, MethodTypes> = new Map();
  if (!options.noTypes && /\.m?ts$/.test(entry)) {
    try {
      types = await extractMethodTypes({ projectDir: options.dir, entry });
    } catch (error) {
      log(`warning: TypeScript signatures unavailable (${(error as Error).message}); using the JSON Schemas instead`);
    }
  }

  // 4. The manifest.
  const schema = buildManifest(connector, types);
  const manifestFile = join(dirname(outfile), 'manifest.json');
  await mkdir(dirname(manifestFile), { recursive: true });
  const manifest = {
    id: connector.definition.id ?? project.connectorId,
    version: connector.definition.version ?? project.version,
    name: connector.definition.name,
    schema,
  };
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return { entry: outfile, manifest: manifestFile, methods: connector.methods.size };
}
