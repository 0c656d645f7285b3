/**
 * Templates: plain folders under `templates/`, layered (base, then the auth kind, then the target)
 * and rendered by replacing `__PLACEHOLDER__` tokens.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectOptions } from './options.js';

/** The `templates/` folder of this package (beside `src/` and `dist/`). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates', import.meta.url));

/** Template folders used for `options`, in the order they are applied (later ones win). */
export function templateLayers(options: Pick<ProjectOptions, 'auth' | 'target' | 'openapi'>): string[] {
  // From an OpenAPI document, `connector generate` writes the entry, the methods and their test.
  return options.openapi === undefined ? ['base', `auth-${options.auth}`, options.target] : ['base', options.target];
}

/**
 * The files to write: project-relative path → template file. A leading `_` in a file name becomes
 * `.` (`_gitignore` → `.gitignore`): npm would drop or rename such dotfiles when publishing.
 */
export function collectFiles(layers: readonly string[], root: string = TEMPLATES_DIR): Map<string, string> {
  const files = new Map<string, string>();
  for (const layer of layers) {
    const base = join(root, layer);
    for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const source = join(entry.parentPath, entry.name);
      const target = relative(base, source)
        .split(sep)
        .map((part) => part.replace(/^_/, '.'))
        .join('/');
      files.set(target, source);
    }
  }
  return files;
}

const TOKEN = /__([A-Z][A-Z_]*[A-Z])__/g;

/**
 * Replaces every `__NAME__` with `tokens.NAME`. A line that held only a token that renders empty
 * is dropped.
 * @throws Error naming the token and file when a token is unknown (a template bug)
 */
export function render(text: string, tokens: Readonly<Record<string, string>>, file: string): string {
  const lines = text.split('\n').flatMap((line) => {
    const out = line.replace(TOKEN, (whole, name: string) => {
      const value = tokens[name];
      if (value === undefined) throw new Error(`template ${file} uses the unknown placeholder ${whole}`);
      return value;
    });
    return out === '' && line !== '' ? [] : [out];
  });
  return lines.join('\n');
}
