import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SDK_DIR, connector } from './fixture.js';

describe('the create-connector dependency', () => {
  const read = (path: string): Record<string, any> => JSON.parse(readFileSync(path, 'utf8'));

  it('is a dependency of the SDK (npm installs no optional peer), of the version released with it, and depends on nothing', () => {
    const sdk = read(join(SDK_DIR, 'package.json'));
    const create = read(join(SDK_DIR, '../create-connector/package.json'));
    expect(sdk.dependencies['create-connector']).toBe(create.version);
    expect(sdk.peerDependencies?.['create-connector']).toBeUndefined();
    // It bundles what it runs (the SDK's key generation too): no dependency, so no cycle back to the SDK.
    expect(create.dependencies ?? {}).toEqual({});
    expect(create.peerDependencies ?? {}).toEqual({});
  });
});

describe('connector create (built CLI)', { timeout: 30_000 }, () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the create-connector scaffolder with every argument', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ck-create-'));
    const result = await connector(
      ['create', 'via-sdk', '--connector-id', '77', '--target', 'cloud', '--auth', 'basic', '--no-install'],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Creating via-sdk in');
    const pkg = JSON.parse(readFileSync(join(dir, 'via-sdk', 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'via-sdk', connectorId: '77', scripts: { build: 'connector build --bundle' } });
    expect(readFileSync(join(dir, 'via-sdk', 'src', 'index.ts'), 'utf8')).toContain('auth: basic(),');
  });

  it("shows the scaffolder's help under its own name, and its errors with its exit codes", async () => {
    dir = mkdtempSync(join(tmpdir(), 'ck-create-'));
    const help = await connector(['create', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('connector create [directory]');
    const missing = await connector(['create', 'x'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('connector create: --connector-id is required');
  });
});
