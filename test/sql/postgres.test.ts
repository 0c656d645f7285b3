/** The SQL connector end to end against PostgreSQL (TEST_DATABASE_URL; .ci/start-postgres.sh). */
import { afterAll, beforeAll, describe } from 'vitest';
import { serverTarget, startSqlStack, type SqlStack } from './stack.js';
import { methodTests } from './methods.suite.js';
import { configTests } from './config.suite.js';

const target = serverTarget('postgres', 'TEST_DATABASE_URL');
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;

describe.skipIf(target === undefined)(`sql connector end to end on PostgreSQL${target ? '' : ' (skipped: set TEST_DATABASE_URL)'}`, () => {
  let stack: SqlStack;
  beforeAll(async () => {
    stack = await startSqlStack(target!);
  });
  afterAll(async () => {
    await stack?.ok('query', { sql: `DROP TABLE IF EXISTS people_${suffix}, big_${suffix}, notes_${suffix}` }).catch(() => undefined);
    await stack?.close();
  });
  // Registered even when skipped, so the report lists every test that did not run.
  const registered = target ?? { kind: 'postgres', config: {} };
  methodTests(registered, () => stack, suffix);
  configTests(registered, () => stack, suffix);
});
