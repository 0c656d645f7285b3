/** The SQL connector end to end in embedded mode (PGlite inside the connector process): no server needed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqlStack, type SqlStack, type Target } from './stack.js';
import { methodTests } from './methods.suite.js';
import { guardTests } from './guard.suite.js';

const target: Target = { kind: 'embedded', config: { type: 'embedded' } };
const suffix = `${process.pid}`;

// Config changes are tested on the server databases: each one starts a fresh embedded
// database (seconds of CPU) without the tables the tests made. The readOnly guard, last, is
// tested here too: it runs the same way on PGlite.
describe('sql connector end to end, embedded', () => {
  let stack: SqlStack;
  beforeAll(async () => {
    stack = await startSqlStack(target);
  });
  afterAll(() => stack?.close());
  methodTests(target, () => stack, suffix);
  guardTests(target, () => stack, suffix);
});

// A connector nobody has configured defaults to embedded, but most are about to get a server's
// config: its health check must not boot PGlite (which keeps ~130 MB of the process afterwards).
describe('sql connector end to end, not configured yet', () => {
  let stack: SqlStack;
  beforeAll(async () => {
    stack = await startSqlStack({ kind: 'embedded', config: {} });
  });
  afterAll(() => stack?.close());

  it('reports healthy without booting the default embedded database, which boots on the first call', async () => {
    const health = await stack.health();
    expect(health).toMatchObject({ ok: true, error: null });
    const { rows } = await stack.ok('query', {
      sql: 'SELECT pg_postmaster_start_time() > $1::timestamptz AS booted_after',
      values: [health!.at],
    });
    expect(rows).toEqual([{ booted_after: true }]);
  });
});
