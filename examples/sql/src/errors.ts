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
 * | `READ_ONLY` | a write while `readOnly` is on (SQLSTATE 25006) | no |
 * | `PERMISSION_DENIED` | the database user lacks a privilege (MySQL: also an unknown database) | no |
 * | `AUTH_FAILED` | wrong user or password | no |
 * | `CONFIG_INVALID` | unknown database, TLS refused, a bad config value | no |
 * | `TIMEOUT` | the statement ran longer than `statementTimeout` | no |
 * | `TRANSACTION_CONFLICT` | deadlock, serialization failure, lock wait timeout | yes |
 * | `DATABASE_UNREACHABLE` | host down, refused, unknown or timing out; connection lost | yes |
 * | `DATABASE_UNAVAILABLE` | the server is starting, shutting down or out of connections | yes |
 * | `DATABASE_ERROR` | anything else the database reported | no |
 */
import { ConnectorError } from '@connector-kit/sdk';

/** Where the error happened, for messages that say what to fix. */
export interface ErrorSite {
  kind: 'postgres' | 'mysql' | 'embedded';
  /** `host:port`, for connection errors. */
  address?: string;
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

/** PostgreSQL (and PGlite): by SQLSTATE, exact codes first, then the class (first two characters). */
function mapSqlstate(state: string): Mapped {
  switch (state) {
    case '28P01':
      return { code: 'AUTH_FAILED', field: 'password', hint: 'check the "password" config field (and "user")' };
    case '28000':
      return {
        code: 'AUTH_FAILED',
        field: 'user',
        hint: 'check the "user" config field (and "password"), and that the server lets this user in from here',
      };
    case '3D000':
      return { code: 'CONFIG_INVALID', field: 'database', hint: 'check the "database" config field' };
    case '42501':
      return { code: 'PERMISSION_DENIED', hint: 'grant the privilege to the database user, or connect as another "user"' };
    case '25006':
      return {
        code: 'READ_ONLY',
        field: 'readOnly',
        hint: 'the connector is configured with readOnly: writes are refused by the database',
      };
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
function mapErrno(errno: number, state: string | undefined): Mapped {
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
      return {
        code: 'READ_ONLY',
        field: 'readOnly',
        hint: 'the connector is configured with readOnly: writes are refused by the database',
      };
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
      return state === undefined ? { code: 'DATABASE_ERROR' } : mapSqlstate(state);
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
    mapped = mapErrno(errno, sqlstate);
    label = `errno ${errno}${sqlstate === undefined ? '' : `, SQLSTATE ${sqlstate}`}`;
  } else if (sqlstate !== undefined) {
    mapped = mapSqlstate(sqlstate);
    label = `SQLSTATE ${sqlstate}`;
  } else if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /timeout expired|connection timeout|Connection terminated|ETIMEDOUT/i.test(message)
  ) {
    mapped = { code: 'DATABASE_UNREACHABLE', retryable: true, field: 'host' };
    label = code ?? '';
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
