/**
 * What the embedded default costs in memory (issue 18): `npm start`'s demo (scripts/demo.mjs)
 * run for real on a fresh data folder, its processes' RSS read from /proc; then calls through
 * the workspace's admin API to the SQL example on its embedded database; then the demo stopped
 * and started again on the same folder. Where the memory goes is read by
 * `pglite-probe.mjs`, which opens each embedded database alone in a process.
 */
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './ours.mjs';

const DEMO = join(ROOT, 'scripts/demo.mjs');
const PROBE = join(ROOT, 'bench/lib/pglite-probe.mjs');
const READY = 'Press Ctrl-C to stop.';
const DEMO_LIMIT_MS = 10 * 60_000;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function rssOf(pid) {
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

/** Every live descendant of `pid`, as {pid, cmdline, cwd}. */
function descendants(pid) {
  const parent = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const found = [];
  const walk = (p) => {
    for (const [child, ppid] of parent) {
      if (ppid !== p) continue;
      let cmdline = '';
      let cwd = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
        cwd = readlinkSync(`/proc/${child}/cwd`);
      } catch {
        continue;
      }
      found.push({ pid: child, cmdline, cwd });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** The demo's processes by role; `sql` and `hello` are the connectors (with any child they have). */
function roles(demoPid) {
  const all = descendants(demoPid);
  const workspace = all.find((p) => p.cmdline.includes('workspace/dist/cli/index.js') && p.cmdline.includes(' serve'));
  const connector = (dir) => all.find((p) => p.cmdline.includes('sdk/dist/cli/index.js') && p.cwd === join(ROOT, dir));
  return { all, workspace, sql: connector('examples/sql'), hello: connector('examples/hello-world') };
}

/** Median of `n` readings 200 ms apart of `read()`. */
async function steady(read, n) {
  const values = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(200);
    values.push(read());
  }
  return median(values);
}

/** Starts the demo on `dataDir` and resolves once it printed that everything answers. */
async function startDemo(dataDir) {
  const child = spawn(process.execPath, [DEMO], {
    cwd: ROOT,
    env: { ...process.env, WORKSPACE_DATA: dataDir, WORKSPACE_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const t0 = performance.now();
  for (;;) {
    if (output.includes(READY)) break;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start's demo exited early:\n${output.slice(-3000)}`);
    if (performance.now() - t0 > DEMO_LIMIT_MS) {
      child.kill('SIGKILL');
      throw new Error(`npm start's demo was not ready after ${DEMO_LIMIT_MS / 1000} s:\n${output.slice(-3000)}`);
    }
    await sleep(100);
  }
  const url = /"url":\s*"([^"]+)"/.exec(output)?.[1] ?? /runs at (\S+)/.exec(output)?.[1];
  return {
    pid: child.pid,
    url,
    readyMs: performance.now() - t0,
    output: () => output,
    async stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** RSS of the demo's processes, each the median of `samples` readings. */
async function readDemo(demo, samples) {
  const r = roles(demo.pid);
  for (const role of ['workspace', 'sql', 'hello']) {
    if (r[role] === undefined) throw new Error(`no ${role} process under the demo (found: ${r.all.map((p) => p.cmdline).join('; ')})`);
  }
  const pids = [demo.pid, ...r.all.map((p) => p.pid)];
  return {
    workspace: await steady(() => rssOf(r.workspace.pid), samples),
    sql: await steady(() => rssOf(r.sql.pid), samples),
    hello: await steady(() => rssOf(r.hello.pid), samples),
    demo: await steady(() => rssOf(demo.pid), samples),
    total: await steady(() => pids.reduce((sum, pid) => sum + rssOf(pid), 0), samples),
  };
}

/** `n` `query` calls of the SQL connector through the workspace's admin API, `concurrency` at a time. */
async function callSql(url, token, n, concurrency) {
  let issued = 0;
  const worker = async () => {
    while (issued < n) {
      const i = issued++;
      const response = await fetch(new URL('api/v1/connectors/sql/call', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          method: 'query',
          args: { sql: 'SELECT name, orders, total FROM order_totals WHERE total > $1 ORDER BY total DESC', values: [i % 500] },
        }),
      });
      const body = await response.json().catch(() => null);
      if (!response.ok || !Array.isArray(body?.result?.rows)) throw new Error(`call ${i}: ${response.status} ${JSON.stringify(body)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function probe(args) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', PROBE, ...args], { cwd: ROOT, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/**
 * The memory rows. `add(id, value)` records each figure; `calls` is how many SQL calls to make
 * between the first reading and the one "after calls".
 */
export async function memoryPhase({ add, log, calls, samples }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ck-bench-demo-'));
  try {
    log?.('memory: npm start on a fresh data folder …');
    let demo = await startDemo(dataDir);
    let rss;
    try {
      add('mem.demo.firstStartMs', demo.readyMs);
      await sleep(1000);
      rss = await readDemo(demo, samples);
      add('mem.ws.firstStart', rss.workspace);
      add('mem.sql.firstCall', rss.sql);
      add('mem.hello', rss.hello);
      add('mem.demo.script', rss.demo);
      add('mem.demo.total', rss.total);
      log?.(`memory: ${calls} SQL calls through the workspace …`);
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      await callSql(demo.url, token, calls, 8);
      await sleep(1000);
      rss = await readDemo(demo, samples);
      add('mem.ws.afterCalls', rss.workspace);
      add('mem.sql.afterCalls', rss.sql);
      add('mem.demo.totalAfterCalls', rss.total);
    } finally {
      await demo.stop();
    }
    log?.('memory: npm start again on the same folder …');
    demo = await startDemo(dataDir);
    try {
      add('mem.demo.restartMs', demo.readyMs);
      await sleep(1000);
      rss = await readDemo(demo, samples);
      add('mem.ws.restart', rss.workspace);
      add('mem.sql.restart', rss.sql);
      add('mem.demo.totalRestart', rss.total);
    } finally {
      await demo.stop();
    }

    // Where it goes: each embedded database alone in a process.
    log?.('memory: probing the embedded databases alone …');
    const fresh = join(mkdtempSync(join(tmpdir(), 'ck-bench-probe-')), 'pglite');
    try {
      const first = await probe(['workspace', fresh]);
      const again = await probe(['workspace', fresh]);
      const sql = await probe(['sql']);
      add('mem.probe.ws.firstOpenMs', first.openMs);
      add('mem.probe.ws.firstRss', first.rssOpen);
      add('mem.probe.ws.firstRssGc', first.rssGc);
      add('mem.probe.ws.restartOpenMs', again.openMs);
      add('mem.probe.ws.restartRss', again.rssGc);
      add('mem.probe.ws.wasmHeap', again.wasmHeapMb);
      add('mem.probe.ws.sharedBuffers', again.settings.shared_buffers);
      add('mem.probe.ws.walBuffers', again.settings.wal_buffers);
      add('mem.probe.ws.maxConnections', again.settings.max_connections);
      add('mem.probe.ws.dataDir', again.dataDirMb);
      add('mem.probe.ws.wal', again.walMb);
      add('mem.probe.sql.openMs', sql.openMs);
      add('mem.probe.sql.rss', sql.rssGc);
      add('mem.probe.sql.wasmHeap', sql.wasmHeapMb);
      add('mem.probe.sql.sharedBuffers', sql.settings.shared_buffers);
    } finally {
      await rm(join(fresh, '..'), { recursive: true, force: true });
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
