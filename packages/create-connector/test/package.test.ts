import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSIONS, CREATE_CONNECTOR_VERSION } from '../src/versions.js';
import { PACKAGE_DIR } from './helpers.js';

const read = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));

describe('create-connector package', () => {
  const pkg = read(join(PACKAGE_DIR, 'package.json'));

  it('has no runtime dependencies: everything it runs is bundled, so npx fetches nothing else', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.files).toEqual(['dist', 'templates']);
    expect(pkg.bin).toEqual({ 'create-connector': './dist/cli.js' });
  });

  it('reports its own version', () => {
    expect(CREATE_CONNECTOR_VERSION).toBe(pkg.version);
  });

  it('writes an SDK range that includes the SDK in this repository', () => {
    const sdk = read(join(PACKAGE_DIR, '../sdk/package.json'));
    expect(VERSIONS['@connector-kit/sdk']).toBe(`^${sdk.version}`);
  });

  it('writes the TypeScript and vitest the repository itself uses', () => {
    const root = read(join(PACKAGE_DIR, '../../package.json'));
    expect(root.devDependencies.typescript.replace(/^[~^]/, '')).toBe(VERSIONS.typescript.replace(/^[~^]/, '').replace(/\.0$/, ''));
    expect(VERSIONS.vitest.slice(1).split('.')[0]).toBe(root.devDependencies.vitest.slice(1).split('.')[0]);
    expect(VERSIONS.nock.slice(1).split('.')[0]).toBe('14');
  });
});
