/**
 * `npm start`'s build (scripts/build-changed.mjs): only what changed since its last build, and
 * everything after a rebuilt SDK. On a stand-in repository whose file times the test sets.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { buildOrder, toBuild } from '../scripts/build-changed.mjs';
import { tempDir } from './helpers.js';

const dir = tempDir('ck-build-changed-');
afterAll(() => dir.remove());

const at = (path: string, seconds: number): void => utimesSync(join(dir.path, path), seconds, seconds);
function file(path: string, seconds: number): void {
  mkdirSync(join(dir.path, path, '..'), { recursive: true });
  writeFileSync(join(dir.path, path), '');
  at(path, seconds);
}

describe('the build of npm start', () => {
  it('builds only packages changed since their build, all after a rebuilt SDK, in the order of the root build script', () => {
    writeFileSync(
      join(dir.path, 'package.json'),
      JSON.stringify({
        workspaces: ['packages/sdk', 'packages/workspace', 'examples/*'],
        scripts: { build: 'npm run build -w @connector-kit/sdk && npm run build -w @connector-kit/workspace && npm run build -w hello' },
      }),
    );
    const packages = { 'packages/sdk': '@connector-kit/sdk', 'packages/workspace': '@connector-kit/workspace', 'examples/hello': 'hello' };
    for (const [folder, name] of Object.entries(packages)) {
      file(`${folder}/package.json`, 100);
      writeFileSync(join(dir.path, folder, 'package.json'), JSON.stringify({ name }));
      at(`${folder}/package.json`, 100);
      file(`${folder}/src/index.ts`, 100);
      file(`${folder}/dist/index.js`, 200);
    }
    const names = () => (toBuild(buildOrder(dir.path)) as Array<{ name: string }>).map((p) => p.name);
    expect((buildOrder(dir.path) as Array<{ name: string }>).map((p) => p.name)).toEqual([
      '@connector-kit/sdk',
      '@connector-kit/workspace',
      'hello',
    ]);
    expect(names()).toEqual([]);

    file('examples/hello/src/more/deep.ts', 300); // a new file deep in src
    expect(names()).toEqual(['hello']);
    file('examples/hello/dist/index.js', 400);
    expect(names()).toEqual([]);

    at('packages/workspace/package.json', 500); // build settings count too
    expect(names()).toEqual(['@connector-kit/workspace']);
    file('packages/workspace/dist/index.js', 600);

    file('packages/sdk/src/index.ts', 700);
    expect(names()).toEqual(['@connector-kit/sdk', '@connector-kit/workspace', 'hello']);
  });
});
