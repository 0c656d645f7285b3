/** The SQL the connector writes itself: conveniences and pages, in both dialects. */
import { describe, expect, it } from 'vitest';
import { mysqlDialect, postgresDialect } from '../src/dialect.js';
import { deleteStatement, insertStatement, selectStatement, updateStatement } from '../src/statements.js';
import { pageStatement } from '../src/paging.js';

describe('statements', () => {
  it('binds every value and quotes every identifier', () => {
    expect(
      selectStatement(postgresDialect, {
        table: 'sales.orders',
        columns: ['id', 'we"ird'],
        where: { a: 1, b: null },
        orderBy: ['id'],
        descending: true,
        limit: 5,
      }),
    ).toEqual({
      sql: 'SELECT "id", "we""ird" FROM "sales"."orders" WHERE "a" = $1 AND "b" IS NULL ORDER BY "id" DESC LIMIT 5',
      values: [1],
    });
    expect(insertStatement(mysqlDialect, { table: 'orders', rows: [{ a: 1, b: 'x' }, { b: 'y' }] })).toEqual({
      sql: 'INSERT INTO `orders` (`a`, `b`) VALUES (?, ?), (DEFAULT, ?)',
      values: [1, 'x', 'y'],
    });
    expect(updateStatement(postgresDialect, { table: 't', set: { a: 'x' }, where: { id: 3 } })).toEqual({
      sql: 'UPDATE "t" SET "a" = $1 WHERE "id" = $2',
      values: ['x', 3],
    });
    expect(deleteStatement(mysqlDialect, { table: 'we`ird', where: { id: 3 } })).toEqual({
      sql: 'DELETE FROM `we``ird` WHERE `id` = ?',
      values: [3],
    });
  });

  it("wraps the caller's SELECT for a keyset page", () => {
    const request = { sql: 'SELECT * FROM t WHERE x > $1;', values: [5], orderBy: ['a', 'b'], descending: false, pageSize: 100 };
    expect(pageStatement(postgresDialect, request, undefined).sql).toBe(
      'SELECT ck_page.*, CAST(ck_page."a" AS text) AS "__ck_key_0", CAST(ck_page."b" AS text) AS "__ck_key_1" FROM (SELECT * FROM t WHERE x > $1) AS ck_page ORDER BY ck_page."a", ck_page."b" LIMIT 101',
    );
    expect(pageStatement(mysqlDialect, { ...request, sql: 'SELECT * FROM t WHERE x > ?', descending: true }, ['7', '2024-01-01'])).toEqual({
      sql: 'SELECT ck_page.*, CAST(ck_page.`a` AS CHAR) AS `__ck_key_0`, CAST(ck_page.`b` AS CHAR) AS `__ck_key_1` FROM (SELECT * FROM t WHERE x > ?) AS ck_page WHERE (ck_page.`a`, ck_page.`b`) < (?, ?) ORDER BY ck_page.`a` DESC, ck_page.`b` DESC LIMIT 101',
      values: [5, '7', '2024-01-01'],
    });
  });
});
