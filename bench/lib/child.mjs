/**
 * Child processes of the bench: spawned with their output kept (the tail, for error
 * messages), stopped with SIGTERM and, failing that, SIGKILL; all killed if the bench exits.
 */
import { spawn } from 'node:child_process';

const alive = new Set();
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Spawns `node ...args` and returns a handle. */
export function spawnNode(args, { cwd, env, nodeOptions = [] }) {
  const child = spawn(process.execPath, [...nodeOptions, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  alive.add(child);
  let tail = '';
  const keep = (data) => {
    tail = (tail + data).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      alive.delete(child);
      resolve(code ?? signal);
    });
  });
  return {
    pid: child.pid,
    exited,
    output: () => tail,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves to the exit code or signal. */
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
