/**
 * Runs the built `create-connector` binary the way a person would, in temp folders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimalEnv, runNode, type Finished } from '../../../test/support/spawn.js';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(PACKAGE_DIR, 'dist/cli.js');

/** A temp folder removed by `remove()`. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'cc-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** What a run printed and how it ended. */
export type Run = Finished;

/** Runs the CLI in `cwd` with `args`, no TTY, and a minimal environment plus `env`. */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runNode(CLI, args, { cwd, env: minimalEnv(env) });
}
