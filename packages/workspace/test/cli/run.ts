/**
 * Runs the built `workspace` command, as a person's shell would, for the CLI tests.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));

/** What a run printed and how it ended. */
export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `workspace` command with `args`; the workspace variables are cleared unless given in `env`. */
export function workspace(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, WORKSPACE_URL: '', WORKSPACE_TOKEN: '', WORKSPACE_DATA: '', DATABASE_URL: '', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
