/** Schemas shared by the methods: bound values and the one result shape. */
import { z } from '@connector-kit/sdk';
import type { SqlValue } from '../driver.js';

/** Values bound to the placeholders, in order. */
export const values = z
  .array(z.json())
  .default([])
  .describe(
    'Values for the placeholders ($1, $2… for postgres and embedded; ? for mysql), in order; always bound, never spliced into the text',
  );

/** SQL text of one statement. */
export const sql = z.string().trim().min(1).describe('One SQL statement');

/** A table name, optionally schema-qualified (`sales.orders`). */
export const tableName = z.string().min(1).max(256).describe('Table name, optionally schema.table');

/** A column name. */
export const column = z.string().min(1).max(128);

/** Equality conditions on columns; null matches NULL. */
export const where = z.record(z.string().min(1), z.json());

/**
 * One result row. The drivers already made every value JSON-safe (values.ts), so only the
 * row's shape is checked: a `z.record` would copy each row of a 10,000-row page, and that
 * copying was a tenth of a paged walk's CPU time.
 */
export const row = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: 'expected a row object',
  })
  .meta({ type: 'object', additionalProperties: {}, description: 'One row: column name to value' });

/** What every statement returns. */
export const result = z.object({
  rows: z.array(row).describe('Rows returned (empty for most writes)'),
  columns: z.array(z.string()).describe('Column names in result order'),
  affectedRows: z.number().int().describe('Rows inserted, updated or deleted; 0 for reads'),
});

/** Tells TypeScript that JSON from zod is a bindable value (it is: the same JSON shapes). */
export const bound = (input: unknown[]): SqlValue[] => input as SqlValue[];
