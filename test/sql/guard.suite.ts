/**
 * readOnly and statementTimeout hold whatever SQL a caller sends, and nothing a call sets
 * reaches the next one. Every attempt runs on one pooled connection (poolSize 1), where a
 * session setting left behind by one call would meet the next; the last check proves the
 * connection was reset, not replaced. Registered after the method tests; restores the config.
 */
import { expect, it } from 'vitest';
import type { SqlStack, Target } from './stack.js';
import { testSql } from './dialect.js';

/** Registers the guard tests: the readOnly ones on every target, the statementTimeout ones where the database holds it. */
export function guardTests(target: Target, stack: () => SqlStack, suffix: string): void {
  const sql = testSql(target.kind);
  const server = target.kind !== 'embedded';
  // A config change gives embedded a fresh database: its sample table is the one to write to.
  const table = server ? `guard_${suffix}` : 'customers';
  const insert = server ? `INSERT INTO ${table} (id) VALUES (1)` : "INSERT INTO customers (name, email) VALUES ('Eve', 'eve@example.com')";
  const written = async () => {
    const count = server ? `SELECT COUNT(*) AS n FROM ${table}` : "SELECT COUNT(*) AS n FROM customers WHERE email = 'eve@example.com'";
    return Number((await stack().ok('query', { sql: count })).rows[0].n);
  };
  // Embedded has one connection; a replaced one would be a freshly booted database.
  const identity = server ? sql.connectionWhileSleeping(0) : 'SELECT CAST(pg_postmaster_start_time() AS text) AS id';
  const connectionId = async () => String((await stack().ok('query', { sql: identity })).rows[0].id);
  const refused = (body: any) =>
    expect(body.error, JSON.stringify(body)).toMatchObject({ code: 'READ_ONLY', details: { field: 'readOnly' } });
  let connection = '';

  it('readOnly on one pooled connection: writes are refused', async () => {
    if (server) await stack().ok('query', { sql: `CREATE TABLE ${table} (id int)` });
    await stack().configure({ readOnly: true, ...(server ? { poolSize: 1 } : {}) });
    connection = await connectionId();
    refused((await stack().call('query', { sql: insert })).body);
  });

  it('readOnly: a transaction cannot make itself read-write', async () => {
    const { body } = await stack().call('transaction', { statements: [{ sql: sql.readWrite.transaction }, { sql: insert }] });
    refused(body);
    expect(body.error.message).toMatch(/^statement 1 of 2 failed/);
  });

  it('readOnly: a session setting made by one call does not let the next call write', async () => {
    expect((await stack().call('query', { sql: sql.readWrite.session })).status).toBe(200);
    refused((await stack().call('query', { sql: insert })).body);
  });

  it('readOnly: one statement cannot commit and go on writing in a transaction of its own', async () => {
    refused((await stack().call('query', { sql: sql.commitAndWrite(insert) })).body);
  });

  it('readOnly: a transaction cannot commit and go on writing', async () => {
    const { body } = await stack().call('transaction', {
      statements: [{ sql: 'COMMIT' }, { sql: sql.readWrite.session }, { sql: insert }],
    });
    refused(body);
  });

  it('readOnly: nothing was written, and the connection was reset after each call, not replaced', async () => {
    expect(await written()).toBe(0);
    expect(await connectionId()).toBe(connection);
  });

  // statementTimeout has no effect on embedded.
  if (server) {
    it('statementTimeout: a SET in one call does not lift it for the next', async () => {
      await stack().configure({ readOnly: false, statementTimeout: 500 });
      const id = await connectionId();
      expect((await stack().call('query', { sql: sql.noTimeout })).status).toBe(200);
      const { body } = await stack().call('query', { sql: sql.sleep(3) });
      expect(body.error).toMatchObject({ code: 'TIMEOUT', details: { ...sql.codes.timeout, field: 'statementTimeout' } });
      expect(await connectionId()).toBe(id);
    });
  }

  // Not on MariaDB: there a statement may lift its own limit (SET STATEMENT max_statement_time=0
  // FOR …), so the driver does not pay a round trip per statement to hold it within a transaction.
  if (target.kind === 'postgres') {
    it('statementTimeout: a SET inside a transaction does not lift it for the next statement', async () => {
      const { body } = await stack().call('transaction', { statements: [{ sql: sql.noTimeout }, { sql: sql.sleep(3) }] });
      expect(body.error).toMatchObject({ code: 'TIMEOUT', details: { statement: 1, ...sql.codes.timeout } });
    });
  }

  it('writes again once readOnly is off', async () => {
    await stack().configure({ readOnly: false, ...(server ? { statementTimeout: 30_000, poolSize: target.config.poolSize } : {}) });
    expect((await stack().ok('query', { sql: insert })).affectedRows).toBe(1);
    if (server) await stack().ok('query', { sql: `DROP TABLE ${table}` });
  });
}
