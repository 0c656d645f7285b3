/**
 * A busy machine, made on purpose: CPU-bound processes at normal priority, as a loaded CI runner
 * or a laptop compiling something has. For tests of what must still work when every process
 * gets a fraction of a core (`npm start` once failed at load average ~7).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Busy loops started by {@link busyLoops}. */
export interface BusyLoops {
  /** How many run. */
  readonly count: number;
  /** Kills them and resolves once they have exited. */
  stop: () => Promise<void>;
}

/**
 * Starts `count` Node processes that spin until `stop()`, and at most `forMs` (each stops on its
 * own then, so a test that dies before its `finally` leaves nothing running for long).
 */
export function busyLoops(count: number, forMs: number): BusyLoops {
  const source = `const end = Date.now() + ${Math.floor(forMs)}; while (Date.now() < end) {}`;
  const loops: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ['-e', source], { stdio: 'ignore' }));
  const exited = loops.map(
    (loop) => new Promise<void>((resolve) => (loop.exitCode !== null ? resolve() : loop.once('exit', () => resolve()))),
  );
  return {
    count,
    stop: async () => {
      for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
      await Promise.all(exited);
    },
  };
}
