/**
 * Where an embedded database's memory goes (issue 18): opens one PGlite the way the workspace's
 * store (`workspace <dir>`) or the SQL example's embedded database (`sql`) opens it, in this
 * process and nothing else, and prints one JSON line: time to open, RSS after open and after a
 * full GC, the WASM heap (the instance's linear memory), what V8 holds outside its heap, the
 * Postgres settings that size shared memory, and the data folder on disk (WAL included).
 *
 * Run with --expose-gc. A folder without a database makes PGlite run initdb first: that is the
 * "first start" figure; the same folder again is the "restart" figure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, dir] = process.argv.slice(2);
const MB = 2 ** 20;
const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const du = (path) => {
  let bytes = 0;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) bytes += e.isDirectory() ? du(join(path, e.name)) : statSync(join(path, e.name)).size;
  return bytes;
};
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await sleep(100);
  }
}

const t0 = performance.now();
let db;
if (mode === 'workspace') {
  // As packages/workspace/src/store/pglite.ts opens it.
  const { PGlite } = await import('@electric-sql/pglite');
  db = await PGlite.create(dir);
} else if (mode === 'sql') {
  // As examples/sql/src/drivers/embedded-worker.ts boots it: in memory, then the sample schema.
  const { PGlite } = await import('@electric-sql/pglite');
  const source = readFileSync(new URL('../../examples/sql/src/drivers/sample.ts', import.meta.url), 'utf8');
  const schema = /`([^`]*)`/.exec(source)[1];
  db = await PGlite.create();
  await db.exec(schema);
} else {
  throw new Error(`usage: pglite-probe.mjs workspace <dir> | sql`);
}
const openMs = performance.now() - t0;
const rssOpen = rss();
await settle();
const rssGc = rss();

const names = ['shared_buffers', 'wal_buffers', 'work_mem', 'maintenance_work_mem', 'temp_buffers', 'min_wal_size', 'max_wal_size'];
const { rows } = await db.query(
  `SELECT name, setting::bigint AS setting, unit FROM pg_settings WHERE name = ANY($1) OR name = 'max_connections'`,
  [names],
);
const unitBytes = { '8kB': 8192, kB: 1024, MB: MB, B: 1 };
const settings = {};
for (const r of rows) settings[r.name] = r.name === 'max_connections' ? Number(r.setting) : (Number(r.setting) * unitBytes[r.unit]) / MB;
const memory = process.memoryUsage();
const out = {
  openMs,
  rssOpen,
  rssGc,
  wasmHeapMb: db.mod.HEAPU8.length / MB,
  externalMb: memory.external / MB,
  jsHeapMb: memory.heapUsed / MB,
  settings,
  dataDirMb: dir ? du(dir) / MB : null,
  walMb: dir ? du(join(dir, 'pg_wal')) / MB : null,
};
await db.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
