/**
 * Watching a source tree for `connector dev`. Each folder is watched on its own, never each
 * file: an editor or `sed -i` saves by writing a new file and renaming it over the old one, and a
 * watch on the old file (which Node 20's recursive watcher on Linux keeps per file) then sees
 * nothing ever again. A folder's watch sees the rename, and every later write and `touch`.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/** A running watch; `close()` ends it. */
export interface TreeWatcher {
  close(): void;
  /** The folders watched now (for tests and diagnostics). */
  folders(): string[];
}

/** Folders never worth watching under a source tree. */
const SKIPPED = new Set(['node_modules', '.git']);

/**
 * Calls `onChange(path)` for every change under `root`: files written, renamed over, touched,
 * created or removed, in `root` and in folders made later.
 */
export function watchTree(root: string, onChange: (path: string) => void): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();

  const add = (dir: string): void => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        const path = name === null ? dir : join(dir, name.toString());
        // A new folder: watch it too (and whatever it already holds, e.g. after `mv` or `git checkout`);
        // a watched one that is gone (rm -r, moved away): forget it.
        if (isDirectory(path)) scan(path);
        else if (watchers.has(path)) remove(path);
        onChange(path);
      });
    } catch {
      return; // removed between listing and watching
    }
    // The folder itself went away (rm -r): its watch ends with an error; forget it.
    watcher.on('error', () => remove(dir));
    watchers.set(dir, watcher);
  };

  const remove = (dir: string): void => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(`${dir}/`)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  const scan = (dir: string): void => {
    add(dir);
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !SKIPPED.has(e.name))
        .map((e) => join(dir, e.name));
    } catch {
      return;
    }
    for (const child of entries) scan(child);
  };

  scan(root);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
    folders: () => [...watchers.keys()].sort(),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
