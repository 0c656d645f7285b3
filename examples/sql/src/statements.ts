/**
 * SQL for the conveniences (`select`, `insert`, `update`, `delete`): identifiers quoted,
 * values always bound. One builder each; they all run through the same `query` path.
 */
import { ConnectorError } from '@connector-kit/sdk';
import type { SqlValue } from './driver.js';
import { quoteName, type Dialect } from './dialect.js';

/** A statement ready to run. */
export interface Statement {
  sql: string;
  values: SqlValue[];
}

/** Equality conditions: `{ country: 'GB', deleted_at: null }` → `country = $1 AND deleted_at IS NULL`. */
export type Where = Record<string, SqlValue>;

class Builder {
  readonly values: SqlValue[] = [];
  constructor(readonly dialect: Dialect) {}

  bind(value: SqlValue): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }

  where(where: Where | undefined): string {
    const entries = Object.entries(where ?? {});
    if (entries.length === 0) return '';
    const parts = entries.map(([column, value]) => `${this.dialect.quote(column)} ${value === null ? 'IS NULL' : `= ${this.bind(value)}`}`);
    return ` WHERE ${parts.join(' AND ')}`;
  }
}

/** `SELECT … FROM table WHERE … ORDER BY … LIMIT n`. */
export function selectStatement(
  dialect: Dialect,
  input: {
    table: string;
    columns?: string[] | undefined;
    where?: Where | undefined;
    orderBy?: string[] | undefined;
    descending?: boolean;
    limit: number;
  },
): Statement {
  const b = new Builder(dialect);
  const columns = input.columns?.length ? input.columns.map((c) => dialect.quote(c)).join(', ') : '*';
  const where = b.where(input.where);
  const order = input.orderBy?.length
    ? ` ORDER BY ${input.orderBy.map((c) => `${dialect.quote(c)}${input.descending ? ' DESC' : ''}`).join(', ')}`
    : '';
  // limit is a checked integer.
  return { sql: `SELECT ${columns} FROM ${quoteName(dialect, input.table)}${where}${order} LIMIT ${input.limit}`, values: b.values };
}

/** `INSERT INTO table (…) VALUES (…), (…)`; a column missing from a row gets its DEFAULT. */
export function insertStatement(dialect: Dialect, input: { table: string; rows: Array<Record<string, SqlValue>> }): Statement {
  const b = new Builder(dialect);
  const columns = [...new Set(input.rows.flatMap((row) => Object.keys(row)))];
  if (columns.length === 0) {
    throw new ConnectorError('INPUT_INVALID', 'insert: every row is empty: give at least one column, e.g. {"rows": [{"name": "Ada"}]}');
  }
  const tuples = input.rows.map(
    (row) => `(${columns.map((c) => (Object.hasOwn(row, c) ? b.bind(row[c] as SqlValue) : 'DEFAULT')).join(', ')})`,
  );
  return {
    sql: `INSERT INTO ${quoteName(dialect, input.table)} (${columns.map((c) => dialect.quote(c)).join(', ')}) VALUES ${tuples.join(', ')}`,
    values: b.values,
  };
}

/** `UPDATE table SET … WHERE …`. `where` must not be empty: a full-table update is a `query`, on purpose. */
export function updateStatement(dialect: Dialect, input: { table: string; set: Record<string, SqlValue>; where: Where }): Statement {
  const b = new Builder(dialect);
  const set = Object.entries(input.set).map(([column, value]) => `${dialect.quote(column)} = ${b.bind(value)}`);
  return { sql: `UPDATE ${quoteName(dialect, input.table)} SET ${set.join(', ')}${b.where(input.where)}`, values: b.values };
}

/** `DELETE FROM table WHERE …`. `where` must not be empty. */
export function deleteStatement(dialect: Dialect, input: { table: string; where: Where }): Statement {
  const b = new Builder(dialect);
  return { sql: `DELETE FROM ${quoteName(dialect, input.table)}${b.where(input.where)}`, values: b.values };
}
