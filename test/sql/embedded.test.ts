/** The SQL connector end to end in embedded mode (PGlite inside the connector process): no server needed. */
import { afterAll, beforeAll, describe } from 'vitest';
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
