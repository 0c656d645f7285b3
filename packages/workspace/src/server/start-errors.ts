/**
 * What a failed start says (issue 13 finding 6: a full disk printed `cannot start the
 * workspace: undefined`). The embedded database's file system (PGlite's Emscripten FS) throws
 * `ErrnoError` objects that are not Errors and carry only a number; Node's fs errors carry a
 * code and a path but not what to do. Both become a {@link WorkspaceError} that names the step
 * that failed, the path and what to do about it.
 */
import { userInfo } from 'node:os';
import { WorkspaceError } from '../errors.js';

/** Emscripten's errno numbers (PGlite's file system) of the codes a start can meet, by name. */
const EMSCRIPTEN_ERRNO: Record<number, string> = {
  2: 'EACCES',
  20: 'EEXIST',
  22: 'EFBIG',
  29: 'EIO',
  31: 'EISDIR',
  33: 'EMFILE',
  41: 'ENFILE',
  44: 'ENOENT',
  48: 'ENOMEM',
  51: 'ENOSPC',
  54: 'ENOTDIR',
  63: 'EPERM',
  69: 'EROFS',
};

/** Codes of the start failures this module names (listed in the README's error codes). */
export const StartErrorCode = {
  /** No space left (ENOSPC, EDQUOT, EFBIG) where the workspace writes. */
  diskFull: 'DISK_FULL',
  /** The data folder is on a read-only file system (EROFS). */
  readOnly: 'DATA_DIR_READ_ONLY',
  /** The workspace's user may not write there (EACCES, EPERM). */
  notWritable: 'DATA_DIR_NOT_WRITABLE',
  /** Something that is not a folder is in the way (ENOTDIR, EEXIST, EISDIR). */
  notAFolder: 'DATA_DIR_NOT_A_FOLDER',
  /** Any other failure, e.g. one that came without a message. */
  startFailed: 'START_FAILED',
} as const;

/** The errno code of `error` (`ENOSPC`…): Node's `code`, or the name of PGlite's numbered `errno`. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errno, name } = error as { code?: unknown; errno?: unknown; name?: unknown };
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  if (name === 'ErrnoError' && typeof errno === 'number') return EMSCRIPTEN_ERRNO[errno] ?? `errno ${errno}`;
  return undefined;
}

/** The message of any thrown value; never empty, never `undefined`. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  if (typeof error === 'string' && error !== '') return error;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  if (typeof message === 'string' && message !== '') return message;
  const code = errnoCode(error);
  if (code !== undefined) return `${code} (no message)`;
  const kind = typeof error === 'object' && error !== null ? (error.constructor?.name ?? 'object') : typeof error;
  let shown: string;
  try {
    shown = JSON.stringify(error) ?? String(error);
  } catch {
    shown = String(error);
  }
  return `${kind} without a message: ${shown}`;
}

/**
 * The error to report when start step `step` (e.g. "open the embedded database") failed on
 * `path` with `error`. A WorkspaceError (e.g. `DATA_DIR_LOCKED`) is returned as it is; a disk
 * problem gets its own code and says what to do; anything else keeps its code when it has one.
 */
export function startFailure(step: string, path: string | undefined, error: unknown): WorkspaceError {
  if (error instanceof WorkspaceError) return error;
  const code = errnoCode(error);
  const at = (error as { path?: unknown } | null)?.path;
  const where = typeof at === 'string' && at !== '' ? at : path;
  const subject = `cannot ${step}${where === undefined ? '' : ` (${where})`}`;
  const elsewhere = '--data (WORKSPACE_DATA) a folder on another disk';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new WorkspaceError(
        StartErrorCode.diskFull,
        `${subject}: the disk is full (${code}). Free space on the disk that holds it (df -h ${where ?? '.'}), or give ${elsewhere}`,
        { cause: error },
      );
    case 'EROFS':
      return new WorkspaceError(
        StartErrorCode.readOnly,
        `${subject}: the file system is read-only (EROFS). Mount it read-write, or give ${elsewhere}`,
        { cause: error },
      );
    case 'EACCES':
    case 'EPERM':
      return new WorkspaceError(
        StartErrorCode.notWritable,
        `${subject}: permission denied (${code}) for user ${currentUser()}. Give that user the folder (chown, chmod 0700), or give --data (WORKSPACE_DATA) a folder it owns`,
        { cause: error },
      );
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      return new WorkspaceError(
        StartErrorCode.notAFolder,
        `${subject}: a file is where a folder must be (${code}). Move the file away, or give --data (WORKSPACE_DATA) another folder`,
        { cause: error },
      );
    default: {
      const own = (error as { code?: unknown } | null)?.code;
      return new WorkspaceError(
        // The store's own code (a PostgreSQL SQLSTATE, ECONNREFUSED) tells a reader most; else START_FAILED.
        typeof own === 'string' && own !== '' ? own : StartErrorCode.startFailed,
        `${subject}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
