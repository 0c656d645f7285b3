/**
 * The new project's git repository: `git init` and a first commit of what the scaffolder wrote,
 * when git is installed and the folder is not already inside a repository (a monorepo).
 */
import { spawn } from 'node:child_process';

/** What {@link initRepository} did. */
export type GitOutcome =
  | { outcome: 'committed' }
  /** A repository without a commit: git could not commit (most often no user.name / user.email). */
  | { outcome: 'initialized'; reason: string }
  /** Nothing: no git, or the folder is already in a repository. */
  | { outcome: 'skipped'; reason: string };

/** The first commit's message. */
export const FIRST_COMMIT = 'New connector project (create-connector)';

/** Makes a repository in `dir` with one commit of every file not ignored. Never throws. */
export async function initRepository(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<GitOutcome> {
  const git = (...args: string[]): Promise<{ code: number | null; output: string }> => run('git', args, dir, env);
  const inside = await git('rev-parse', '--is-inside-work-tree');
  if (inside.code === null) return { outcome: 'skipped', reason: 'git is not installed' };
  if (inside.code === 0 && inside.output.trim() === 'true')
    return { outcome: 'skipped', reason: 'the folder is already in a git repository' };
  const init = await git('init', '--quiet');
  if (init.code !== 0) return { outcome: 'skipped', reason: `git init failed: ${init.output.trim()}` };
  const add = await git('add', '--all');
  if (add.code !== 0) return { outcome: 'initialized', reason: `git add failed: ${add.output.trim()}` };
  const commit = await git('commit', '--quiet', '--no-verify', '--message', FIRST_COMMIT);
  if (commit.code === 0) return { outcome: 'committed' };
  const identity = /user\.(name|email)|identity/i.test(commit.output);
  return {
    outcome: 'initialized',
    reason: identity
      ? "git knows no user.name/user.email yet: set them (git config --global user.name …), then git commit -m 'New connector project'"
      : `git commit failed: ${commit.output.trim().split('\n')[0] ?? ''}`,
  };
}

/** Runs a command to its end; `code` is null when it could not start (not installed). */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', () => resolve({ code: null, output }));
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
