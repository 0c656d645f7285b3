/** The SQL connector's method and config suites against one server database (PostgreSQL or MariaDB). */
import { afterAll, beforeAll, describe } from 'vitest';
import { serverTarget, startSqlStack, type SqlStack, type Target } from './stack.js';
import { methodTests } from './methods.suite.js';
import { configTests } from './config.suite.js';
import { guardTests } from './guard.suite.js';
import { cancelTests } from './cancel.suite.js';

/**
 * Registers the whole method and config suite against one server database, skipped (and said
 * so) when its URL variable is not set.
 */
export function serverSuite(kind: 'postgres' | 'mysql', env: string, label: string): void {
  const target = serverTarget(kind, env);
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  describe.skipIf(target === undefined)(`sql connector end to end on ${label}${target ? '' : ` (skipped: set ${env})`}`, () => {
    let stack: SqlStack;
    beforeAll(async () => {
      stack = await startSqlStack(target!);
    });
    afterAll(async () => {
      await stack
        ?.ok('query', { sql: `DROP TABLE IF EXISTS people_${suffix}, big_${suffix}, notes_${suffix}, guard_${suffix}, cancel_${suffix}` })
        .catch(() => undefined);
      await stack?.close();
    });
    // Registered even when skipped, so the report lists every test that did not run.
    const registered: Target = target ?? { kind, config: {} };
    methodTests(registered, () => stack, suffix);
    guardTests(registered, () => stack, suffix);
    configTests(registered, () => stack, suffix);
    cancelTests(registered, () => stack, suffix);
  });
}
