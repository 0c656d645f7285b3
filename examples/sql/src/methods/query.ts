/** `query` and `transaction`: caller SQL, values bound. */
import { ConnectorError, defineMethod, z } from '@connector-kit/sdk';
import type { DriverHolder } from '../holder.js';
import { toConnectorError } from '../errors.js';
import { bound, result, sql, values } from './shapes.js';

const statement = z.object({ sql, values });

/** The methods that run caller SQL. */
export function queryMethods(holder: DriverHolder) {
  return {
    query: defineMethod({
      description: 'Run one SQL statement with bound values; returns rows and the affected-row count',
      input: statement,
      output: result,
      examples: [
        {
          input: { sql: 'SELECT id, name FROM customers WHERE country = $1', values: ['GB'] },
          output: { rows: [{ id: 1, name: 'Ada Lovelace' }], columns: ['id', 'name'], affectedRows: 0 },
        },
        {
          input: { sql: 'UPDATE customers SET country = $1 WHERE id = $2', values: ['FR', 3] },
          output: { rows: [], columns: [], affectedRows: 1 },
        },
      ],
      handler: ({ sql, values }, ctx) => holder.use((driver) => driver.query(sql, bound(values), ctx.signal), ctx.signal),
    }),

    transaction: defineMethod({
      description: 'Run several statements in one transaction: all of them take effect, or none',
      input: z.object({ statements: z.array(statement).min(1).max(1000).describe('Statements, run in order') }),
      output: z.object({ results: z.array(result).describe('One result per statement') }),
      examples: [
        {
          input: {
            statements: [
              { sql: 'INSERT INTO orders (customer_id, total) VALUES ($1, $2)', values: [2, 10] },
              { sql: 'UPDATE customers SET country = $1 WHERE id = $2', values: ['US', 2] },
            ],
          },
        },
      ],
      handler: ({ statements }, ctx) =>
        holder.use(
          (driver) =>
            driver.transaction(async (session) => {
              const results = [];
              for (const [index, step] of statements.entries()) {
                try {
                  results.push(await session.query(step.sql, bound(step.values)));
                } catch (error) {
                  throw inStatement(toConnectorError(error, driver.site), index, statements.length);
                }
              }
              return { results };
            }, ctx.signal),
          ctx.signal,
        ),
    }),
  };
}

/** Says which statement failed and that nothing was kept. */
function inStatement(error: ConnectorError, index: number, count: number): ConnectorError {
  const details = { ...(error.details as object), statement: index };
  return new ConnectorError(error.code, `statement ${index + 1} of ${count} failed, the transaction was rolled back: ${error.message}`, {
    cause: error,
    details,
    retryable: error.retryable,
  });
}
