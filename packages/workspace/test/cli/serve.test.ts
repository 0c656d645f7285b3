import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliEnvironment } from '../../src/cli/serve.js';
import { startNode, type Running } from '../../../../test/support/spawn.js';
import { copyPgliteTemplate, makeDataDir } from '../helpers.js';
import { CLI, workspace } from './run.js';

/** `workspace serve` in the background, with what it printed so far. */
function serve(args: string[], env: Record<string, string> = {}): Running {
  return startNode(CLI, ['serve', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', WORKSPACE_PORT: '', ...env } });
}

const running: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await makeDataDir();
  dirs.push(dir);
  await copyPgliteTemplate(dir);
  return dir;
}

describe('workspace serve', { timeout: 60_000 }, () => {
  it('refuses a second server on the same data folder, naming the first one’s pid', async () => {
    const dir = await dataDir();
    const first = serve(['--port', '0', '--data', dir]);
    running.push(first.child);
    await vi.waitFor(() => expect(first.output()).toContain('Workspace running at'), { timeout: 30_000 });

    const second = await workspace(['serve', '--port', '0', '--data', dir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the data folder ${dir} is in use by another workspace (process ${first.child.pid} on`);
    expect(second.stderr).toContain('give this one its own --data folder');

    // Once the first has stopped, the folder is free again.
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const third = serve(['--port', '0', '--data', dir]);
    running.push(third.child);
    await vi.waitFor(() => expect(third.output()).toContain('Workspace running at'), { timeout: 30_000 });
  });

  it('takes over the lock of a server that was killed', async () => {
    const dir = await dataDir();
    const first = serve(['--port', '0', '--data', dir]);
    running.push(first.child);
    await vi.waitFor(() => expect(first.output()).toContain('Workspace running at'), { timeout: 30_000 });
    first.child.kill('SIGKILL');
    await first.exited;

    const second = serve(['--port', '0', '--data', dir]);
    running.push(second.child);
    await vi.waitFor(() => expect(second.output()).toContain('Workspace running at'), { timeout: 30_000 });
  });

  it('listens on WORKSPACE_PORT and says which variables the other commands need', async () => {
    const dir = await dataDir();
    // 0: any free port, so the test never depends on a fixed one; the default 4700 would show as 4700.
    const server = serve(['--data', dir], { WORKSPACE_PORT: '0' });
    running.push(server.child);
    await vi.waitFor(() => expect(server.output()).toContain('Add a connector'), { timeout: 30_000 });
    const url = /Workspace running at (http:\/\/127\.0\.0\.1:(\d+))\//.exec(server.output());
    expect(url?.[2]).not.toBe('4700');
    expect(server.output()).toContain(
      `For the workspace CLI in another terminal, set:\n  export WORKSPACE_URL=${url![1]} WORKSPACE_DATA=${dir}\n`,
    );

    // What it says to set is enough for the other commands.
    const list = await workspace(['connector', 'list', '--json'], { WORKSPACE_URL: url![1]!, WORKSPACE_DATA: dir });
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout)).toEqual({ connectors: [] });
  });

  it('says what failed, where and what to do when the data folder cannot be used, never "undefined" (issue 13 finding 6)', async () => {
    const dir = await makeDataDir();
    dirs.push(dir);
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    // A file where PGlite keeps a folder: its file system throws an error without a message (it printed "undefined").
    const broken = join(dir, 'broken');
    await mkdir(join(broken, 'pglite'), { recursive: true });
    await writeFile(join(broken, 'pglite', 'base'), 'x');
    const cases: Array<[data: string, says: string]> = [
      [
        file,
        `cannot start the workspace: cannot use the data folder (${file}): a file is where a folder must be (EEXIST). Move the file away, or give --data`,
      ],
      [join(file, 'sub'), `cannot use the data folder (${join(file, 'sub')}): a file is where a folder must be (ENOTDIR)`],
      [broken, `cannot open the embedded database (${join(broken, 'pglite')}): a file is where a folder must be (ENOTDIR)`],
    ];
    for (const [data, says] of cases) {
      const out = await workspace(['serve', '--port', '0', '--data', data]);
      expect(out.code, out.output).toBe(1);
      expect(out.stderr).toContain(says);
      expect(out.output).not.toContain('undefined');
    }
    const json = await workspace(['serve', '--port', '0', '--data', broken, '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'DATA_DIR_NOT_A_FOLDER', message: expect.stringContaining(broken) });
  });

  it('exits 2 on a WORKSPACE_PORT that is not a port', async () => {
    const res = await workspace(['serve', '--data', await dataDir()], { WORKSPACE_PORT: 'http' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('WORKSPACE_PORT=http is not a port');
  });
});

describe('cliEnvironment', () => {
  it('names only what differs from the defaults', () => {
    expect(cliEnvironment('http://127.0.0.1:4700/', `${process.env.HOME}/.connector-kit/workspace`)).toEqual([]);
    expect(cliEnvironment('http://127.0.0.1:4800/', '/tmp/my data')).toEqual([
      'WORKSPACE_URL=http://127.0.0.1:4800',
      "WORKSPACE_DATA='/tmp/my data'",
    ]);
  });
});
