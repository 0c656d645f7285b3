/** The SQL connector end to end against MariaDB or MySQL (TEST_MYSQL_URL; .ci/start-mariadb.sh). */
import { afterAll, beforeAll, describe } from 'vitest';
import { serverTarget, startSqlStack, type SqlStack } from './stack.js';
import { methodTests } from './methods.suite.js';
import { configTests } from './config.suite.js';

const target = serverTarget('mysql', 'TEST_MYSQL_URL');
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;

describe.skipIf(target === undefined)(`sql connector end to end on MariaDB${target ? '' : ' (skipped: set TEST_MYSQL_URL)'}`, () => {
  let stack: SqlStack;
  beforeAll(async () => {
    stack = await startSqlStack(target!);
  });
  afterAll(async () => {
    await stack?.ok('query', { sql: `DROP TABLE IF EXISTS people_${suffix}, big_${suffix}, notes_${suffix}` }).catch(() => undefined);
    await stack?.close();
  });
  // Registered even when skipped, so the report lists every test that did not run.
  const registered = target ?? { kind: 'mysql', config: {} };
  methodTests(registered, () => stack, suffix);
  configTests(registered, () => stack, suffix);
});
