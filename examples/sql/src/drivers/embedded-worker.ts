/**
 * The program of the embedded database's worker thread, as source text: it runs from a
 * string (`eval: true`) so the built connector stays a single file. It boots PGlite from the
 * template an earlier boot kept (else runs initdb, loads the sample schema and keeps one), and answers `{id, sql, values}` messages, one at a time and in order, with
 * `{id, result}` or `{id, error}`, where `error` keeps the fields errors.ts reads (code is the
 * SQLSTATE). Every answer says whether a transaction block is open after it (pg-session.ts).
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData, threadId } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { PGlite } = require(workerData.pglite);
const asText = (value) => value;
// int8 and date/time types as the database prints them, like the PostgreSQL driver.
const parsers = { 20: asText, 1082: asText, 1083: asText, 1114: asText, 1184: asText, 1266: asText };
// The database's settings (EMBEDDED_SETTINGS in embedded.ts) after PGlite's own; readOnly as a
// startup parameter too, like the PostgreSQL driver's: DISCARD ALL brings it back.
const startParams = [
  ...PGlite.defaultStartParams,
  ...workerData.settings.flatMap((setting) => ['-c', setting]),
  ...(workerData.readOnly ? ['-c', 'default_transaction_read_only=on'] : []),
];
const options = { parsers, startParams, initDbStartParams: workerData.initdbArgs };
// The sample database as a tarball made by an earlier boot: loading it skips initdb (two more
// WebAssembly heaps and seconds of CPU) and the schema. Any failure to read it means a fresh boot.
function template() {
  try {
    return new Blob([fs.readFileSync(workerData.template)]);
  } catch {
    return undefined;
  }
}
// Best effort: a read-only install folder or a full disk only costs the next boot its initdb.
async function keepTemplate(db) {
  try {
    const tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    fs.mkdirSync(path.dirname(workerData.template), { recursive: true });
    const part = workerData.template + '.' + process.pid + '-' + threadId + '.tmp';
    fs.writeFileSync(part, tarball);
    fs.renameSync(part, workerData.template);
  } catch {}
}
const ready = (async () => {
  const loaded = template();
  if (loaded !== undefined) {
    try {
      return await PGlite.create({ ...options, loadDataDir: loaded });
    } catch {
      // A damaged or foreign template: boot as if there were none (and replace it).
    }
  }
  const db = await PGlite.create(options);
  await db.exec('BEGIN READ WRITE');
  await db.exec(workerData.schema);
  await db.exec('COMMIT');
  await keepTemplate(db);
  return db;
})();
ready.catch(() => {});
async function answer({ id, sql, values }) {
  let db;
  try {
    db = await ready;
    // query() uses the extended protocol: values are bound and only one statement runs.
    const r = await db.query(sql, values);
    const result = { rows: r.rows, columns: r.fields.map((f) => f.name), affectedRows: r.affectedRows || 0 };
    parentPort.postMessage({ id, result, inTransaction: db.isInTransaction() });
  } catch (e) {
    const error = { message: String(e && e.message || e) };
    for (const key of ['code', 'detail', 'constraint', 'table', 'column', 'severity']) if (e && typeof e[key] === 'string') error[key] = e[key];
    parentPort.postMessage({ id, error, inTransaction: db ? db.isInTransaction() : false });
  }
}
let queue = Promise.resolve();
parentPort.on('message', (message) => {
  queue = queue.then(() => answer(message));
});
`;
