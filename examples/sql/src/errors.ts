/**
 * Database errors → `ConnectorError`s. The message keeps the database's own words and adds
 * its code (SQLSTATE, MySQL errno), then says what to fix; `details` carries the same facts
 * for programs. Codes of this connector:
 *
 * | code | when | retryable |
 * |---|---|---|
 * | `SQL_INVALID` | syntax error, unknown table or column (SQLSTATE class 42) | no |
 * | `CONSTRAINT_VIOLATION` | unique, foreign key, not-null or check constraint (class 23) | no |
 * | `DATA_INVALID` | a value the column type cannot hold (class 22) | no |
 * | `READ_ONLY` | with `readOnly` on: a write (SQLSTATE 25006), or a statement that ends the call's transaction or makes it read-write | no |
 * | `PERMISSION_DENIED` | the database user lacks a privilege (MySQL: also an unknown database) | no |
 * | `AUTH_FAILED` | wrong user or password; the server does not let this user in from here | no |
 * | `CONFIG_INVALID` | unknown database, TLS refused or required, a certificate not trusted, a bad config value | no |
 * | `TIMEOUT` | the statement ran longer than `statementTimeout` | no |
 * | `TRANSACTION_CONFLICT` | deadlock, serialization failure, lock wait timeout | yes |
 * | `DATABASE_UNREACHABLE` | host down, refused, unknown or timing out; connection lost | yes |
 * | `DATABASE_UNAVAILABLE` | the server is starting, shutting down or out of connections | yes |
 * | `DATABASE_ERROR` | anything else the database reported | no |
 */
import { ConnectorError } from '@connector-kit/sdk';

/** Where the error happened and the config facts that decide what to fix. */
export interface ErrorSite {
  kind: 'postgres' | 'mysql' | 'embedded';
  /** `host:port`, for connection errors. */
  address?: string;
  /** The connection uses TLS (`ssl` is not `off`). */
  tls?: boolean;
  /** `readOnly` is on: refusals of transaction control are the read-only guard at work. */
  readOnly?: boolean;
}

/** Facts about a database error, sent as `details`. */
export interface SqlErrorDetails {
  database: ErrorSite['kind'];
  sqlstate?: string;
  errno?: number;
  /** The config field to fix, when a config value is the cause. */
  field?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** Also on the error itself; repeated here because not every hop forwards the flag. */
  retryable: boolean;
}

interface Mapped {
  code: string;
  hint?: string;
  field?: string;
  retryable?: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
]);
const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|HANDSHAKE_NO_SSL)/;
/** Node's codes for a server certificate that no trusted CA signed. */
const UNTRUSTED_CODES =
  /^(?:UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_UNTRUSTED)/;

const READ_ONLY_HINT = 'the connector is configured with readOnly: writes are refused by the database';
const IN_READ_ONLY_TRANSACTION: Mapped = {
  code: 'READ_ONLY',
  field: 'readOnly',
  hint: 'the connector is configured with readOnly: each call runs in one read-only transaction, which its statements cannot end or make read-write',
};

/** PostgreSQL 28000 (invalid authorization): an unknown role, or no pg_hba.conf line that admits this connection. */
function mapNotAdmitted(message: string, site: ErrorSite): Mapped {
  // The file name survives translation of the server's messages.
  if (!message.includes('pg_hba.conf')) {
    return { code: 'AUTH_FAILED', field: 'user', hint: 'check the "user" config field (and "password")' };
  }
  if (site.tls !== true) {
    return {
      code: 'CONFIG_INVALID',
      field: 'ssl',
      hint: 'the server admits no unencrypted connection from here: set the "ssl" config field to require or verify; if it should admit this one, its pg_hba.conf needs a line for this host, user and database',
    };
  }
  return {
    code: 'AUTH_FAILED',
    field: 'user',
    hint: 'the server\'s pg_hba.conf has no line for this host, user and database: ask its administrator to add one, or connect as another "user"',
  };
}

