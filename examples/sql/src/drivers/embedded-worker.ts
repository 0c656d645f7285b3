/**
 * The program of the embedded database's worker thread, as source text: it runs from a
 * string (`eval: true`) so the built connector stays a single file. It boots PGlite, loads
 * the sample schema, and answers `{id, sql, values}` messages, one at a time and in order, with
 * `{id, result}` or `{id, error}`, where `error` keeps the fields errors.ts reads (code is the
 * SQLSTATE). Every answer says whether a transaction block is open after it (pg-session.ts).
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const asText = (value) => value;
// int8 and date/time types as the database prints them, like the PostgreSQL driver.
const parsers = { 20: asText, 1082: asText, 1083: asText, 1114: asText, 1184: asText, 1266: asText };
// readOnly as a startup parameter, like the PostgreSQL driver's: DISCARD ALL brings it back.
const startParams = workerData.readOnly ? [...PGlite.defaultStartParams, '-c', 'default_transaction_read_only=on'] : undefined;
const ready = (async () => {
  const db = await PGlite.create({ parsers, ...(startParams ? { startParams } : {}) });
  await db.exec('BEGIN READ WRITE');
  await db.exec(workerData.schema);
  await db.exec('COMMIT');
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
