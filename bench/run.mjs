/**
 * `npm run bench` (issue 6): our call path (workspace → connector process → workspace) against
 * a raw `ws` baseline with the same frames and the same topology, in one run.
 *
 * Env: BENCH_SMOKE=1 tiny counts (for bench/test/smoke.test.ts); BENCH_OUT=<file> where the JSON
 * goes; BENCH_ONLY=seq,c64,blob,start,reconnect,create,sql,memory a subset (RSS is always read);
 * BENCH_PROFILE=1 runs both connector children with --cpu-prof into bench/results/profiles;
 * BENCH_CONNECTOR_CLI=<file> runs our connector with another build of the `connector` CLI;
 * TEST_DATABASE_URL or BENCH_DATABASE_URL=postgres://… the PostgreSQL of the SQL row (else skipped).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_CONNECTOR_DIR, CONNECTOR_CLI, startOurSide } from './lib/ours.mjs';
import { startRawSide } from './lib/raw.mjs';
import { summarize } from './lib/stats.mjs';
import { blobs, concurrent, cpuMs, rssMb, sequential, untilServed } from './lib/workload.mjs';
import { createConnectorOnce } from './lib/create.mjs';
import { SQL_DATABASE_URL, sqlWalks } from './lib/sql.mjs';
import { memoryPhase } from './lib/memory.mjs';
import { SQL_SKIPPED, describeCounts, evaluate, tableLines, updateResultsMd } from './lib/report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SMOKE = process.env.BENCH_SMOKE === '1';
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const wants = (phase) => ONLY === undefined || ONLY.has(phase);

const counts = SMOKE
  ? {
      runs: 2,
      warmup: 50,
      sequential: 50,
      concurrent: 256,
      concurrency: 64,
      blobRuns: 2,
      blobs: 2,
      blobBytes: 2 ** 20,
      startRuns: 1,
      kills: 2,
      stableWaitMs: 0,
      rssSamples: 2,
      createRuns: 1,
      sqlRows: 20_000,
      sqlPageSize: 5000,
      sqlRuns: 1,
      memoryCalls: 100,
      memorySamples: 1,
    }
  : // The link's backoff counter resets only after 10 s connected (reliability.md item 1), so
    // kills 10.5 s apart each measure "the first retry after a clean drop". 1 MB replies are
    // slow (~40 ms each), so they alternate in more, shorter runs than the rest.
    {
      runs: 5,
      warmup: 3000,
      sequential: 4000,
      concurrent: 20000,
      concurrency: 64,
      blobRuns: 10,
      blobs: 15,
      blobBytes: 2 ** 20,
      startRuns: 5,
      kills: 10,
      stableWaitMs: 10_500,
      rssSamples: 5,
      createRuns: 7,
      sqlRows: 1_000_000,
      sqlPageSize: 10_000,
      sqlRuns: 6,
      memoryCalls: 10_000,
      memorySamples: 5,
    };

const T0 = Date.now();
const log = (line) => process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(1)} s] ${line}\n`);

function git(args) {
  try {
    return execFileSync('git', args, { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Figures of both sides: `figures[side][metricId] = summarize(samples)`. */
const samples = { ours: {}, raw: {} };
const add = (side, id, value) => (samples[side][id] ??= []).push(value);

/** Runs `fn(side)` on both sides `runs` times, alternating which goes first, so drift hits both alike. */
async function alternate(sides, runs, fn) {
  for (let r = 0; r < runs; r++) {
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await fn(side, r);
  }
}

async function readRss(side, id) {
  const values = [];
  for (let i = 0; i < counts.rssSamples; i++) {
    values.push(await rssMb(side.pid));
    await sleep(100);
  }
  for (const v of values) add(side.name, id, v);
}

