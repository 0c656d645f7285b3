/**
 * Runs the built `workspace` command, as a person's shell would, for the CLI tests.
 */
import { fileURLToPath } from 'node:url';
import { runNode, type Finished } from '../../../../test/support/spawn.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

/** What a run printed and how it ended. */
export type Result = Finished;

/** Runs the built `workspace` command with `args`; the workspace variables are cleared unless given in `env`. */
export function workspace(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return runNode(CLI, args, {
    env: { ...process.env, WORKSPACE_URL: '', WORKSPACE_TOKEN: '', WORKSPACE_DATA: '', DATABASE_URL: '', LOG_LEVEL: 'silent', ...env },
  });
}
