/**
 * Spawning a process and keeping what it prints: the one helper of every test that runs a built
 * CLI, a connector process, npm or the bench (packages' tests import it by relative path).
 *
 * `run` waits for 'close', not 'exit': a child's 'exit' can come before its last output has been
 * read, and a result read then misses it (the way `npm start` once printed a failure with an
 * empty message). `start` resolves `exited` on 'exit', since a long-running process may leave
 * children that hold its pipes open.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** How a process ended and what it printed. */
export interface Finished {
  /** Exit status; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

/** Options of {@link run} and {@link start}. */
export interface SpawnOptions {
  /** Working directory. @default this process's */
  cwd?: string;
  /**
   * The child's whole environment: nothing of this process's leaks in unless passed.
   * @default PATH and HOME of this process
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Its own process group, as a terminal gives a foreground command: `stop` signals the whole
   * group (npm and the processes it started, a CLI and its connector).
   * @default false
   */
  group?: boolean;
  /** Standard input: 'ignore', or 'pipe' to write to `child.stdin`. @default 'ignore' */
  stdin?: 'ignore' | 'pipe';
}

/** A started process whose output is kept. */
export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr interleaved as they arrived. */
  output: () => string;
  /** Resolves when the process itself has exited (its output so far is in the result). */
  exited: Promise<Finished>;
  /** Resolves when its output is complete as well: its pipes closed (see {@link run}). */
  closed: Promise<Finished>;
  /**
   * Sends `signal` (to the group with `group`) unless the process has exited, and resolves when
   * it has. @default signal 'SIGTERM'
   */
  stop: (signal?: NodeJS.Signals) => Promise<Finished>;
  /** True while the process (with `group`: any process of its group) runs. */
  alive: () => boolean;
}

/** The environment of a child that gets only what a person's shell surely has. */
export const minimalEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ...extra,
});

function capture(command: string, args: readonly string[], options: SpawnOptions) {
  const stdio: StdioOptions = [options.stdin ?? 'ignore', 'pipe', 'pipe'];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? minimalEnv(), stdio, detached: options.group ?? false });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    output += d;
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
    output += d;
  });
  const result = (code: number | null, signal: NodeJS.Signals | null): Finished => ({ code, signal, stdout, stderr, output });
  return { child, result, stdout: () => stdout, stderr: () => stderr, output: () => output };
}

/**
 * Runs `command args` to the end and resolves once its output is complete.
 * @throws Error (rejects) when the command cannot be started, e.g. `spawn pnpm ENOENT`
 */
export function run(command: string, args: readonly string[], options: SpawnOptions = {}): Promise<Finished> {
  const { child, result } = capture(command, args, options);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(result(code, signal)));
  });
}

/** Runs `node file args` (this test run's Node) to the end. */
export const runNode = (file: string, args: readonly string[] = [], options: SpawnOptions = {}): Promise<Finished> =>
  run(process.execPath, [file, ...args], options);

/** Starts `command args` and keeps its output; stop it with `stop` (a test's `finally` or `afterAll`). */
export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Running {
  const captured = capture(command, args, options);
  const { child } = captured;
  const exited = new Promise<Finished>((resolve) => {
    // A failed spawn ('error') emits no 'exit': settle with its message so `stop()` never hangs.
    child.once('error', (error) => resolve({ ...captured.result(null, null), stderr: `${captured.stderr()}${error.message}` }));
    child.once('exit', (code, signal) => resolve(captured.result(code, signal)));
  });
  const closed = new Promise<Finished>((resolve) => {
    child.once('error', () => resolve(exited));
    child.once('close', (code, signal) => resolve(captured.result(code, signal)));
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const alive = (): boolean => {
    if (!options.group || child.pid === undefined) return running();
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    child,
    stdout: captured.stdout,
    stderr: captured.stderr,
    output: captured.output,
    exited,
    closed,
    alive,
    stop: (signal = 'SIGTERM') => {
      if (running()) {
        if (options.group) process.kill(-child.pid!, signal);
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** Starts `node file args` (this test run's Node). */
export const startNode = (file: string, args: readonly string[] = [], options: SpawnOptions = {}): Running =>
  start(process.execPath, [file, ...args], options);
