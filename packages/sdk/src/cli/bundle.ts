/**
 * `connector build --bundle`: one runnable file with the connector, every dependency and the
 * manifest, for hosts that take a single artifact (e.g. a cloud upload).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import type { ConnectorSchema } from '../protocol/index.js';

/** File name of the bundle, beside the built entry. */
export const BUNDLE_FILE = 'connector.mjs';

/** What `connector build` writes as dist/manifest.json, inlined into the bundle. */
export interface BuiltManifest {
  id?: string | undefined;
  version?: string | undefined;
  name: string;
  schema: ConnectorSchema;
}

/** Options of {@link bundleConnector}. */
export interface BundleOptions {
  /** The project folder; imports resolve from here. */
  dir: string;
  /** Source entry, relative to `dir` (e.g. `src/index.ts`). */
  entry: string;
  /** Where to write the bundle. */
  outfile: string;
  manifest: BuiltManifest;
}

/**
 * The generated entry: loads `.env` from the working folder (as `connector start` does), then serves
 * the connector with the inlined manifest, so the bundle needs neither the CLI nor TypeScript.
 */
export function bundleEntry(entry: string, manifest: BuiltManifest): string {
  const specifier = `./${entry.replace(/\\/g, '/').replace(/^\.\//, '')}`;
  return [
    `import connector from ${JSON.stringify(specifier)};`,
    `import { runConnector } from '@connector-kit/sdk';`,
    // What `connector start` does before runConnector; internal: the kit's own code, not an author's.
    `import { loadDotEnv, STATE_DIR } from '@connector-kit/sdk/internal';`,
    `import { join } from 'node:path';`,
    `const manifest = ${JSON.stringify(manifest)};`,
    `const fromDotEnv = loadDotEnv(process.cwd());`,
    `try {`,
    `  runConnector(connector, { connectorId: manifest.id, version: manifest.version, manifest: manifest.schema, stateDir: join(process.cwd(), STATE_DIR), fromDotEnv });`,
    `} catch (error) {`,
    `  process.stderr.write('error: ' + (error instanceof Error ? error.message : String(error)) + '\\n');`,
    `  process.exit(1);`,
    `}`,
    ``,
  ].join('\n');
}

/** Writes the bundle and returns its path and size. */
export async function bundleConnector(options: BundleOptions): Promise<{ file: string; bytes: number }> {
  await esbuild({
    stdin: {
      contents: bundleEntry(options.entry, options.manifest),
      resolveDir: options.dir,
      sourcefile: 'connector-entry.mjs',
      loader: 'js',
    },
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Optional native speed-ups of `ws`, loaded in a try/catch when present.
    // @opentelemetry/api: an optional peer, loaded only when the host registered a tracer provider.
    external: ['bufferutil', 'utf-8-validate', '@opentelemetry/api'],
    // Bundled CommonJS dependencies (pino, ws) `require` Node built-ins, which ESM lacks.
    banner: {
      js: `import { createRequire as __connectorRequire } from 'node:module'; const require = __connectorRequire(import.meta.url);`,
    },
  });
  return { file: options.outfile, bytes: (await stat(options.outfile)).size };
}

/** The bundle's path for a project whose built entry is `main`. */
export function bundlePath(dir: string, main: string): string {
  return join(dir, main, '..', BUNDLE_FILE);
}
