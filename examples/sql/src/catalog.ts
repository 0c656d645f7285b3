/**
 * Tables and columns from `information_schema`, which PostgreSQL and MySQL/MariaDB share;
 * only the schema scope differs (dialect.ts).
 */
import { ConnectorError } from '@connector-kit/sdk';
import type { Session } from './driver.js';
import { splitName, type Dialect } from './dialect.js';

/** A table or view. */
export interface TableInfo {
  schema: string;
  name: string;
  type: 'table' | 'view' | 'other';
}

/** A column of a table or view. */
export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  /** The default expression as the database prints it, or null. */
  default: string | null;
  primaryKey: boolean;
}

function tableType(value: unknown): TableInfo['type'] {
  if (value === 'BASE TABLE') return 'table';
  if (value === 'VIEW' || value === 'SYSTEM VIEW') return 'view';
  return 'other';
}

/** The user's tables and views (PostgreSQL: every non-system schema; MySQL: the configured database). */
export async function listTables(session: Session, dialect: Dialect): Promise<TableInfo[]> {
  const q = dialect.quote;
  const { rows } = await session.query(
    `SELECT table_schema AS ${q('schema')}, table_name AS ${q('name')}, table_type AS ${q('type')}
     FROM information_schema.tables WHERE ${dialect.userSchemas} ORDER BY table_schema, table_name`,
  );
  return rows.map((row) => ({ schema: String(row.schema), name: String(row.name), type: tableType(row.type) }));
}

/**
 * The columns of `table` (`name` or `schema.name`; unqualified names resolve in the current
 * schema or database).
 * @throws ConnectorError `NOT_FOUND` when there is no such table or view
 */
export async function describeTable(
  session: Session,
  dialect: Dialect,
  table: string,
): Promise<{ schema: string; table: string; columns: ColumnInfo[] }> {
  const parts = splitName(table);
  const name = parts.pop() ?? table;
  const schema = parts.length > 0 ? parts.join('.') : undefined;
  const q = dialect.quote;
  const values = schema === undefined ? [name] : [schema, name];
  const scope = (alias: string): string =>
    schema === undefined
      ? `${alias}.table_schema = ${dialect.currentSchema} AND ${alias}.table_name = ${dialect.placeholder(1)}`
      : `${alias}.table_schema = ${dialect.placeholder(1)} AND ${alias}.table_name = ${dialect.placeholder(2)}`;

  const columns = await session.query(
    `SELECT c.table_schema AS ${q('schema')}, c.column_name AS ${q('name')}, c.data_type AS ${q('type')},
            c.is_nullable AS ${q('nullable')}, c.column_default AS ${q('default')}
     FROM information_schema.columns c WHERE ${scope('c')} ORDER BY c.ordinal_position`,
    values,
  );
  if (columns.rows.length === 0) {
    throw new ConnectorError(
      'NOT_FOUND',
      `no table or view ${JSON.stringify(table)} in ${schema === undefined ? 'the current schema' : `schema ${JSON.stringify(schema)}`}: call tables() to list them`,
    );
  }
  const keys = await session.query(
    `SELECT k.column_name AS ${q('name')}
     FROM information_schema.table_constraints t
     JOIN information_schema.key_column_usage k
       ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema AND k.table_name = t.table_name
     WHERE t.constraint_type = 'PRIMARY KEY' AND ${scope('t')} ORDER BY k.ordinal_position`,
    values,
  );
  const primary = new Set(keys.rows.map((row) => String(row.name)));
  return {
    schema: String(columns.rows[0]?.schema),
    table: name,
    columns: columns.rows.map((row) => ({
      name: String(row.name),
      type: String(row.type),
      nullable: row.nullable === 'YES',
      default: row.default === null || row.default === undefined ? null : String(row.default),
      primaryKey: primary.has(String(row.name)),
    })),
  };
}
