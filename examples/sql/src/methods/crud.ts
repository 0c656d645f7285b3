/**
 * `select`, `insert`, `update`, `delete`: the common statements without writing SQL. Each
 * builds a statement (statements.ts) and runs it like `query`.
 */
import { defineMethod, z } from '@connector-kit/sdk';
import type { SqlValue } from '../driver.js';
import type { DriverHolder } from '../holder.js';
import { deleteStatement, insertStatement, selectStatement, updateStatement, type Statement } from '../statements.js';
import type { Dialect } from '../dialect.js';
import { column, result, tableName, where } from './shapes.js';

const row = z.record(z.string().min(1), z.json());
const nonEmpty = (what: string) =>
  where.refine((w) => Object.keys(w).length > 0, `${what} needs at least one condition; to change every row, use query`);

/** The convenience methods. */
export function crudMethods(holder: DriverHolder) {
  const run = (build: (dialect: Dialect) => Statement, signal: AbortSignal) =>
    holder.use((driver) => {
      const { sql, values } = build(driver.dialect);
      return driver.query(sql, values, signal);
    }, signal);

  return {
    select: defineMethod({
      description: 'Read rows of a table matching equality conditions',
      input: z.object({
        table: tableName,
        columns: z.array(column).optional().describe('Columns to return. Default: all'),
        where: where.optional().describe('Column = value conditions, all of which must hold; null matches NULL'),
        orderBy: z.array(column).optional().describe('Columns to sort by'),
        descending: z.boolean().default(false).describe('Sort from the largest value down'),
        limit: z.number().int().min(1).max(10_000).default(100).describe('Most rows to return (1-10000). Use selectPage for more'),
      }),
      output: result,
      idempotent: true,
      examples: [{ input: { table: 'customers', where: { country: 'GB' }, orderBy: ['id'] } }],
      handler: (input, ctx) =>
        run((dialect) => selectStatement(dialect, { ...input, where: input.where as Record<string, SqlValue> | undefined }), ctx.signal),
    }),

    insert: defineMethod({
      description: 'Insert rows into a table; a column missing from a row gets its default',
      input: z.object({ table: tableName, rows: z.array(row).min(1).max(1000).describe('Rows as column → value') }),
      output: result,
      examples: [{ input: { table: 'customers', rows: [{ name: 'Katherine Johnson', email: 'katherine@example.com', country: 'US' }] } }],
      handler: ({ table, rows }, ctx) =>
        run((dialect) => insertStatement(dialect, { table, rows: rows as Array<Record<string, SqlValue>> }), ctx.signal),
    }),

    update: defineMethod({
      description: 'Set columns on the rows of a table that match equality conditions',
      input: z.object({
        table: tableName,
        set: row.refine((s) => Object.keys(s).length > 0, 'set needs at least one column').describe('Column → new value'),
        where: nonEmpty('update').describe('Column = value conditions; required'),
      }),
      output: result,
      examples: [{ input: { table: 'customers', set: { country: 'FR' }, where: { id: 3 } } }],
      handler: ({ table, set, where }, ctx) =>
        run(
          (dialect) => updateStatement(dialect, { table, set: set as Record<string, SqlValue>, where: where as Record<string, SqlValue> }),
          ctx.signal,
        ),
    }),

    delete: defineMethod({
      description: 'Delete the rows of a table that match equality conditions',
      input: z.object({ table: tableName, where: nonEmpty('delete').describe('Column = value conditions; required') }),
      output: result,
      examples: [{ input: { table: 'orders', where: { id: 2 } } }],
      handler: ({ table, where }, ctx) =>
        run((dialect) => deleteStatement(dialect, { table, where: where as Record<string, SqlValue> }), ctx.signal),
    }),
  };
}
