import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSIONS, CREATE_CONNECTOR_VERSION } from '../src/versions.js';
import { PACKAGE_DIR } from './helpers.js';

const read = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));

describe('create-connector package', () => {
  const pkg = read(join(PACKAGE_DIR, 'package.json'));

  it('has no runtime dependencies: everything it runs is bundled, so npx fetches nothing else', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    // The bin is a shim that exists before the build (issue 12): npm links it on a fresh clone's install.
    expect(pkg.files).toEqual(['bin', 'dist', 'templates']);
    expect(pkg.bin).toEqual({ 'create-connector': './bin/create-connector.js' });
    expect(readFileSync(join(PACKAGE_DIR, 'bin/create-connector.js'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n[\s\S]*^import '\.\.\/dist\/cli\.js';$/m,
    );
  });

  it('imports only Node built-ins and its own chunks once built (the SDK code it uses is bundled in)', () => {
    const dist = join(PACKAGE_DIR, 'dist');
    const imported = new Set<string>();
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(dist, file), 'utf8');
      // A specifier holds no space, comma or brace: `.option('from', { type: '…` is not an import.
      for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'\s,{}]+)["']/g)) imported.add(match[1]!);
    }
    const foreign = [...imported].filter((s) => !s.startsWith('./') && !builtinModules.includes(s.replace(/^node:/, '')));
    expect(foreign).toEqual([]);
    expect(imported.size).toBeGreaterThan(3);
  });

  it('reports its own version', () => {
    expect(CREATE_CONNECTOR_VERSION).toBe(pkg.version);
  });

  it('writes SDK and workspace ranges that include the ones in this repository', () => {
    const sdk = read(join(PACKAGE_DIR, '../sdk/package.json'));
    const workspace = read(join(PACKAGE_DIR, '../workspace/package.json'));
    expect(VERSIONS['@connector-kit/sdk']).toBe(`^${sdk.version}`);
    expect(VERSIONS['@connector-kit/workspace']).toBe(`^${workspace.version}`);
  });

  it('writes the TypeScript and vitest the repository itself uses', () => {
    const root = read(join(PACKAGE_DIR, '../../package.json'));
    expect(root.devDependencies.typescript.replace(/^[~^]/, '')).toBe(VERSIONS.typescript.replace(/^[~^]/, '').replace(/\.0$/, ''));
    expect(VERSIONS.vitest.slice(1).split('.')[0]).toBe(root.devDependencies.vitest.slice(1).split('.')[0]);
    expect(VERSIONS.nock.slice(1).split('.')[0]).toBe('14');
  });
});
