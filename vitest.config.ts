import { defineConfig } from 'vitest/config';

// One run, several projects: unit tests per package, then the cross-package end-to-end suite.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'sdk', root: 'packages/sdk', include: ['test/**/*.test.ts'] } },
      { test: { name: 'workspace', root: 'packages/workspace', include: ['test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'create-connector', root: 'packages/create-connector', include: ['test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'hello-world', root: 'examples/hello-world', include: ['test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'hello-controller', root: 'examples/hello-controller', include: ['test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'crm', root: 'examples/crm', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      { test: { name: 'sql', root: 'examples/sql', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 } },
      { test: { name: 'bench', root: 'bench', include: ['test/**/*.test.ts'], testTimeout: 180_000 } },
      { test: { name: 'e2e', root: 'test', include: ['**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
