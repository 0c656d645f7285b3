/**
 * Where the `workspace` command looks by default: one place, so `serve` can tell a person
 * which variables the other commands need when it runs somewhere else.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The port `workspace serve` listens on without `--port` or `WORKSPACE_PORT`. */
export const DEFAULT_PORT = 4700;

/** The URL the commands reach without `--url` or `WORKSPACE_URL`. */
export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

/** The data folder without `--data`: `WORKSPACE_DATA`, else `~/.connector-kit/workspace`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSPACE_DATA || join(homedir(), '.connector-kit', 'workspace');
}

/** The workspace URL without `--url`: `WORKSPACE_URL`, else {@link DEFAULT_URL}. */
export function defaultUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSPACE_URL || DEFAULT_URL;
}
