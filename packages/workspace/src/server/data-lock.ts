/**
 * One workspace per data folder. Two processes on one folder would both open the embedded
 * database and lose each other's writes, so the first one holds `<dataDir>/workspace.lock`
 * (its pid, host and start time) until it closes; the next one is refused with a message that
 * names it. A lock left by a process that died (kill -9, a crash) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WorkspaceError } from '../errors.js';

/** Name of the lock file inside the data folder. */
export const LOCK_FILE = 'workspace.lock';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the owner took the lock. */
  started: string;
  /** Random: tells this lock from an earlier one of a process that had the same pid. */
  nonce: string;
}

/** A held lock. */
export interface DataLock {
  /** Path of the lock file. */
  file: string;
  /** Releases the lock (removes the file if it is still ours). Safe to call more than once. */
  release(): Promise<void>;
}

/** Options of {@link lockDataDir}; the defaults are this process and this machine. */
export interface LockOptions {
  /** @default process.pid */
  pid?: number;
  /** @default os.hostname() */
  host?: string;
  /** Whether a process runs. @default a signal-0 probe (`process.kill(pid, 0)`) */
  isAlive?: (pid: number) => boolean;
}

/** Whether process `pid` exists: signal 0 checks without sending anything (EPERM: it exists, not ours). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of `dataDir` (creating the folder if needed).
 * @throws WorkspaceError `DATA_DIR_LOCKED` when a live process holds it, naming that process
 */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataLock> {
  const file = join(dataDir, LOCK_FILE);
  const isAlive = options.isAlive ?? processIsAlive;
  const mine: LockOwner = {
    pid: options.pid ?? process.pid,
    host: options.host ?? hostname(),
    started: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The folder holds the database, secrets and the admin token: only its owner may enter it
  // (issue 13 finding 6). A folder that pre-existed open to the group or others is closed, as
  // PostgreSQL insists on for its data directory; files inside are then out of their reach too.
  if (((await stat(dataDir)).mode & 0o077) !== 0) await chmod(dataDir, 0o700);

  // A few rounds: each lost race (another process created or took over the lock between our
  // steps) starts again from reading who holds it now.
  for (let round = 0; round < 5; round++) {
    if (await create(file, mine)) return held(file, mine);
    const owner = await readOwner(file);
    if (owner === 'gone') continue;
    // Another host's pid says nothing about this machine (a folder on a shared disk): never take it over.
    if (owner !== 'unreadable' && (owner.host !== mine.host || isAlive(owner.pid))) throw lockedError(dataDir, file, owner);
    await takeOver(file, owner);
  }
  throw new WorkspaceError(
    'DATA_DIR_LOCKED',
    `could not take the lock ${file}: other processes keep taking it. Start one workspace per data folder`,
  );
}

/**
 * Creates the lock file with `owner` in it, or answers false when one exists. Written aside
 * and then linked into place: `link` fails when the name exists, and a reader never sees a
 * half-written lock (which it would take for a stale one).
 */
async function create(file: string, owner: LockOwner): Promise<boolean> {
  const temp = `${file}.${owner.nonce}.tmp`;
  await writeFile(temp, `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links (some network and FAT mounts): create it in place instead.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    return writeFile(file, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 }).then(
      () => true,
      (inPlace: NodeJS.ErrnoException) => {
        if (inPlace.code === 'EEXIST') return false;
        throw inPlace;
      },
    );
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Removes a stale lock, unless it changed since it was read as stale (then it is left alone). */
async function takeOver(file: string, stale: LockOwner | 'unreadable'): Promise<void> {
  // Renaming is atomic: of several processes taking over at once only one moves the stale
  // file; the others find it gone and go round again.
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readOwner(aside);
  const same = stale === 'unreadable' ? moved === 'unreadable' : moved !== 'gone' && moved !== 'unreadable' && moved.nonce === stale.nonce;
  // What we moved is a fresh lock another process took meanwhile: put it back where it was.
  if (!same) await link(aside, file).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

async function readOwner(file: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(owner.pid) && typeof owner.host === 'string' && typeof owner.nonce === 'string') return owner as LockOwner;
  } catch {
    // A half-written or foreign file: treated as stale below.
  }
  return 'unreadable';
}

function lockedError(dataDir: string, file: string, owner: LockOwner | 'unreadable'): WorkspaceError {
  const who = owner === 'unreadable' ? 'another process' : `process ${owner.pid} on ${owner.host}, since ${owner.started}`;
  return new WorkspaceError(
    'DATA_DIR_LOCKED',
    `the data folder ${dataDir} is in use by another workspace (${who}): stop that one, or give this one its own --data folder. ` +
      `If no workspace runs, delete ${file}`,
    { details: owner === 'unreadable' ? undefined : { pid: owner.pid, host: owner.host, started: owner.started } },
  );
}

function held(file: string, mine: LockOwner): DataLock {
  const stillOurs = (text: string): boolean => {
    try {
      return (JSON.parse(text) as LockOwner).nonce === mine.nonce;
    } catch {
      return false;
    }
  };
  // A process that exits without closing the workspace (process.exit) still removes its lock.
  const onExit = (): void => {
    try {
      if (stillOurs(readFileSync(file, 'utf8'))) unlinkSync(file);
    } catch {
      // Gone already.
    }
  };
  process.once('exit', onExit);
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const text = await readFile(file, 'utf8').catch(() => '');
      if (stillOurs(text)) await unlink(file).catch(() => undefined);
    },
  };
}
