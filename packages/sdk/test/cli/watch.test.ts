import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchTree, type TreeWatcher } from '../../src/cli/watch.js';

let root: string;
let watcher: TreeWatcher | undefined;
let changes: string[];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ck-watch-'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'index.ts'), 'one');
  writeFileSync(join(root, 'lib', 'util.ts'), 'one');
  changes = [];
  watcher = watchTree(root, (path) => changes.push(path));
});
afterEach(() => {
  watcher?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs `change` and waits until the watcher reports `path`; then forgets what it saw. */
async function seen(path: string, change: () => void): Promise<void> {
  changes.length = 0;
  change();
  await vi.waitFor(() => expect(changes).toContain(path), { timeout: 5_000, interval: 20 });
}

/** A save as `sed -i` and many editors do it: a new file renamed over the old one. */
function renameSave(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

describe('watchTree', () => {
  it('keeps seeing a file after it was saved by renaming over it: writes, more renames and touch', async () => {
    const file = join(root, 'index.ts');
    await seen(file, () => renameSave(file, 'two'));
    // The old inode is gone: a watch on the file would be blind from here on.
    await seen(file, () => writeFileSync(file, 'three'));
    await seen(file, () => renameSave(file, 'four'));
    await seen(file, () => utimesSync(file, new Date(), new Date(Date.now() + 5_000)));
  });

  it('sees files in sub-folders, and in folders made after it started', async () => {
    const nested = join(root, 'lib', 'util.ts');
    await seen(nested, () => renameSave(nested, 'two'));
    await seen(join(root, 'fresh'), () => mkdirSync(join(root, 'fresh')));
    await vi.waitFor(() => expect(watcher!.folders()).toContain(join(root, 'fresh')));
    await seen(join(root, 'fresh', 'new.ts'), () => writeFileSync(join(root, 'fresh', 'new.ts'), 'x'));
  });

  it('forgets a folder that was removed', async () => {
    rmSync(join(root, 'lib'), { recursive: true });
    await vi.waitFor(() => expect(watcher!.folders()).toEqual([root]));
  });
});
