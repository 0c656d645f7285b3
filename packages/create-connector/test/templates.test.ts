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

describe('the generated README', () => {
  async function readme(auth: (typeof AUTH_KINDS)[number], pm: (typeof PACKAGE_MANAGERS)[number], packageName = 'p'): Promise<string> {
    const dir = tempDir();
    try {
      const project = join(dir.path, 'p');
      await createProject({
        dir: project,
        packageName,
        displayName: 'P',
        connectorId: '7',
        target: 'on-prem',
        auth,
        packageManager: pm,
        keys,
      });
      return readFileSync(join(project, 'README.md'), 'utf8');
    } finally {
      dir.remove();
    }
  }
  const callLine = (text: string): string =>
    text.split('\n').find((line) => line.includes(' call items.get ') && line.includes('API_BASE_URL'))!;

  it('shows config commands only for the fields the auth kind has', async () => {
    const none = await readme('none', 'npm');
    expect(callLine(none)).toBe(`API_BASE_URL=<API URL> npx connector call items.get '{"id":"42"}'   # one real call, after a build`);
    expect(none).not.toContain('--config');
    expect(none).not.toContain('config set');
    expect(none).not.toContain('oauth connect');

    const apiKey = await readme('api-key', 'npm');
    expect(callLine(apiKey)).toContain(`items.get '{"id":"42"}' --config apiKey=<API key>`);
    expect(apiKey).toContain('npx workspace config set p apiKey=<API key>');

    const basic = await readme('basic', 'npm');
    expect(callLine(basic)).toContain('--config username=<user> --config password=<password>');
    expect(basic).toContain('npx workspace config set p username=<user> password=<password>');
    expect(basic).not.toContain('apiKey');

    const oauth = await readme('oauth2', 'npm');
    expect(callLine(oauth)).toContain(
      `--config clientId=<client id> --config clientSecret=<client secret> --config 'oauthResult={"access_token":"<access token>"}'`,
    );
    expect(oauth).toContain('npx workspace config set p clientId=<client id> clientSecret=<client secret>');
    expect(oauth).toContain('npx workspace oauth connect p --open');
    expect(oauth).toContain('<workspace URL>/oauth/callback');
    expect(oauth).not.toContain('apiKey');
  });

  it.each([
    ['yarn', 'yarn run workspace serve', 'yarn run connector call items.get'],
    ['pnpm', 'pnpm exec workspace serve', 'pnpm exec connector call items.get'],
  ] as const)('tells a %s project to use %s, never npm or npx', async (pm, serve, call) => {
    const text = await readme('api-key', pm);
    expect(text).toContain(serve);
    expect(callLine(text)).toContain(call);
    expect(text).toContain(`${pm} dev`);
    expect(text).not.toMatch(/\bnpx\b|\bnpm (install|run|start|test|ci)\b/);
  });

  it('uses the connector name the workspace accepts for a scoped package', async () => {
    const text = await readme('none', 'npm', '@acme/crm');
    expect(text).toContain('npx workspace connector add crm --connector-id 7');
    expect(text).toContain('npx workspace call crm items.get \'{"id":"42"}\'');
    expect(text).not.toMatch(/workspace \S+ @acme/);
  });
});
