/**
 * What differs between SQL dialects when the connector writes SQL of its own (conveniences,
 * paging, schema queries): placeholders, identifier quoting and a few expressions.
 * Caller SQL is never rewritten, only wrapped.
 */

/** One SQL dialect. */
export interface Dialect {
  readonly name: 'postgres' | 'mysql';
  /** The placeholder for the `index`-th bound value (1-based). */
  placeholder(index: number): string;
  /** Quotes one identifier, doubling the quote character inside it. */
  quote(identifier: string): string;
  /** An expression that turns `expr` into text that reads back as the same value. */
  asText(expr: string): string;
  /** The schema (PostgreSQL) or database (MySQL) unqualified table names resolve to. */
  readonly currentSchema: string;
  /** A condition on `table_schema` that keeps user tables only. */
  readonly userSchemas: string;
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  placeholder: (index) => `$${index}`,
  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  asText: (expr) => `CAST(${expr} AS text)`,
  currentSchema: 'current_schema()',
  userSchemas: `table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%' AND table_schema NOT LIKE 'pg_temp%'`,
};

export const mysqlDialect: Dialect = {
  name: 'mysql',
  placeholder: () => '?',
  quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
  asText: (expr) => `CAST(${expr} AS CHAR)`,
  currentSchema: 'DATABASE()',
  // A MySQL "database" is what PostgreSQL calls a schema: list the one the config names.
  userSchemas: 'table_schema = DATABASE()',
};

/** Quotes a possibly schema-qualified name: `sales.orders` → `"sales"."orders"`. */
export function quoteName(dialect: Dialect, name: string): string {
  return splitName(name)
    .map((part) => dialect.quote(part))
    .join('.');
}

/** `sales.orders` → `['sales', 'orders']`; `orders` → `['orders']`. */
export function splitName(name: string): string[] {
  return name.split('.');
}
