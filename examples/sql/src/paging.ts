/**
 * Keyset paging: each page is one bounded statement, and the page token carries only the
 * last row's key. Nothing is held between pages (no open cursor, transaction or connection),
 * so memory stays flat for any number of rows, an abandoned walk costs nothing, and the next
 * page may be served by another replica of the connector or after a config change.
 *
 * The caller's SELECT is wrapped, never edited:
 *   SELECT p.*, CAST(p."id" AS text) AS "__ck_key_0" FROM (<sql>) AS p
 *   WHERE (p."id") > ($n) ORDER BY p."id" LIMIT <pageSize + 1>
 * The database pushes the key condition into the inner query, so with an index on the key a
 * page costs the same at row 10 and at row 10 million (unlike OFFSET, which re-reads every
 * skipped row). The key is read back as text so it round-trips exactly (dates, big numbers).
 */
import { createHash } from 'node:crypto';
import { ConnectorError } from '@connector-kit/sdk';
import type { Row, Session, SqlValue } from './driver.js';
import type { Dialect } from './dialect.js';

/** One page request. */
export interface PageRequest {
  /** A SELECT without ORDER BY or LIMIT (the page adds them). */
  sql: string;
  values: SqlValue[];
  /** Columns of the result that together identify a row and are never NULL, e.g. the primary key. */
  orderBy: string[];
  /** Walk from the largest key down. */
  descending: boolean;
  pageSize: number;
  /** `nextCursor` of the previous page; absent for the first. */
  cursor?: string | undefined;
}

/** One page. */
export interface Page {
  rows: Row[];
  columns: string[];
  /** Pass as `cursor` for the next page; null after the last one. */
  nextCursor: string | null;
}

const KEY_PREFIX = '__ck_key_';

interface Token {
  /** Fingerprint of the query the token belongs to. */
  q: string;
  /** The last row's key, as text. */
  k: string[];
}

function fingerprint(request: PageRequest): string {
  const { sql, values, orderBy, descending } = request;
  return createHash('sha256')
    .update(JSON.stringify([sql, values, orderBy, descending]))
    .digest('base64url')
    .slice(0, 16);
}

function decodeCursor(cursor: string, request: PageRequest): string[] {
  let token: Partial<Token> | undefined;
  try {
    token = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    token = undefined;
  }
  const keys = token?.k;
  if (!Array.isArray(keys) || keys.length !== request.orderBy.length || !keys.every((k) => typeof k === 'string')) {
    throw new ConnectorError(
      'CURSOR_INVALID',
      `cursor ${JSON.stringify(cursor.slice(0, 40))} is not a page token: pass the nextCursor of the previous page, or omit it for the first page`,
    );
  }
  if (token?.q !== fingerprint(request)) {
    throw new ConnectorError(
      'CURSOR_INVALID',
      'cursor belongs to another query: keep sql, values, orderBy and descending the same while paging, or start again without a cursor',
    );
  }
  return keys;
}

/** The statement for one page. Exported for tests. */
export function pageStatement(dialect: Dialect, request: PageRequest, after: string[] | undefined): { sql: string; values: SqlValue[] } {
  const inner = request.sql.trim().replace(/;+\s*$/, '');
  const col = (name: string): string => `ck_page.${dialect.quote(name)}`;
  const keys = request.orderBy.map((name, i) => `${dialect.asText(col(name))} AS ${dialect.quote(`${KEY_PREFIX}${i}`)}`);
  const direction = request.descending ? ' DESC' : '';
  const values = [...request.values];
  let where = '';
  if (after !== undefined) {
    const params = after.map((key) => {
      values.push(key);
      return dialect.placeholder(values.length);
    });
    where = ` WHERE (${request.orderBy.map(col).join(', ')}) ${request.descending ? '<' : '>'} (${params.join(', ')})`;
  }
  const order = request.orderBy.map((name) => `${col(name)}${direction}`).join(', ');
  // pageSize is a checked integer; one extra row tells whether another page follows.
  const sql = `SELECT ck_page.*, ${keys.join(', ')} FROM (${inner}) AS ck_page${where} ORDER BY ${order} LIMIT ${request.pageSize + 1}`;
  return { sql, values };
}

/**
 * Reads one page.
 * @throws ConnectorError `CURSOR_INVALID` for a token from elsewhere; `PAGE_KEY_INVALID` when an orderBy column is NULL
 */
export async function readPage(session: Session, dialect: Dialect, request: PageRequest): Promise<Page> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, request);
  const statement = pageStatement(dialect, request, after);
  const result = await session.query(statement.sql, statement.values);
  const more = result.rows.length > request.pageSize;
  if (more) result.rows.length = request.pageSize;

  // Only the last row's key is needed. The key columns are the row's last properties: deleting
  // them last-first lets V8 keep the rows in fast mode, so serializing them stays cheap.
  const keyNames = request.orderBy.map((_, i) => `${KEY_PREFIX}${i}`);
  const lastRow = result.rows.at(-1);
  const last = lastRow === undefined ? undefined : keyNames.map((name) => lastRow[name] as string);
  for (const row of result.rows) {
    for (let i = keyNames.length - 1; i >= 0; i--) delete row[keyNames[i]!];
  }
  if (more && last !== undefined && last.some((key) => key === null)) {
    throw new ConnectorError(
      'PAGE_KEY_INVALID',
      `orderBy column(s) ${JSON.stringify(request.orderBy)} hold NULL in a row: page by columns that are never NULL and identify a row, such as the primary key`,
    );
  }
  const token: Token = { q: fingerprint(request), k: last ?? [] };
  return {
    rows: result.rows,
    columns: result.columns.filter((name) => !name.startsWith(KEY_PREFIX)),
    nextCursor: more ? Buffer.from(JSON.stringify(token)).toString('base64url') : null,
  };
}
