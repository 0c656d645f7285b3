import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir, processIsAlive } from '../../src/server/data-lock.js';
import { copyPgliteTemplate, makeDataDir, startTestWorkspace } from '../helpers.js';

/** The pid of a process that has exited: it held a lock and died without releasing it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(processIsAlive(pid)).toBe(false);
  return pid;
}

let dir: string;
beforeEach(async () => {
  dir = await makeDataDir();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('closes a data folder that is open to the group or others to 0700 (issue 13 finding 6)', async () => {
    const dir = await makeDataDir();
    try {
      await chmod(dir, 0o755);
      const lock = await lockDataDir(dir);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      await lock.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second holder while the first lives, naming its pid, host and start', async () => {
    const first = await lockDataDir(dir);
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });

    const second = lockDataDir(dir, { pid: 999_999_999 });
    await expect(second).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', details: { pid: process.pid, host: hostname() } });
    await expect(second).rejects.toThrow(
      `is in use by another workspace (process ${process.pid} on ${hostname()}, since ${owner.started})`,
    );

    await first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const third = await lockDataDir(dir);
    await third.release();
  });

  it('takes over the lock of a process that died', async () => {
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00Z', nonce: 'old' }));
    const lock = await lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over an unreadable lock file, but never one of another host', async () => {
    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    const lock = await lockDataDir(dir);
    await lock.release();

    // A folder on a shared disk: a pid of another machine says nothing about this one.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'other-host', started: 'x', nonce: 'n' }));
    await expect(lockDataDir(dir)).rejects.toThrow(/on other-host/);
  });

  it('lets exactly one of several simultaneous starters take a stale lock', async () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), started: 'x', nonce: 'old' }));
    // Distinct pids that all count as alive: each must see the winner as a live holder.
    const pids = [1_000_001, 1_000_002, 1_000_003, 1_000_004, 1_000_005, 1_000_006];
    const isAlive = (pid: number): boolean => pids.includes(pid);
    const outcomes = await Promise.allSettled(pids.map((pid) => lockDataDir(dir, { pid, isAlive })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'DATA_DIR_LOCKED' });
  });

  it('never removes a lock that is no longer its own', async () => {
    const lock = await lockDataDir(dir);
    writeFileSync(lock.file, JSON.stringify({ pid: 1, host: hostname(), started: 'x', nonce: 'someone-else' }));
    await lock.release();
    expect(existsSync(lock.file)).toBe(true);
  });
});

describe('startWorkspace on a locked data folder', () => {
  it('refuses a second workspace on the folder until the first has closed', async () => {
    await copyPgliteTemplate(dir);
    const first = await startTestWorkspace({ dataDir: dir });
    await expect(startTestWorkspace({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    await first.close();
    const second = await startTestWorkspace({ dataDir: dir });
    await second.close();
  }, 60_000);
});
