import { describe, expect, it, vi } from 'vitest';
import { run, runNode, start } from './spawn.js';

const node = (source: string) => ['-e', source];

describe('run', () => {
  it('resolves with the exit code and each stream', async () => {
    const result = await run(process.execPath, node("process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 3"));
    expect(result).toMatchObject({ code: 3, signal: null, stdout: 'out', stderr: 'err' });
    expect(result.output).toHaveLength(6);
  });

  it('resolves once the output is complete, not when the process exits', async () => {
    // The command exits at once; a process it left behind on its stdout writes 300 ms later.
    // Resolving on 'exit' would miss that line.
    const late = "setTimeout(() => console.log('late line'), 300)";
    const source = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(late)}], { stdio: 'inherit' }).unref()`;
    const result = await run(process.execPath, node(source));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('late line\n');
  });

  it('passes only the environment it is given', async () => {
    process.env.SPAWN_TEST_LEAK = 'leaked';
    try {
      const result = await runNode('-p', ['JSON.stringify([process.env.SPAWN_TEST_LEAK, process.env.GIVEN])'], { env: { GIVEN: 'yes' } });
      expect(JSON.parse(result.stdout)).toEqual([null, 'yes']);
    } finally {
      delete process.env.SPAWN_TEST_LEAK;
    }
  });

  it('rejects when the command cannot be started', async () => {
    await expect(run('/nonexistent/command', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('start', () => {
  it('keeps the output of a running process and stops it with a signal', async () => {
    const proc = start(process.execPath, node("console.log('ready'); setInterval(() => {}, 1000)"));
    await vi.waitFor(() => expect(proc.stdout()).toContain('ready'));
    expect(proc.alive()).toBe(true);
    expect(await proc.stop()).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(proc.alive()).toBe(false);
  });

  it('with group, stops the processes the child started too', async () => {
    // The child starts a grandchild in its process group and prints its pid.
    const source = `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log(c.pid); setInterval(() => {}, 1000)`;
    const proc = start(process.execPath, node(source), { group: true });
    await vi.waitFor(() => expect(proc.stdout()).toMatch(/^\d+\n/));
    const grandchild = Number(proc.stdout().trim());
    await proc.stop('SIGTERM');
    // An orphan that died stays a zombie until init reaps it (about a second here).
    await vi.waitFor(() => expect(proc.alive()).toBe(false), { timeout: 10_000, interval: 50 });
    expect(() => process.kill(grandchild, 0)).toThrow();
  });

  it('settles when the command cannot be started', async () => {
    const proc = start('/nonexistent/command', []);
    const finished = await proc.exited;
    expect(finished.code).toBeNull();
    expect(finished.stderr).toMatch(/ENOENT/);
    await expect(proc.stop()).resolves.toBe(finished);
  });
});