/** PostgreSQL (and PGlite): by SQLSTATE, exact codes first, then the class (first two characters). */
function mapSqlstate(state: string, message: string, site: ErrorSite): Mapped {
  switch (state) {
    case '28P01':
      return { code: 'AUTH_FAILED', field: 'password', hint: 'check the "password" config field (and "user")' };
    case '28000':
      return mapNotAdmitted(message, site);
    case '3D000':
      return { code: 'CONFIG_INVALID', field: 'database', hint: 'check the "database" config field' };
    case '42501':
      return { code: 'PERMISSION_DENIED', hint: 'grant the privilege to the database user, or connect as another "user"' };
    case '25006':
      return { code: 'READ_ONLY', field: 'readOnly', hint: READ_ONLY_HINT };
    // With readOnly every call runs in one read-only block (drivers/pg-session.ts). The server
    // refuses to make it read-write once it has a snapshot (25001) or to COMMIT it from a DO block (2D000).
    case '25001':
    case '2D000':
      return site.readOnly === true ? { ...IN_READ_ONLY_TRANSACTION } : { code: 'DATABASE_ERROR' };
    case '57014':
      return {
        code: 'TIMEOUT',
        field: 'statementTimeout',
        hint: 'make the statement faster, or raise the "statementTimeout" config field',
      };
    case '40001':
    case '40P01':
    case '55P03':
      return { code: 'TRANSACTION_CONFLICT', retryable: true, hint: 'try the call again' };
    case '57P01':
    case '57P02':
    case '57P03':
      return { code: 'DATABASE_UNAVAILABLE', retryable: true, hint: 'the server is restarting: try again shortly' };
    default:
      break;
  }
  switch (state.slice(0, 2)) {
    case '42':
      return { code: 'SQL_INVALID' };
    case '23':
      return { code: 'CONSTRAINT_VIOLATION' };
    case '22':
      return { code: 'DATA_INVALID' };
    case '08':
      return { code: 'DATABASE_UNREACHABLE', retryable: true };
    case '53':
      return {
        code: 'DATABASE_UNAVAILABLE',
        retryable: true,
        hint: 'the server is out of resources (connections, memory): lower "poolSize" or try again later',
      };
    default:
      return { code: 'DATABASE_ERROR' };
  }
}

/** MySQL and MariaDB: by errno, then by SQLSTATE class. */
function mapErrno(errno: number, state: string | undefined, message: string, site: ErrorSite): Mapped {
  switch (errno) {
    case 1045:
      return { code: 'AUTH_FAILED', field: 'password', hint: 'check the "password" config field (and "user")' };
    case 1044: // also what MySQL says for a database that does not exist, to users who may not know
      return {
        code: 'PERMISSION_DENIED',
        field: 'database',
        hint: 'check the "database" config field, or grant this user access to that database',
      };
    case 1142:
    case 1143:
    case 1227:
      return { code: 'PERMISSION_DENIED', hint: 'grant the privilege to the database user, or connect as another "user"' };
    case 1049:
      return { code: 'CONFIG_INVALID', field: 'database', hint: 'check the "database" config field' };
    case 1792:
      return { code: 'READ_ONLY', field: 'readOnly', hint: READ_ONLY_HINT };
    // With readOnly every call runs in one read-only XA transaction (drivers/mysql.ts). The server
    // refuses to end it (1399: COMMIT, ROLLBACK, START TRANSACTION, DDL…) or to change its mode (1568).
    case 1399:
    case 1568:
      return site.readOnly === true ? { ...IN_READ_ONLY_TRANSACTION } : { code: 'DATABASE_ERROR' };
    case 1969: // MariaDB max_statement_time
    case 3024: // MySQL max_execution_time
      return {
        code: 'TIMEOUT',
        field: 'statementTimeout',
        hint: 'make the statement faster, or raise the "statementTimeout" config field',
      };
    case 1205:
    case 1213:
      return { code: 'TRANSACTION_CONFLICT', retryable: true, hint: 'try the call again' };
    case 1040:
    case 1203:
      return {
        code: 'DATABASE_UNAVAILABLE',
        retryable: true,
        hint: 'the server has too many connections: lower "poolSize" or try again later',
      };
    case 2002:
    case 2003:
    case 2006:
    case 2013:
      return { code: 'DATABASE_UNREACHABLE', retryable: true };
    default:
      return state === undefined ? { code: 'DATABASE_ERROR' } : mapSqlstate(state, message, site);
  }
}

