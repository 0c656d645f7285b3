/**
 * `connector dev`: build, start, and rebuild + restart whenever a source file changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProject } from './build.js';

/** Runs until interrupted. */
export async function devProject(dir: string, log: (line: string) => void): Promise<void> {
  const cli = fileURLToPath(import.meta.url);
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;

  const stopChild = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };

  const cycle = async (): Promise<void> => {
    try {
      const result = await buildProject({ dir, log, noTypes: true });
      log(`built ${result.methods} method(s); (re)starting`);
    } catch (error) {
      log(`build failed: ${(error as Error).message}`);
      return;
    }
    await stopChild();
    child = spawn(process.execPath, [cli, 'start'], { cwd: dir, stdio: 'inherit' });
  };

  await cycle();
  watch(join(dir, 'src'), { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void cycle(), 150);
  });
  const quit = (): void => {
    void stopChild().then(() => process.exit(0));
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}
