/**
 * Config changes on a server database, through the workspace: read-only mode, statement
 * timeouts, pool rebuilds under load, and the errors of a wrong config. Run after the method
 * tests; the last one restores the working config.
 */
import { expect, it, vi } from 'vitest';
import type { SqlStack, Target } from './stack.js';
import { testSql } from './dialect.js';

/** Registers the config tests for a server target (postgres or mysql). */
export function configTests(target: Target, stack: () => SqlStack, suffix: string): void {
  const sql = testSql(target.kind);
  const { p } = sql;
  const notes = `notes_${suffix}`;

  it('readOnly: the database refuses writes, reads still work', async () => {
    await stack().ok('query', { sql: `CREATE TABLE ${notes} (id int PRIMARY KEY, body varchar(100))` });
    await stack().configure({ readOnly: true });
    const write = await stack().call('query', { sql: `INSERT INTO ${notes} (id, body) VALUES (${p(1)}, ${p(2)})`, values: [1, 'x'] });
    expect(write.body.error).toMatchObject({ code: 'READ_ONLY', details: sql.codes.readOnly });
    const inTransaction = await stack().call('transaction', { statements: [{ sql: `DELETE FROM ${notes}` }] });
    expect(inTransaction.body.error.code).toBe('READ_ONLY');
    expect((await stack().ok('select', { table: notes })).rows).toEqual([]);
    await stack().configure({ readOnly: false });
    expect((await stack().ok('insert', { table: notes, rows: [{ id: 1, body: 'x' }] })).affectedRows).toBe(1);
  });

  it('set-config rebuilds the pool without dropping a call in flight, and applies statementTimeout to new calls', async () => {
    const slow = stack().call('query', { sql: sql.sleep(4) });
    let settled = false;
    void slow.finally(() => (settled = true));
    // The old pool's statement is running in the database before the config changes.
    await vi.waitFor(async () => expect(Number((await stack().ok('query', { sql: sql.running(sql.sleep(4)) })).rows[0].n)).toBe(1), {
      timeout: 10_000,
      interval: 100,
    });
    await stack().configure({ statementTimeout: 500 });
    expect(settled).toBe(false);

    const cut = await stack().call('query', { sql: sql.sleep(4) });
    expect(cut.body.error).toMatchObject({ code: 'TIMEOUT', details: { ...sql.codes.timeout, field: 'statementTimeout' } });
    expect(cut.body.error.message).toContain('statementTimeout');

    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(finished.body.result.rows).toHaveLength(1);
    await stack().configure({ statementTimeout: 30_000 });
  });

  it('poolSize: calls beyond it wait for a connection instead of opening one', async () => {
    await stack().configure({ poolSize: 2 });
    try {
      // Four calls at once, each holding its connection for a second: the server's connection
      // ids show how many connections served them (four without the limit).
      const results = await Promise.all(Array.from({ length: 4 }, () => stack().ok('query', { sql: sql.connectionWhileSleeping(1) })));
      expect(results).toHaveLength(4);
      expect(new Set(results.map((r) => String(r.rows[0].id))).size).toBeLessThanOrEqual(2);
    } finally {
      await stack().configure({ poolSize: target.config.poolSize });
    }
  });

  // .ci/start-postgres.sh and start-mariadb.sh both check passwords. A server that trusts its
  // logins (no password in the URL) can only refuse an unknown role.
  const badLogin =
    target.password !== undefined
      ? {
          values: { password: 'wrong-password' },
          field: 'password',
          details: target.kind === 'mysql' ? { errno: 1045 } : { sqlstate: '28P01' },
        }
      : { values: { user: `nobody_${suffix}` }, field: 'user', details: target.kind === 'mysql' ? { errno: 1045 } : { sqlstate: '28000' } };

  it(`a wrong login fails calls and the health check, naming the "${badLogin.field}" field`, async () => {
    await stack().configure(badLogin.values);
    try {
      const { body } = await stack().call('query', { sql: 'SELECT 1' });
      expect(body.error).toMatchObject({ code: 'AUTH_FAILED', details: { field: badLogin.field, retryable: false, ...badLogin.details } });
      expect(body.error.message).toContain(`"${badLogin.field}" config field`);
      const health = await stack().health();
      expect(health?.ok).toBe(false);
      expect(health?.error).toContain(`"${badLogin.field}" config field`);
    } finally {
      await stack().configure(target.config);
    }
  });

  // MySQL does not tell users without access whether a database exists: errno 1044, access denied.
  const unknownDatabase =
    target.kind === 'mysql' ? { code: 'PERMISSION_DENIED', errno: 1044 } : { code: 'CONFIG_INVALID', sqlstate: '3D000' };

  it(`an unknown database fails with ${unknownDatabase.code} naming the "database" field`, async () => {
    await stack().configure({ database: `missing_${suffix}` });
    try {
      const { body } = await stack().call('query', { sql: 'SELECT 1' });
      const { code, ...details } = unknownDatabase;
      expect(body.error).toMatchObject({ code, details: { field: 'database', ...details } });
      expect(body.error.message).toContain(`missing_${suffix}`);
    } finally {
      await stack().configure(target.config);
    }
  });

  it('TLS required of a server without TLS fails with CONFIG_INVALID naming the "ssl" field', async () => {
    await stack().configure({ ssl: 'require' });
    try {
      const { body } = await stack().call('query', { sql: 'SELECT 1' });
      expect(body.error).toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'ssl' } });
      expect(body.error.message).toContain('"ssl"');
    } finally {
      await stack().configure({ ssl: 'off' });
    }
  });

  it('an unreachable host is a retryable DATABASE_UNREACHABLE naming host and port', async () => {
    await stack().configure({ host: '127.0.0.1', port: 1 });
    const { body } = await stack().call('query', { sql: 'SELECT 1' });
    expect(body.error).toMatchObject({ code: 'DATABASE_UNREACHABLE', details: { retryable: true, field: 'host' } });
    expect(body.error.message).toContain('127.0.0.1:1');
    expect((await stack().health())?.ok).toBe(false);
  });

  it('an unknown host (the name does not resolve) is a retryable DATABASE_UNREACHABLE naming host', async () => {
    await stack().configure({ host: `db-${suffix}.connector-kit.invalid`, port: target.config.port });
    const { body } = await stack().call('query', { sql: 'SELECT 1' });
    expect(body.error).toMatchObject({ code: 'DATABASE_UNREACHABLE', details: { retryable: true, field: 'host' } });
    expect(body.error.message).toContain(`db-${suffix}.connector-kit.invalid`);
    expect(body.error.message).toContain('"host"');
    const health = await stack().health();
    expect(health?.ok).toBe(false);
    expect(health?.error).toContain('"host" and "port" config fields');
  });

  it('serves again once the config is fixed, and never printed the password', async () => {
    await stack().configure(target.config);
    expect((await stack().ok('query', { sql: 'SELECT 1 AS one' })).rows).toEqual([{ one: 1 }]);
    expect(await stack().health()).toMatchObject({ ok: true });
    if (target.password !== undefined) expect(stack().connector.output()).not.toContain(target.password);
  });
}