/**
 * Maps whatever a driver threw to a `ConnectorError`. A `ConnectorError` passes unchanged.
 * Secrets never appear: database messages do not contain passwords, and config values are
 * named by field only.
 */
export function toConnectorError(error: unknown, site: ErrorSite): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Record<string, unknown>;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' && e.errno > 0 ? e.errno : undefined;
  const sqlstate = typeof e.sqlState === 'string' ? e.sqlState : code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;

  let mapped: Mapped;
  let label = '';
  if (site.kind === 'mysql' && errno !== undefined) {
    mapped = mapErrno(errno, sqlstate, message, site);
    label = `errno ${errno}${sqlstate === undefined ? '' : `, SQLSTATE ${sqlstate}`}`;
  } else if (sqlstate !== undefined) {
    mapped = mapSqlstate(sqlstate, message, site);
    label = `SQLSTATE ${sqlstate}`;
  } else if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /timeout expired|connection timeout|Connection terminated|ETIMEDOUT/i.test(message)
  ) {
    mapped = { code: 'DATABASE_UNREACHABLE', retryable: true, field: 'host' };
    label = code ?? '';
  } else if (code !== undefined && UNTRUSTED_CODES.test(code)) {
    mapped = {
      code: 'CONFIG_INVALID',
      field: 'sslCa',
      hint: 'no trusted CA signed the server\'s certificate: put the PEM of the CA that did in the "sslCa" config field, or set "ssl" to require (encrypted, certificate not checked)',
    };
    label = code;
  } else if ((code !== undefined && TLS_CODES.test(code)) || /\bSSL\b|\bTLS\b|certificate/i.test(message)) {
    mapped = { code: 'CONFIG_INVALID', field: 'ssl', hint: 'check the "ssl" and "sslCa" config fields against what the server offers' };
    label = code ?? '';
  } else {
    mapped = { code: 'DATABASE_ERROR' };
    label = code ?? '';
  }
  if (mapped.code === 'DATABASE_UNREACHABLE' && mapped.hint === undefined) {
    const where = site.address === undefined ? '' : ` at ${site.address}`;
    mapped.hint = `cannot reach the ${site.kind} server${where}: check the "host" and "port" config fields and that the server is up; the call may be retried`;
    mapped.field ??= 'host';
  }

  const extra = typeof e.detail === 'string' && e.detail !== '' ? ` ${e.detail}` : '';
  const text = `${message}${label === '' ? '' : ` (${label})`}${extra === '' ? '' : `:${extra}`}${mapped.hint === undefined ? '' : ` — ${mapped.hint}`}`;
  const retryable = mapped.retryable ?? false;
  const details: SqlErrorDetails = { database: site.kind, retryable };
  if (sqlstate !== undefined) details.sqlstate = sqlstate;
  if (errno !== undefined) details.errno = errno;
  if (mapped.field !== undefined) details.field = mapped.field;
  for (const key of ['constraint', 'table', 'column'] as const) {
    if (typeof e[key] === 'string' && e[key] !== '') details[key] = e[key];
  }
  return new ConnectorError(mapped.code, text, { cause: error, details, retryable });
}

/**
 * A refusal by the read-only guard itself (drivers/pg-session.ts, drivers/mysql.ts), for what the
 * database reported but did not refuse: a transaction a statement made read-write, or ended.
 */
export function readOnlyRefusal(site: ErrorSite, what: string): ConnectorError {
  const details: SqlErrorDetails = { database: site.kind, field: 'readOnly', retryable: false };
  return new ConnectorError(
    'READ_ONLY',
    `${what} — the connector is configured with readOnly: every call runs in one read-only transaction`,
    { details, retryable: false },
  );
}
