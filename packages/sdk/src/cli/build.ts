/**
 * `connector build`: compile the project and write the manifest (protocol.md §2) beside it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { buildManifest } from '../connector/manifest.js';
import { extractMethodTypes } from '../manifest/ts-types.js';
import type { MethodTypes } from '../manifest/declarations.js';
import { bundleConnector, bundlePath } from './bundle.js';
import { applyControllerTypes } from './controller.js';
import { isControllerConnector } from '../controller/index.js';
import { importConnector, readProject, sourceEntry } from './project.js';
import { typecheckProject } from './typecheck.js';

/** Options of {@link buildProject}. */
export interface BuildOptions {
  dir: string;
  /** Source entry, relative to `dir`. @default src/index.ts */
  entry?: string;
  /** Also write `connector.mjs` beside the entry: one runnable file with every dependency and the manifest. @default false */
  bundle?: boolean;
  /** Skip TypeScript signature extraction (faster; types come from the JSON Schemas). @default false */
  noTypes?: boolean;
  /** Type-check the project first (a TypeScript entry only); a type error fails the build. @default true */
  typecheck?: boolean;
  log?: (line: string) => void;
}

/**
 * Builds and returns the output paths.
 * @throws ConnectorError `TYPE_ERRORS` with the compiler's diagnostics (nothing is written then),
 *   `PROJECT_INVALID`, `BUILD_MISSING`, `DEFINITION_INVALID` (what a controller class's manifest cannot express)
 */
export async function buildProject(options: BuildOptions): Promise<{ entry: string; manifest: string; methods: number; bundle?: string }> {
  const log = options.log ?? (() => undefined);
  const project = readProject(options.dir);
  const entry = sourceEntry(options.dir, options.entry);
  const outfile = join(options.dir, project.main);

  // 0. Type-check: esbuild below only strips the types.
  if (options.typecheck !== false && /\.[mc]?tsx?$/.test(entry)) await typecheckProject(options.dir, entry);

  // 1. Compile (dependencies stay external; --bundle makes its own file in step 5).
  await esbuild({
    entryPoints: [join(options.dir, entry)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  });

  // 2. Load what was built, to read methods, schemas and docs; a controller class's come from its
  // TypeScript types, read even with `noTypes` (there is no other source of them).
  const loaded = await importConnector(outfile);
  const controller = isControllerConnector(loaded);
  const connector = applyControllerTypes(loaded, options.dir, entry, log);

  // 3. Exact TypeScript signatures from the project's own types (§2 introspect); a controller's
  // declarations are written from the schemas its types gave.
  let types: ReadonlyMap<string, MethodTypes> = new Map();
  if (!options.noTypes && !controller && /\.m?ts$/.test(entry)) {
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
  const result = { entry: outfile, manifest: manifestFile, methods: connector.methods.size };

  // 5. The single-file artifact, with the manifest inlined.
  if (!options.bundle) return result;
  const bundle = await bundleConnector({ dir: options.dir, entry, outfile: bundlePath(options.dir, project.main), manifest });
  log(`bundled ${bundle.file} (${(bundle.bytes / 1024).toFixed(0)} KiB): run it with \`node ${bundle.file}\``);
  return { ...result, bundle: bundle.file };
}
