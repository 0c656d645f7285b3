/**
 * Throwaway connector projects for the CLI tests: a temp folder with package.json, sources, and
 * node_modules linked to the repository's, so `@connector-kit/sdk` resolves as when installed.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimalEnv, runNode, type Finished } from '../../../../test/support/spawn.js';

export const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const ROOT = join(SDK_DIR, '../..');
export const CLI = join(SDK_DIR, 'dist/cli/index.js');

/** A project folder, removed by `remove()`. */
export interface Fixture {
  dir: string;
  remove(): void;
}

/** Writes `files` (path → content) into a new project with connector id `fixture-1`. */
export function fixture(files: Record<string, string>, pkg: Record<string, unknown> = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'ck-cli-'));
  const all = {
    'package.json': JSON.stringify(
      { name: 'fixture', version: '1.2.3', type: 'module', connectorId: 'fixture-1', main: './dist/index.js', ...pkg },
      null,
      2,
    ),
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Output and exit code of one command. */
export type Run = Finished;

/** Runs `node <file> ...args` in `cwd` and waits for it to exit. */
export function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return runNode(file, args, { cwd, env: minimalEnv(env) });
}

/** Runs the built `connector` CLI. */
export const connector = (args: readonly string[], cwd: string, env?: Record<string, string>): Promise<Run> => run(CLI, args, cwd, env);

/** A small, valid connector in the shape `create-connector` writes. */
export const GREETER = `import { defineConnector, field, z } from '@connector-kit/sdk';

export default defineConnector({
  name: 'Greeter',
  summary: 'Greets people',
  description: 'A connector for the CLI tests.',
  config: {
    greeting: field.line({ label: 'Greeting', description: 'The word to greet with', optional: true, plain: true }),
  },
  methods: (method) => ({
    hello: method({
      description: 'Say hello',
      input: z.object({ name: z.string().default('world').describe('Who to greet') }),
      output: z.object({ message: z.string() }),
      examples: [{ input: { name: 'Ada' } }],
      handler: async ({ name }, ctx) => ({ message: \`\${ctx.config.greeting ?? 'Hello'}, \${name}\` }),
    }),
  }),
});
`;
