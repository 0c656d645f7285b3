/**
 * What the scaffolder created or replaced, so that a failed run leaves the disk as it found it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Records every folder and file a run creates, and the old content of files it replaces. */
export class Journal {
  readonly #created: string[] = [];
  readonly #replaced = new Map<string, Buffer>();

  /** Creates `dir` and any missing parents, recording each one created. */
  async mkdir(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      await mkdir(d);
      this.#created.push(d);
    }
  }

  /** Writes `file`, remembering whether it is new or what it held before. */
  async writeFile(file: string, content: string | Uint8Array, mode?: number): Promise<void> {
    await this.mkdir(dirname(file));
    if (!existsSync(file)) this.#created.push(file);
    else if (!this.#replaced.has(file)) this.#replaced.set(file, await readFile(file));
    await writeFile(file, content, mode === undefined ? undefined : { mode });
  }

  /** Marks `path` as created by someone acting for us (e.g. node_modules from an install) if it does not exist yet. */
  expect(path: string): void {
    if (!existsSync(path)) this.#created.push(path);
  }

  /** True when the run replaced a file that was there before (`--force`). */
  replacedAny(): boolean {
    return this.#replaced.size > 0;
  }

  /** Removes what was created (newest first) and restores what was replaced. Never throws. */
  async rollback(): Promise<void> {
    for (const path of [...this.#created].reverse()) {
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
    }
    for (const [file, content] of this.#replaced) {
      await writeFile(file, content).catch(() => undefined);
    }
    this.#created.length = 0;
    this.#replaced.clear();
  }
}
