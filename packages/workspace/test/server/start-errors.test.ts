/**
 * A start on a full, read-only or foreign disk says what failed, where, and what to do (issue 13
 * finding 6: a full disk printed `cannot start the workspace: undefined`). The tests run as root,
 * which no permission stops, and no read-only or full file system is at hand: the errors are
 * injected where the operating system would raise them, at the fs calls of PGlite's file system.
 */
import fs from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startWorkspace } from '../../src/index.js';
import { lockDataDir } from '../../src/server/data-lock.js';
import { errnoCode, messageOf, startFailure } from '../../src/server/start-errors.js';
import { WorkspaceError } from '../../src/errors.js';
import { silentLogger } from '../helpers.js';

/** What PGlite's Emscripten file system throws: not an Error, no message, a number of its own. */
class ErrnoError {
  name = 'ErrnoError';
  constructor(readonly errno: number) {}
}

/** A Node fs error as the operating system reports it. */
function osError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const descriptions: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
  };
  return Object.assign(new Error(`${code}: ${descriptions[code] ?? 'failed'}, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
}

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = await fs.promises.mkdtemp(join(tmpdir(), 'ck-start-'));
  dirs.push(dir);
  return dir;
}

describe('messageOf', () => {
  it('never answers "undefined" or an empty text, whatever was thrown', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const thrown: unknown[] = [undefined, null, '', {}, new Error(''), new ErrnoError(51), new ErrnoError(9999), circular, 42, Symbol('s')];
    for (const value of thrown) {
      const message = messageOf(value);
      expect(message).not.toMatch(/^(undefined)?$/);
      expect(message.length).toBeGreaterThan(3);
    }
    expect(messageOf(new ErrnoError(51))).toBe('ENOSPC (no message)');
    expect(messageOf(new Error('boom'))).toBe('boom');
  });

  it("reads PGlite's numbered errno and Node's code alike", () => {
    expect(errnoCode(new ErrnoError(51))).toBe('ENOSPC');
    expect(errnoCode(new ErrnoError(69))).toBe('EROFS');
    expect(errnoCode(new ErrnoError(2))).toBe('EACCES');
    expect(errnoCode(new ErrnoError(12345))).toBe('errno 12345');
    expect(errnoCode(osError('EROFS', 'open', '/x'))).toBe('EROFS');
    expect(errnoCode(new Error('plain'))).toBeUndefined();
  });
});

describe('startFailure', () => {
  it('names the step, the path and what to do for a full disk, a read-only one and a foreign one', () => {
    const cases: Array<[error: unknown, code: string, says: RegExp]> = [
      [new ErrnoError(51), 'DISK_FULL', /the disk is full \(ENOSPC\)\. Free space on the disk that holds it \(df -h \/data\/pglite\)/],
      [osError('ENOSPC', 'write', '/data/pglite/base/1'), 'DISK_FULL', /\(\/data\/pglite\/base\/1\): the disk is full/],
      [new ErrnoError(69), 'DATA_DIR_READ_ONLY', /the file system is read-only \(EROFS\)\. Mount it read-write, or give --data/],
      [
        osError('EACCES', 'open', '/data/pglite/PG_VERSION'),
        'DATA_DIR_NOT_WRITABLE',
        /permission denied \(EACCES\) for user .+\. Give that user/,
      ],
      [new ErrnoError(54), 'DATA_DIR_NOT_A_FOLDER', /a file is where a folder must be \(ENOTDIR\)/],
      [new ErrnoError(29), 'START_FAILED', /cannot open the embedded database \(\/data\/pglite\): EIO \(no message\)/],
      [undefined, 'START_FAILED', /cannot open the embedded database \(\/data\/pglite\): undefined without a message/],
    ];
    for (const [error, code, says] of cases) {
      const failure = startFailure('open the embedded database', '/data/pglite', error);
      expect(failure).toBeInstanceOf(WorkspaceError);
      expect(failure.code).toBe(code);
      expect(failure.message).toMatch(/^cannot open the embedded database \(\/data\/pglite[^)]*\): /);
      expect(failure.message).toMatch(says);
      expect(failure.cause).toBe(error);
    }
  });

  it('keeps a WorkspaceError as it is, and the code of an error that has one', () => {
    const locked = new WorkspaceError('DATA_DIR_LOCKED', 'in use');
    expect(startFailure('use the data folder', '/d', locked)).toBe(locked);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(startFailure('open the PostgreSQL store (DATABASE_URL)', undefined, refused)).toMatchObject({
      code: 'ECONNREFUSED',
      message: 'cannot open the PostgreSQL store (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:5432',
    });
  });
});

describe('startWorkspace on a disk it cannot write', { timeout: 60_000 }, () => {
  /** Makes every file PGlite opens or folder it makes under `<dir>/pglite` fail with `code`, as the kernel would. */
  function breakDisk(dir: string, code: string): void {
    const under = join(dir, 'pglite');
    for (const name of ['openSync', 'mkdirSync'] as const) {
      const original = fs[name] as (...args: unknown[]) => unknown;
      vi.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
        if (String(args[0]).startsWith(under)) throw osError(code, name === 'openSync' ? 'open' : 'mkdir', String(args[0]));
        return original.apply(fs, args);
      }) as never);
    }
  }

  for (const [code, expected, advice] of [
    ['ENOSPC', 'DISK_FULL', 'Free space on the disk that holds it'],
    ['EROFS', 'DATA_DIR_READ_ONLY', 'Mount it read-write'],
    ['EACCES', 'DATA_DIR_NOT_WRITABLE', 'Give that user the folder'],
  ] as const) {
    it(`says ${expected} with the database's path and what to do on ${code}, and leaves the folder unlocked`, async () => {
      const dir = await freshDir();
      breakDisk(dir, code);
      const failed = await startWorkspace({ port: 0, dataDir: dir, logger: silentLogger }).then(
        () => undefined,
        (error: unknown) => error as WorkspaceError,
      );
      expect(failed).toBeInstanceOf(WorkspaceError);
      expect(failed!.code).toBe(expected);
      expect(failed!.message).toContain(`cannot open the embedded database (${join(dir, 'pglite')}`);
      expect(failed!.message).toContain(advice);
      expect(failed!.message).not.toContain('undefined');
      vi.restoreAllMocks();
      // The failed start let its lock go: the folder is free for the next one.
      const lock = await lockDataDir(dir);
      await lock.release();
    });
  }

  it('names the data folder when it is a file, or under one', async () => {
    const dir = await freshDir();
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    for (const dataDir of [file, join(file, 'data')]) {
      await expect(startWorkspace({ port: 0, dataDir, logger: silentLogger })).rejects.toMatchObject({
        code: 'DATA_DIR_NOT_A_FOLDER',
        message: expect.stringMatching(new RegExp(`^cannot use the data folder \\(${dataDir}\\): a file is where a folder must be`)),
      });
    }
    // A file where the embedded database keeps a folder: PGlite's own file system fails, with no message of its own.
    const data = join(dir, 'data');
    await mkdir(join(data, 'pglite'), { recursive: true });
    await writeFile(join(data, 'pglite', 'base'), 'x');
    await expect(startWorkspace({ port: 0, dataDir: data, logger: silentLogger })).rejects.toMatchObject({
      code: 'DATA_DIR_NOT_A_FOLDER',
      message: expect.stringContaining(`cannot open the embedded database (${join(data, 'pglite')}): a file is where a folder must be`),
    });
  });
});
