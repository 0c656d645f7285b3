/**
 * Values in and out of the drivers, so every database answers in one JSON-safe shape:
 * dates and times stay the database's own text, 64-bit integers and decimals are strings
 * (never rounded), binary data is base64.
 */
import type { Row, SqlValue } from './driver.js';

/** Makes one value JSON-safe. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  return value;
}

/** Makes every value of `row` JSON-safe, in place (rows are fresh objects from the driver). */
export function toJsonRow(row: Row): Row {
  for (const key in row) {
    const value = row[key];
    if (value !== null && typeof value === 'object' && !isPlainJson(value)) row[key] = toJsonValue(value);
    else if (typeof value === 'bigint') row[key] = value.toString();
  }
  return row;
}

function isPlainJson(value: object): boolean {
  return !(value instanceof Date) && !(value instanceof Uint8Array) && !Array.isArray(value);
}

/**
 * Values for MySQL's binary protocol: objects and arrays become JSON text (MySQL has no
 * array type), booleans 1/0.
 */
export function toMysqlValue(value: SqlValue): string | number | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
