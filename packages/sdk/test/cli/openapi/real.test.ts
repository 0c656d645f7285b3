/**
 * The generator on a fixed sample of real public API documents (fixtures/real/, see its README):
 * each generated, type-checked together in one program (as bench/openapi.mjs batches them) and its
 * manifest built from the bundled connector. The whole corpus runs in the bench, not here.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import nock from 'nock';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { buildManifest } from '@connector-kit/sdk';
import { createTestHarness } from '@connector-kit/sdk/testing';
import { authorIndex } from '../../../src/cli/openapi/emit.js';
import { generateFromOpenApi } from '../../../src/cli/openapi/index.js';
import { fixture, type Fixture } from '../fixture.js';

const REAL = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/real');
const TSCONFIG = join(REAL, '../../../../../../create-connector/templates/base/tsconfig.json');
const documents = readdirSync(REAL)
  .filter((f) => /\.(json|ya?ml)$/.test(f))
  .sort();
const projects: Fixture[] = [];
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  for (const f of projects) f.remove();
});

type Connector = Parameters<typeof createTestHarness>[0];

describe('real public API documents', () => {
  it('each generates a project that passes a strict type check and whose manifest has every method', async () => {
    expect(documents.length).toBeGreaterThanOrEqual(4);
    const built: Array<{ file: string; dir: string; methods: string[] }> = [];
    for (const file of documents) {
      const emitted = await generateFromOpenApi({ file: join(REAL, file), source: `openapi/${file}` });
      expect(emitted.methods.length, file).toBeGreaterThan(0);
      const f = fixture({ 'src/index.ts': authorIndex(), 'tsconfig.json': readFileSync(TSCONFIG, 'utf8') });
      projects.push(f);
      for (const [name, text] of emitted.files) {
        mkdirSync(dirname(join(f.dir, 'src/generated', name)), { recursive: true });
        writeFileSync(join(f.dir, 'src/generated', name), text);
      }
      built.push({ file, dir: f.dir, methods: emitted.methods });
    }
    // One program for all of them, as the bench batches its type checks.
    const config = ts.readConfigFile(TSCONFIG, ts.sys.readFile).config as { compilerOptions: unknown };
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, built[0]!.dir);
    const program = ts.createProgram(
      built.map((b) => join(b.dir, 'src/index.ts')),
      options,
    );
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
    for (const b of built) {
      const manifest = buildManifest(await load(b.dir));
      expect(Object.keys(manifest.methods ?? {}).sort(), b.file).toEqual([...b.methods].sort());
    }
  }, 60_000);

  it('WMATA: its two API key schemes (header or query) are a choice, and the chosen one goes out', async () => {
    const project = projects[documents.indexOf('wmata-bus-realtime-3.0.json')];
    expect(project).toBeDefined();
    const connector = await load(project!.dir);
    expect(Object.keys(buildManifest(connector).configSchema.fields).sort()).toEqual([
      'apiKeyHeader',
      'apiKeyQuery',
      'authMethod',
      'baseUrl',
    ]);
    nock.disableNetConnect();
    const byHeader = nock('http://api.wmata.com', { reqheaders: { api_key: 'h1' } })
      .get('/NextBusService.svc/json/jPredictions')
      .query({ StopID: '1001195' })
      .reply(200, { StopName: 'x' });
    await createTestHarness(connector, { config: { apiKeyHeader: 'h1' } as never }).call('op5476365e031f5909e4fe331d', {
      StopID: '1001195',
    } as never);
    expect(byHeader.isDone()).toBe(true);
    const byQuery = nock('http://api.wmata.com', { badheaders: ['api_key'] })
      .get('/NextBusService.svc/json/jPredictions')
      .query({ StopID: '1001195', api_key: 'q1' })
      .reply(200, { StopName: 'x' });
    await createTestHarness(connector, { config: { authMethod: 'apiKeyQuery', apiKeyQuery: 'q1' } as never }).call(
      'op5476365e031f5909e4fe331d',
      { StopID: '1001195' } as never,
    );
    expect(byQuery.isDone()).toBe(true);
  });
});

/** Bundles a project's src/index.ts and imports its connector. */
async function load(dir: string): Promise<Connector> {
  const outfile = join(dir, 'dist', 'index.mjs');
  await esbuild({
    entryPoints: [join(dir, 'src/index.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
  });
  return ((await import(pathToFileURL(outfile).href)) as { default: Connector }).default;
}
