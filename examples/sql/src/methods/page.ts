/** `selectPage`: walk a large result in bounded pages (paging.ts explains how). */
import { defineMethod, z } from '@connector-kit/sdk';
import type { DriverHolder } from '../holder.js';
import { readPage } from '../paging.js';
import { cancellable } from '../driver.js';
import { bound, column, row, sql, values } from './shapes.js';

/** The paging method. */
export function pageMethods(holder: DriverHolder) {
  return {
    selectPage: defineMethod({
      description:
        'Read one page of a large SELECT. Pass nextCursor back as cursor for the next page; memory stays flat however many rows there are. orderBy must name columns that identify a row and are never NULL (e.g. the primary key); the SELECT must not have its own ORDER BY or LIMIT',
      input: z.object({
        sql: sql.describe('A SELECT without ORDER BY or LIMIT'),
        values,
        orderBy: z.array(column).min(1).describe('Result columns that together identify a row, e.g. ["id"]'),
        descending: z.boolean().default(false).describe('Walk from the largest key down'),
        pageSize: z.number().int().min(1).max(10_000).default(1000).describe('Rows per page (1-10000)'),
        cursor: z.string().nullish().describe('nextCursor of the previous page; omit for the first page'),
      }),
      output: z.object({
        rows: z.array(row).describe('Rows of this page, in key order'),
        columns: z.array(z.string()),
        nextCursor: z.string().nullable().describe('Cursor of the next page; null after the last page'),
      }),
      idempotent: true,
      examples: [
        { input: { sql: 'SELECT id, customer_id, total FROM orders WHERE total > $1', values: [20], orderBy: ['id'], pageSize: 2 } },
      ],
      handler: (input, ctx) =>
        holder.use(
          (driver) =>
            readPage(cancellable(driver, ctx.signal), driver.dialect, {
              ...input,
              values: bound(input.values),
              cursor: input.cursor ?? undefined,
            }),
          ctx.signal,
        ),
    }),
  };
}
