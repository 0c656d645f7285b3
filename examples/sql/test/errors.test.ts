/**
 * Error mapping, on the error shapes `pg`/PGlite and `mysql2` produce. Real servers raise
 * these in the end-to-end suite (test/sql); here every branch is pinned down.
 */
import { describe, expect, it } from 'vitest';
import { readOnlyRefusal, toConnectorError } from '../src/errors.js';

const pgError = (code: string, message: string, extra: object = {}) =>
  Object.assign(new Error(message), { code, severity: 'ERROR', ...extra });
const mysqlError = (errno: number, sqlState: string, message: string) =>
  Object.assign(new Error(message), { errno, sqlState, code: 'ER_X' });
const mapped = (error: unknown, kind: 'postgres' | 'mysql' = 'postgres', site: { tls?: boolean; readOnly?: boolean } = {}) =>
  toConnectorError(error, { kind, address: 'db.internal:5432', ...site }).toJSON();

describe('toConnectorError', () => {
  it('names the password field for a wrong password', () => {
    expect(mapped(pgError('28P01', 'password authentication failed for user "app"'))).toMatchInlineSnapshot(`
      {
        "code": "AUTH_FAILED",
        "details": {
          "database": "postgres",
          "field": "password",
          "retryable": false,
          "sqlstate": "28P01",
        },
        "message": "password authentication failed for user "app" (SQLSTATE 28P01) — check the "password" config field (and "user")",
        "name": "ConnectorError",
        "retryable": false,
      }
    `);
    expect(mapped(mysqlError(1045, '28000', "Access denied for user 'app'@'localhost' (using password: YES)"), 'mysql')).toMatchObject({
      code: 'AUTH_FAILED',
      message: expect.stringContaining('(errno 1045, SQLSTATE 28000) — check the "password" config field'),
      details: { field: 'password', errno: 1045 },
    });
  });

  it('keeps the constraint facts of a violation', () => {
    const error = pgError('23505', 'duplicate key value violates unique constraint "users_email_key"', {
      detail: 'Key (email)=(a@b.c) already exists.',
      constraint: 'users_email_key',
      table: 'users',
    });
    expect(mapped(error)).toMatchObject({
      code: 'CONSTRAINT_VIOLATION',
      message: 'duplicate key value violates unique constraint "users_email_key" (SQLSTATE 23505): Key (email)=(a@b.c) already exists.',
      details: { constraint: 'users_email_key', table: 'users' },
    });
    expect(mapped(mysqlError(1062, '23000', "Duplicate entry 'a' for key 'email'"), 'mysql').code).toBe('CONSTRAINT_VIOLATION');
  });

  it('marks an unreachable host retryable and names host and port', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111 });
    expect(mapped(refused)).toMatchObject({
      code: 'DATABASE_UNREACHABLE',
      retryable: true,
      message: expect.stringContaining('cannot reach the postgres server at db.internal:5432: check the "host" and "port" config fields'),
      details: { field: 'host', retryable: true },
    });
    expect(mapped(new Error('timeout expired')).code).toBe('DATABASE_UNREACHABLE');
    expect(mapped(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' }), 'mysql').retryable).toBe(true);
  });

  it('maps statement timeouts of every database to TIMEOUT', () => {
    expect(mapped(pgError('57014', 'canceling statement due to statement timeout')).code).toBe('TIMEOUT');
    expect(mapped(mysqlError(1969, '70100', 'Query execution was interrupted (max_statement_time exceeded)'), 'mysql').code).toBe(
      'TIMEOUT',
    );
    expect(
      mapped(mysqlError(3024, 'HY000', 'Query execution was interrupted, maximum statement execution time exceeded'), 'mysql').code,
    ).toBe('TIMEOUT');
  });

  it('maps read-only refusals, bad SQL, unknown databases and conflicts', () => {
    expect(mapped(pgError('25006', 'cannot execute INSERT in a read-only transaction')).code).toBe('READ_ONLY');
    expect(mapped(mysqlError(1792, '25006', 'Cannot execute statement in a READ ONLY transaction'), 'mysql').code).toBe('READ_ONLY');
    expect(mapped(mysqlError(1064, '42000', 'You have an error in your SQL syntax'), 'mysql').code).toBe('SQL_INVALID');
    expect(mapped(mysqlError(1146, '42S02', "Table 'x.y' doesn't exist"), 'mysql').code).toBe('SQL_INVALID');
    expect(mapped(pgError('3D000', 'database "nope" does not exist'))).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'database' },
    });
    expect(mapped(pgError('40P01', 'deadlock detected'))).toMatchObject({ code: 'TRANSACTION_CONFLICT', retryable: true });
    expect(mapped(pgError('XX000', 'internal error')).code).toBe('DATABASE_ERROR');
  });

  it('maps a TLS refusal to CONFIG_INVALID naming ssl', () => {
    expect(mapped(new Error('The server does not support SSL connections'))).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'ssl' },
    });
    const mysqlRefusal = Object.assign(new Error('Server does not support secure connection'), { code: 'HANDSHAKE_NO_SSL_SUPPORT' });
    expect(mapped(mysqlRefusal, 'mysql')).toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'ssl' } });
  });

  it('names sslCa for a server certificate no trusted CA signed', () => {
    for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']) {
      const untrusted = Object.assign(new Error('self-signed certificate'), { code });
      expect(mapped(untrusted)).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('put the PEM of the CA that did in the "sslCa" config field'),
        details: { field: 'sslCa', retryable: false },
      });
    }
  });

  it('tells a refusal by pg_hba.conf apart from an unknown role, and names ssl when the connection was not encrypted', () => {
    const noEntry = pgError('28000', 'no pg_hba.conf entry for host "10.0.0.2", user "app", database "app", no encryption');
    expect(mapped(noEntry)).toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('set the "ssl" config field to require or verify'),
      details: { field: 'ssl', sqlstate: '28000' },
    });
    expect(mapped(noEntry).message).toContain('pg_hba.conf needs a line');
    expect(mapped(noEntry, 'postgres', { tls: true })).toMatchObject({
      code: 'AUTH_FAILED',
      message: expect.stringContaining("the server's pg_hba.conf has no line for this host"),
      details: { field: 'user' },
    });
    expect(mapped(pgError('28000', 'role "nobody" does not exist'))).toMatchObject({
      code: 'AUTH_FAILED',
      message: 'role "nobody" does not exist (SQLSTATE 28000) — check the "user" config field (and "password")',
      details: { field: 'user' },
    });
  });

  it('maps refusals to end the read-only transaction or change its mode to READ_ONLY, only with readOnly on', () => {
    const refusals: Array<[unknown, 'postgres' | 'mysql']> = [
      [mysqlError(1399, 'XAE07', 'XAER_RMFAIL: The command cannot be executed when global transaction is in the  ACTIVE state'), 'mysql'],
      [mysqlError(1568, '25001', "Transaction characteristics can't be changed while a transaction is in progress"), 'mysql'],
      [pgError('25001', 'transaction read-write mode must be set before any query'), 'postgres'],
      [pgError('2D000', 'invalid transaction termination'), 'postgres'],
    ];
    for (const [error, kind] of refusals) {
      expect(mapped(error, kind, { readOnly: true })).toMatchObject({
        code: 'READ_ONLY',
        message: expect.stringContaining('each call runs in one read-only transaction'),
        details: { field: 'readOnly' },
      });
      expect(mapped(error, kind).code).toBe('DATABASE_ERROR');
    }
  });

  it('words refusals of the read-only guard itself like those of the database', () => {
    expect(readOnlyRefusal({ kind: 'postgres' }, 'statement 1 ended the transaction').toJSON()).toMatchInlineSnapshot(`
      {
        "code": "READ_ONLY",
        "details": {
          "database": "postgres",
          "field": "readOnly",
          "retryable": false,
        },
        "message": "statement 1 ended the transaction — the connector is configured with readOnly: every call runs in one read-only transaction",
        "name": "ConnectorError",
        "retryable": false,
      }
    `);
  });
});
