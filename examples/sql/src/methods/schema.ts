/** `tables` and `describe`: what the database holds, for autocomplete in the workspace. */
import { defineMethod, z } from '@connector-kit/sdk';
import { describeTable, listTables } from '../catalog.js';
import { cancellable } from '../driver.js';
import type { DriverHolder } from '../holder.js';
import { tableName } from './shapes.js';

/** The schema methods. */
export function schemaMethods(holder: DriverHolder) {
  return {
    tables: defineMethod({
      description: 'List the tables and views (postgres: every user schema; mysql: the configured database)',
      input: z.object({}),
      output: z.object({
        tables: z.array(z.object({ schema: z.string(), name: z.string(), type: z.enum(['table', 'view', 'other']) })),
      }),
      idempotent: true,
      examples: [{ input: {}, output: { tables: [{ schema: 'public', name: 'customers', type: 'table' }] } }],
      handler: (_input, ctx) =>
        holder.use(async (driver) => ({ tables: await listTables(cancellable(driver, ctx.signal), driver.dialect) }), ctx.signal),
    }),

    describe: defineMethod({
      description: 'Describe the columns of a table or view: name, type, nullability, default and primary key',
      input: z.object({ table: tableName }),
      output: z.object({
        schema: z.string(),
        table: z.string(),
        columns: z.array(
          z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), default: z.string().nullable(), primaryKey: z.boolean() }),
        ),
      }),
      idempotent: true,
      examples: [{ input: { table: 'customers' } }],
      handler: ({ table }, ctx) =>
        holder.use((driver) => describeTable(cancellable(driver, ctx.signal), driver.dialect, table), ctx.signal),
    }),
  };
}
