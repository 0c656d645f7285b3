import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject } from '../src/generate.js';
import { AUTH_KINDS, TARGETS } from '../src/options.js';
import { PACKAGE_MANAGERS } from '../src/package-manager.js';
import { collectFiles, render, templateLayers } from '../src/templates.js';
import { tempDir } from './helpers.js';

const keys = { privateKey: 'PRIVATE', publicKey: 'PUBLIC' };

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

describe('render', () => {
  it('replaces placeholders and drops lines that only held an empty one', () => {
    expect(render('a __NAME__ b\n__EMPTY__\nc', { NAME: 'x', EMPTY: '' }, 'f')).toBe('a x b\nc');
  });

  it('names the file and the placeholder when a placeholder is unknown', () => {
    expect(() => render('__NOPE__', {}, 'templates/base/README.md')).toThrowErrorMatchingInlineSnapshot(
      `[Error: template templates/base/README.md uses the unknown placeholder __NOPE__]`,
    );
  });

  it('leaves lower-case dunder names such as __proto__ alone', () => {
    expect(render('x.__proto__ {{redirectURI}}', {}, 'f')).toBe('x.__proto__ {{redirectURI}}');
  });
});

describe('the templates', () => {
  it('hold no placeholder mangled by a Markdown formatter (__NAME__ → **NAME**)', () => {
    for (const layer of ['base', ...AUTH_KINDS.map((a) => `auth-${a}`), ...TARGETS]) {
      for (const [path, source] of collectFiles([layer])) {
        expect(readFileSync(source, 'utf8'), `${layer}/${path}`).not.toMatch(/\*\*[A-Z][A-Z_]*[A-Z]\*\*/);
      }
    }
  });
});

describe('collectFiles', () => {
  it('renames a leading underscore to a dot and lets later layers win', () => {
    const files = collectFiles(templateLayers({ auth: 'api-key', target: 'on-prem' }));
    expect(files.has('.gitignore')).toBe(true);
    expect(files.has('.env')).toBe(true);
    expect(files.has('_gitignore')).toBe(false);
    expect(files.get('src/index.ts')).toContain(join('auth-api-key', 'src', 'index.ts'));
  });
});

describe('createProject', () => {
  it.each(TARGETS.flatMap((target) => AUTH_KINDS.flatMap((auth) => PACKAGE_MANAGERS.map((pm) => ({ target, auth, pm })))))(
    'renders every template for $target, auth $auth, $pm with no placeholder left',
    async ({ target, auth, pm }) => {
      const dir = tempDir();
      try {
        const project = join(dir.path, 'p');
        const { files } = await createProject({
          dir: project,
          packageName: 'p',
          displayName: 'P',
          connectorId: '7',
          target,
          auth,
          packageManager: pm,
          keys,
        });
        expect(filesUnder(project).sort()).toEqual(files);
        for (const file of files) {
          expect(readFileSync(join(project, file), 'utf8'), file).not.toMatch(/__[A-Z][A-Z_]*[A-Z]__/);
        }
        expect(files.includes('Containerfile')).toBe(target === 'on-prem');
        expect(readFileSync(join(project, 'README.md'), 'utf8').split('\n')[0]).toBe('# P');
      } finally {
        dir.remove();
      }
    },
  );
});
