import { describe, expect, it } from 'vitest';
import { commandsOf, detectPackageManager, isYarnBerry, yarnVersionOf } from '../src/package-manager.js';

describe('detectPackageManager', () => {
  it('reads the package manager from npm_config_user_agent', () => {
    expect(detectPackageManager('pnpm/9.1.0 npm/? node/v20.19.0 linux x64')).toBe('pnpm');
    expect(detectPackageManager('yarn/1.22.22 npm/? node/v20.19.0 linux x64')).toBe('yarn');
    expect(detectPackageManager('npm/11.0.0 node/v20.19.0 linux x64 workspaces/false')).toBe('npm');
  });

  it('falls back to npm when unset or unknown', () => {
    expect(detectPackageManager(undefined)).toBe('npm');
    expect(detectPackageManager('bun/1.1.0')).toBe('npm');
  });
});

describe('commandsOf', () => {
  it('spells scripts the way each package manager runs them', () => {
    expect(['npm', 'yarn', 'pnpm'].map((pm) => commandsOf(pm as 'npm').run('dev'))).toEqual(['npm run dev', 'yarn dev', 'pnpm dev']);
    expect(commandsOf('npm').run('start')).toBe('npm start');
    expect(commandsOf('pnpm').installProduction).toBe('pnpm install --frozen-lockfile --prod');
  });

  it("runs the project's own binaries with each package manager (yarn through `run`: `yarn workspace` is yarn's)", () => {
    expect(['npm', 'yarn', 'pnpm'].map((pm) => commandsOf(pm as 'npm').exec('workspace'))).toEqual([
      'npx workspace',
      'yarn run workspace',
      'pnpm exec workspace',
    ]);
  });
});

describe('yarn ≥2 (berry)', () => {
  it('tells Yarn 4 from Yarn 1 by the version in the user agent', () => {
    expect(yarnVersionOf('yarn/4.5.3 npm/? node/v20.20.2 linux x64')).toBe('4.5.3');
    expect(yarnVersionOf('npm/11.0.0 node/v20.19.0')).toBeUndefined();
    expect([isYarnBerry('4.5.3'), isYarnBerry('2.4.0'), isYarnBerry('1.22.22'), isYarnBerry(undefined)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('uses the flags Yarn 4 kept: --immutable and workspaces focus --production, never --frozen-lockfile', () => {
    const berry = commandsOf('yarn', '4.5.3');
    expect(berry.installFrozen).toBe('yarn install --immutable');
    expect(berry.installProduction).toBe('yarn workspaces focus --all --production');
    expect(JSON.stringify(berry)).not.toContain('--frozen-lockfile');
    expect(commandsOf('yarn', '1.22.22').installFrozen).toBe('yarn install --frozen-lockfile');
  });
});