async function main() {
  const started = Date.now();
  const loadAtStart = loadavg();
  const profileDir = join(HERE, 'results/profiles');
  const nodeOptions = process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

  // 1. Build the bench connector with the real CLI (no TypeScript extraction: not measured here)
  //    while both sides start: server in this process, connector in a child process.
  log('building bench/connector and starting both sides …');
  const built = promisify(execFile)(process.execPath, [CONNECTOR_CLI, 'build', '--no-types', '--bundle'], {
    cwd: BENCH_CONNECTOR_DIR,
  }).catch((error) => {
    throw new Error(`connector build failed in ${BENCH_CONNECTOR_DIR}: ${error.stderr || error.message}`);
  });
  const [raw, ours] = await Promise.all([
    startRawSide({ nodeOptions }).then(async (side) => {
      await untilServed(side.call, performance.now(), 30_000);
      return side;
    }),
    startOurSide({ nodeOptions, built }),
  ]);
  const sides = [raw, ours];

  try {
    // 3. Warm-up: every workload once, so JIT and buffers settle before anything counts. A third
    //    connector, raw that imports zod and pino first (the floor of issue 12's RSS goal), gets
    //    the same warm-up for its RSS, and stops before anything else is measured.
    log('warming up …');
    const floor = { ...raw.startConnector(['zod', 'pino']), name: 'raw' };
    await untilServed(floor.call, performance.now(), 30_000);
    for (const side of [...sides, floor]) {
      await sequential(side.call, counts.warmup);
      await concurrent(side.call, counts.warmup, counts.concurrency);
      await blobs(side.call, Math.max(2, Math.ceil(counts.blobs / 5)), counts.blobBytes);
    }
    await readRss(raw, 'rss.warm');
    await readRss(ours, 'rss.warm');
    await readRss(floor, 'rss.warmDepsFloor');
    await floor.stop();

    // 4. Throughput and latency, alternating sides run by run.
    if (wants('seq')) {
      log(`sequential: ${counts.runs} × ${counts.sequential} calls per side …`);
      await alternate(sides, counts.runs, async (side) => {
        const cpu = await cpuMs(side.pid);
        const r = await sequential(side.call, counts.sequential);
        add(side.name, 'sequential.cpuPerCall', (((await cpuMs(side.pid)) - cpu) * 1000) / counts.sequential);
        add(side.name, 'sequential.p50', r.p50);
        add(side.name, 'sequential.p99', r.p99);
        add(side.name, 'sequential.callsPerSec', r.callsPerSec);
      });
    }
    if (wants('c64')) {
      log(`concurrency ${counts.concurrency}: ${counts.runs} × ${counts.concurrent} calls per side …`);
      await alternate(sides, counts.runs, async (side) => {
        const cpu = await cpuMs(side.pid);
        const r = await concurrent(side.call, counts.concurrent, counts.concurrency);
        add(side.name, 'c64.cpuPerCall', (((await cpuMs(side.pid)) - cpu) * 1000) / counts.concurrent);
        add(side.name, 'c64.callsPerSec', r.callsPerSec);
        add(side.name, 'c64.p50', r.p50);
        add(side.name, 'c64.p99', r.p99);
      });
    }
    if (wants('blob')) {
      log(`1 MB replies: ${counts.blobRuns} × ${counts.blobs} per side …`);
      await alternate(sides, counts.blobRuns, async (side) => {
        add(side.name, 'blob.mbPerSec', (await blobs(side.call, counts.blobs, counts.blobBytes)).mbPerSec);
      });
    }
    await readRss(raw, 'rss.load');
    await readRss(ours, 'rss.load');

    // 5. Process start → first call served.
    if (wants('start')) {
      log(`process start → first call: ${counts.startRuns} starts per side …`);
      // Five ways per run, in rotating order: raw; raw that also imports zod and pino first (the
      // floor of any runtime built on them); ours through `connector start` as a new
      // instance, which registers (the goal row: what the scaffolded Containerfile and systemd
      // unit run); ours from the `connector build --bundle` file (one module instead of ~300),
      // also registering; and ours restarting one instance, which connects with the key it kept.
      const bundle = join(BENCH_CONNECTOR_DIR, 'dist/connector.mjs');
      const restarted = 'bench-restart';
      const first = ours.startConnector(undefined, restarted); // registers once, unmeasured
      await untilServed(first.call, performance.now(), 60_000);
      await first.stop();
      const ways = [
        { side: raw, id: 'start.firstCall', start: () => raw.startConnector() },
        { side: raw, id: 'start.depsFloor', start: () => raw.startConnector(['zod', 'pino']) },
        { side: ours, id: 'start.firstCall', start: () => ours.startConnector() },
        { side: ours, id: 'start.firstCallBundle', start: () => ours.startConnector(bundle) },
        { side: ours, id: 'start.restart', start: () => ours.startConnector(undefined, restarted) },
      ];
      for (let r = 0; r < counts.startRuns; r++) {
        for (let i = 0; i < ways.length; i++) {
          const way = ways[(i + r) % ways.length];
          const t0 = performance.now();
          const instance = way.start();
          try {
            add(way.side.name, way.id, await untilServed(instance.call, t0, 60_000));
          } finally {
            await instance.stop();
          }
        }
      }
    }

    // 6. Server-side terminate() of the connector's socket → first successful call.
    if (wants('reconnect')) {
      log(`socket kills: ${counts.kills} per side${counts.stableWaitMs ? `, ${counts.stableWaitMs / 1000} s apart` : ''} …`);
      for (let k = 0; k < counts.kills; k++) {
        for (const side of k % 2 === 0 ? sides : [...sides].reverse()) {
          const t0 = performance.now();
          side.killSocket();
          add(side.name, 'reconnect.serving', await untilServed(side.call, t0, 60_000));
        }
        if (k < counts.kills - 1 && counts.stableWaitMs > 0) await sleep(counts.stableWaitMs);
      }
    }

    // 7. `create-connector --no-install`: ours only, one warm-up run (disk cache) first.
    if (wants('create')) {
      log(`create-connector --no-install: ${counts.createRuns} runs …`);
      await createConnectorOnce();
      for (let r = 0; r < counts.createRuns; r++) add('ours', 'create.wallTime', await createConnectorOnce());
    }

    // 8. The SQL connector walking a large PostgreSQL table page by page: ours only.
    if (wants('sql') && SQL_DATABASE_URL !== undefined) {
      log(`SQL: ${counts.sqlRuns} walks of ${counts.sqlRows} rows in pages of ${counts.sqlPageSize} …`);
      await sqlWalks(ours.workspace, {
        rows: counts.sqlRows,
        pageSize: counts.sqlPageSize,
        runs: counts.sqlRuns,
        nodeOptions,
        add: (id, value) => add('ours', id, value),
        log,
      });
    }
    // 9. What the embedded default costs in memory (issue 18): `npm start`'s demo, twice on one
    //    data folder, with calls between; then each embedded database alone. Its own processes,
    //    after the two sides above are done with the cores.
    if (wants('memory')) {
      await memoryPhase({ add: (id, value) => add('ours', id, value), log, calls: counts.memoryCalls, samples: counts.memorySamples });
    }
  } catch (error) {
    log(`--- raw connector output ---\n${raw.output()}\n--- our connector output ---\n${ours.output()}`);
    throw error;
  } finally {
    await Promise.all([ours.close(), raw.close()]);
  }

  // 10. Report.
  const figures = { ours: {}, raw: {} };
  for (const side of ['ours', 'raw']) for (const [id, values] of Object.entries(samples[side])) figures[side][id] = summarize(values);
  const rows = evaluate(figures);
  const skipped = wants('sql') && SQL_DATABASE_URL === undefined ? [SQL_SKIPPED] : [];
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']);
  const result = {
    date: new Date().toISOString(),
    commit: commit === undefined ? 'uncommitted' : dirty ? `${commit} + uncommitted changes` : commit,
    node: process.version,
    smoke: SMOKE,
    machine: { cpus: cpus().length, loadavg: loadAtStart },
    counts,
    durationSec: (Date.now() - started) / 1000,
    metrics: rows,
    skipped,
  };

  const lines = tableLines(rows, skipped);
  process.stdout.write(`\n${describeCounts(counts)}\n\n${lines.join('\n')}\n\nfinished in ${result.durationSec.toFixed(0)} s\n`);

  const out = process.env.BENCH_OUT ?? join(HERE, 'results', SMOKE ? 'smoke.json' : 'latest.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  if (!SMOKE && ONLY === undefined && process.env.BENCH_OUT === undefined) updateResultsMd(join(HERE, 'RESULTS.md'), result, rows);
  log(`wrote ${out}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`bench failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
