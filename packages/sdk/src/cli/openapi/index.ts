/**
 * The OpenAPI generator of `connector create --from-openapi`, `connector add resource` and
 * `connector generate`: a document in, the files of `src/generated/` out.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { emitConnector, type EmitOptions, type EmittedFiles } from './emit.js';
import { loadDocument } from './load.js';
import { buildModel, type ApiModel, type Json } from './model.js';

export type { EmittedFiles } from './emit.js';
export { authorIndex } from './emit.js';

/** Options of {@link generateFromOpenApi}. */
export interface GenerateOptions extends Omit<EmitOptions, 'source'> {
  /** The document (JSON or YAML); `$ref`s to other local files are followed. */
  file: string;
  /** How the header comment of each file names the document. @default file */
  source?: string;
}

/**
 * Reads, validates and turns a document into the generated files (in memory).
 * @throws ConnectorError `OPENAPI_NOT_FOUND`, `OPENAPI_INVALID`
 */
export async function generateFromOpenApi(options: GenerateOptions): Promise<EmittedFiles & { doc: Json; model: ApiModel }> {
  const loaded = await loadDocument(options.file);
  const model = buildModel(loaded.doc);
  const { file, source, ...emit } = options;
  const emitted = emitConnector(loaded.doc, model, { ...emit, source: source ?? file });
  emitted.warnings.unshift(...loaded.warnings);
  return { ...emitted, doc: loaded.doc, model };
}

/**
 * Writes the generated files into `folder`, replacing what an earlier generation left there
 * (files no longer generated are removed). Nothing outside `folder` is touched.
 */
export async function writeGenerated(folder: string, emitted: EmittedFiles): Promise<void> {
  if (existsSync(folder)) {
    for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !emitted.files.has(join(entry.parentPath, entry.name).slice(folder.length + 1))) {
        await rm(join(entry.parentPath, entry.name));
      }
    }
  }
  for (const [name, text] of emitted.files) {
    const path = join(folder, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}
