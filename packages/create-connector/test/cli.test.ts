/**
 * The built `create-connector` binary, run as a person would; assertions on what it wrote.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { start } from '../../../test/support/spawn.js';
import { CLI, runCli, tempDir } from './helpers.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const read = (...path: string[]): string => readFileSync(join(dir.path, ...path), 'utf8');

describe('create-connector', { timeout: 30_000 }, () => {
  it('writes an on-prem project with package.json, .env, .gitignore, Containerfile and systemd unit', async () => {
    const run = await runCli(dir.path, ['my-connector', '--connector-id', '1234', '--auth', 'api-key', '--no-install']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // 14: the CI workflow and the lint config joined the 12 (issue 17).
    expect(run.stdout).toContain('✔ wrote 14 files and a new key pair');
    expect(run.stdout).toContain('Next steps:\n  cd my-connector\n  npm install\n  npm test');

    const pkg = JSON.parse(read('my-connector', 'package.json'));
    expect(pkg).toMatchObject({
      name: 'my-connector',
      version: '0.1.0',
      type: 'module',
      connectorId: '1234',
      scripts: { build: 'connector build', start: 'connector start', dev: 'connector dev', test: 'vitest run' },
      dependencies: { '@connector-kit/sdk': '^0.1.0' },
    });
    // The workspace: `npm run dev` starts it embedded when .env has no REGISTRATION_TOKEN.
    expect(Object.keys(pkg.devDependencies).sort()).toEqual([
      '@connector-kit/workspace',
      '@types/node',
      'eslint',
      'nock',
      'typescript',
      'typescript-eslint',
      'vitest',
    ]);
    expect(pkg.devDependencies['@connector-kit/workspace']).toBe('^0.1.0');
    expect(pkg.devDependencies.nock).toBe('^14.0.0');

    const env = parseEnv(read('my-connector', '.env'));
    expect(env).toMatchObject({
      REGISTRATION_TOKEN: '',
      DEVICE_ENDPOINT: 'http://127.0.0.1:4700/',
      WEBSOCKET_ENDPOINT: 'ws://127.0.0.1:4700/transport/',
    });
    expect(Buffer.from(env.PRIVATE_KEY!, 'base64').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(Buffer.from(env.PUBLIC_KEY!, 'base64').toString()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(statSync(join(dir.path, 'my-connector', '.env')).mode & 0o777).toBe(0o600);

    expect(read('my-connector', '.gitignore').split('\n')).toEqual(expect.arrayContaining(['.env', '.connector/']));
    expect(existsSync(join(dir.path, 'my-connector', '_gitignore'))).toBe(false);
    expect(read('my-connector', 'src', 'index.ts')).toContain("auth: apiKey({ in: 'header', name: 'X-API-Key' })");
    expect(read('my-connector', 'test', 'items.test.ts')).toContain("import nock from 'nock'");

    const containerfile = read('my-connector', 'Containerfile');
    expect(containerfile).toMatch(/^USER node$/m);
    expect(containerfile).toMatch(/^HEALTHCHECK .*deploy\/healthcheck\.mjs/m);
    // The connector is the main process (signals reach it), whatever the package manager.
    expect(containerfile).toMatch(/^ENTRYPOINT \["node_modules\/.bin\/connector", "start"\]$/m);
    expect(containerfile).toMatch(/^ENV HEALTH_PORT=8081$/m);
    expect(containerfile).toContain('RUN npm ci --omit=dev');
    // The state folder (kept connector keys) is created for the `node` user, never copied in.
    expect(containerfile).toMatch(/^RUN mkdir \.connector && chown node:node \.connector$/m);
    expect(containerfile).not.toMatch(/^COPY \.\s/m);
    expect(read('my-connector', '.dockerignore').split('\n')).toEqual(expect.arrayContaining(['.env', '.connector']));
    const unit = read('my-connector', 'deploy', 'connector@.service');
    expect(unit).toContain('ExecStart=/opt/my-connector/node_modules/.bin/connector start');
    expect(unit).toContain('Environment=HOSTNAME=%H-%i');
    // ProtectSystem=strict makes /opt read-only: the kept keys go to the unit's state directory.
    expect(unit).toContain('StateDirectory=my-connector');
    expect(unit).toContain('Environment=CONNECTOR_STATE_DIR=%S/my-connector');
    const deployment = read('my-connector', 'DEPLOYMENT.md');
    expect(deployment).toContain('## Several replicas, one registration token');
    expect(deployment).toContain('-v my-connector-state:/app/.connector my-connector');
    expect(deployment).toContain('podman run -d --network host');
    expect(deployment).toContain('-e DEVICE_ENDPOINT=http://host.containers.internal:4700/');
    expect(deployment).not.toContain('on its first start, gets its own connector key, and');
    expect(read('my-connector', 'README.md')).toContain('--connector-id 1234');
  });

  it('writes a cloud project whose build makes the single-file bundle', async () => {
    const run = await runCli(dir.path, ['cloud-one', '--connector-id', 'c-1', '--target', 'cloud', '--no-install']);
    expect(run.code).toBe(0);
    const pkg = JSON.parse(read('cloud-one', 'package.json'));
    // `connector start --bundle` runs dist/connector.mjs, or says to build it (`node dist/connector.mjs` printed a raw MODULE_NOT_FOUND stack).
    expect(pkg.scripts).toMatchObject({ build: 'connector build --bundle', start: 'connector start --bundle' });
    expect(existsSync(join(dir.path, 'cloud-one', 'Containerfile'))).toBe(false);
    expect(read('cloud-one', 'DEPLOYMENT.md')).toContain('dist/connector.mjs');
    expect(run.stdout).toContain('npm run build          write dist/connector.mjs');
  });

  it('uses the package manager that ran it, in scripts, docs and the Containerfile', async () => {
    const run = await runCli(dir.path, ['p', '--connector-id', '1', '--no-install'], {
      npm_config_user_agent: 'pnpm/9.1.0 npm/? node/v20.19.0',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  pnpm install\n  pnpm test');
    const containerfile = read('p', 'Containerfile');
    expect(containerfile).toContain('RUN corepack enable');
    expect(containerfile).toMatch(/^ENTRYPOINT \["node_modules\/.bin\/connector", "start"\]$/m);
    expect(read('p', 'README.md')).toContain('pnpm dev');
  });

  it('prints help and exits 0', async () => {
    const run = await runCli(dir.path, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--connector-id');
    expect(run.stdout).toContain('[choices: "none", "api-key", "basic", "oauth2"]');
  });

  it('refuses an invalid package name, writing nothing', async () => {
    const run = await runCli(dir.path, ['My Connector', '--connector-id', '1', '--no-install']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatchInlineSnapshot(`
      "create-connector: "My Connector" is not a valid npm package name: the name has capital letters. Use lower case letters, digits and "-", e.g. my-connector
      "
    `);
    expect(existsSync(join(dir.path, 'My Connector'))).toBe(false);
  });

  it('asks for --connector-id without a terminal instead of prompting, exit code 2', async () => {
    const run = await runCli(dir.path, ['x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--connector-id is required');
    expect(existsSync(join(dir.path, 'x'))).toBe(false);
  });

  it('rejects unknown options and bad choices with exit code 2', async () => {
    expect((await runCli(dir.path, ['x', '--connector-id', '1', '--target', 'moon'])).code).toBe(2);
    const unknown = await runCli(dir.path, ['x', '--connector-id', '1', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument: colour');
  });

  it('refuses a folder that is not empty, and writes into it with --force', async () => {
    mkdirSync(join(dir.path, 'x'));
    writeFileSync(join(dir.path, 'x', 'notes.txt'), 'mine');
    const refused = await runCli(dir.path, ['x', '--connector-id', '1', '--no-install']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not empty (notes.txt): pick another name, or pass --force');
    expect(existsSync(join(dir.path, 'x', 'package.json'))).toBe(false);

    const forced = await runCli(dir.path, ['x', '--connector-id', '1', '--no-install', '--force']);
    expect(forced.code).toBe(0);
    expect(read('x', 'notes.txt')).toBe('mine');
    expect(existsSync(join(dir.path, 'x', 'package.json'))).toBe(true);
  });

  it('refuses an option given twice, saying so, and writes nothing', async () => {
    const run = await runCli(dir.path, ['x', '--connector-id', '1', '--connector-id', '2', '--no-install']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatchInlineSnapshot(`
      "create-connector: --connector-id was given twice ("1", "2"): give it once
      "
    `);
    const target = await runCli(dir.path, ['x', '--connector-id', '1', '--target', 'cloud', '--target', 'on-prem', '--no-install']);
    expect(target.code).toBe(2);
    expect(target.stderr).toBe('create-connector: --target was given twice ("cloud", "on-prem"): give it once\n');
    expect(existsSync(join(dir.path, 'x'))).toBe(false);
  });

  it('names a scoped package in workspace commands the way `connector dev` does: without its scope', async () => {
    const run = await runCli(dir.path, ['@acme/crm', '--connector-id', '9', '--no-install']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(read('crm', 'package.json')).name).toBe('@acme/crm');
    for (const file of ['README.md', '.env']) {
      expect(read('crm', file), file).toContain('npx workspace connector add crm --connector-id 9');
      expect(read('crm', file), file).not.toMatch(/workspace \S+ @acme/);
    }
  });

  it('depends on the workspace given by --workspace-version, as --sdk-version does for the SDK', async () => {
    const run = await runCli(dir.path, [
      'w',
      '--connector-id',
      '1',
      '--no-install',
      '--sdk-version',
      '/tmp/connector-kit-sdk-0.2.0.tgz',
      '--workspace-version',
      'ws/connector-kit-workspace-0.2.0.tgz',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const pkg = JSON.parse(read('w', 'package.json'));
    expect(pkg.dependencies['@connector-kit/sdk']).toBe('file:/tmp/connector-kit-sdk-0.2.0.tgz');
    expect(pkg.devDependencies['@connector-kit/workspace']).toBe(`file:${join(dir.path, 'ws/connector-kit-workspace-0.2.0.tgz')}`);
    const empty = await runCli(dir.path, ['empty', '--connector-id', '1', '--no-install', '--workspace-version', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--workspace-version is empty');
  });

  it('depends on the SDK given by --sdk-version: a tarball path becomes an absolute file: spec, a version stays as written', async () => {
    const packed = await runCli(dir.path, [
      'packed',
      '--connector-id',
      '1',
      '--no-install',
      '--sdk-version',
      './sdk/connector-kit-sdk-0.2.0.tgz',
    ]);
    expect(packed.code, packed.stderr).toBe(0);
    expect(JSON.parse(read('packed', 'package.json')).dependencies['@connector-kit/sdk']).toBe(
      `file:${join(dir.path, 'sdk/connector-kit-sdk-0.2.0.tgz')}`,
    );
    const tagged = await runCli(dir.path, ['tagged', '--connector-id', '1', '--no-install', '--sdk-version', 'next']);
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse(read('tagged', 'package.json')).dependencies['@connector-kit/sdk']).toBe('next');
    const empty = await runCli(dir.path, ['empty', '--connector-id', '1', '--no-install', '--sdk-version', ' ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--sdk-version is empty');
    expect(existsSync(join(dir.path, 'empty'))).toBe(false);
  });

  describe('with --from <folder of packed tarballs>', () => {
    /** A folder shaped as `npm run pack` writes it (the tarballs' content does not matter without an install). */
    const packs = (names = ['connector-kit-sdk-0.1.0.tgz', 'connector-kit-workspace-0.1.0.tgz', 'create-connector-0.1.0.tgz']): string => {
      const folder = join(dir.path, 'packs');
      mkdirSync(folder, { recursive: true });
      for (const name of names) writeFileSync(join(folder, name), `tarball ${name}`);
      return folder;
    };

    it('vendors the tarballs and points every spec and override at them, in the Containerfile too', async () => {
      packs();
      const run = await runCli(dir.path, ['vendored', '--connector-id', '1', '--no-install', '--no-git', '--from', 'packs']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const pkg = JSON.parse(read('vendored', 'package.json'));
      expect(pkg.dependencies['@connector-kit/sdk']).toBe('file:vendor/connector-kit-sdk-0.1.0.tgz');
      expect(pkg.devDependencies['@connector-kit/workspace']).toBe('file:vendor/connector-kit-workspace-0.1.0.tgz');
      // The SDK's own dependency on create-connector (and the workspace's on the SDK) resolve to the same files.
      expect(pkg.overrides).toEqual({
        '@connector-kit/sdk': 'file:vendor/connector-kit-sdk-0.1.0.tgz',
        '@connector-kit/workspace': 'file:vendor/connector-kit-workspace-0.1.0.tgz',
        'create-connector': 'file:vendor/create-connector-0.1.0.tgz',
      });
      expect(read('vendored', 'vendor', 'create-connector-0.1.0.tgz')).toBe('tarball create-connector-0.1.0.tgz');
      const containerfile = read('vendored', 'Containerfile');
      expect(containerfile.match(/^COPY vendor \.\/vendor$/gm)).toHaveLength(2);
      expect(containerfile.indexOf('COPY vendor ./vendor')).toBeLessThan(containerfile.indexOf('RUN npm ci'));
      expect(read('vendored', 'DEPLOYMENT.md')).toContain('sudo cp -r package.json package-lock.json dist vendor /opt/vendored/');
    });

    it('writes pnpm overrides and yarn resolutions for those package managers', async () => {
      packs();
      for (const [pm, key] of [
        ['pnpm', 'pnpm'],
        ['yarn', 'resolutions'],
      ] as const) {
        const run = await runCli(dir.path, [
          `v-${pm}`,
          '--connector-id',
          '1',
          '--no-install',
          '--no-git',
          '--from',
          'packs',
          '--package-manager',
          pm,
        ]);
        expect(run.code, run.stderr).toBe(0);
        const pkg = JSON.parse(read(`v-${pm}`, 'package.json'));
        const overrides = key === 'pnpm' ? pkg.pnpm.overrides : pkg.resolutions;
        expect(overrides['create-connector']).toBe('file:vendor/create-connector-0.1.0.tgz');
        expect(pkg.overrides).toBeUndefined();
      }
    });

    it('exits 2 naming what is missing, and writes nothing', async () => {
      packs(['connector-kit-sdk-0.1.0.tgz']);
      const run = await runCli(dir.path, ['none', '--connector-id', '1', '--no-install', '--from', 'packs']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('expected one connector-kit-workspace-<version>.tgz (@connector-kit/workspace)');
      expect(run.stderr).toContain('run `npm run pack` in a clone of connector-kit');
      expect(existsSync(join(dir.path, 'none'))).toBe(false);
      const both = await runCli(dir.path, ['none', '--connector-id', '1', '--from', 'packs', '--sdk-version', '1.0.0']);
      expect(both.code).toBe(2);
    });
  });

  it('sets a project up for Yarn 4 when Yarn 4 runs it: node_modules linker, pinned yarn, flags Yarn 4 kept', async () => {
    const run = await runCli(dir.path, ['berry', '--connector-id', '1', '--no-install', '--no-git'], {
      npm_config_user_agent: 'yarn/4.5.3 npm/? node/v20.20.2 linux x64',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(read('berry', '.yarnrc.yml')).toBe('nodeLinker: node-modules\n');
    expect(JSON.parse(read('berry', 'package.json')).packageManager).toBe('yarn@4.5.3');
    const containerfile = read('berry', 'Containerfile');
    expect(containerfile).toContain('RUN yarn install --immutable');
    expect(containerfile).toContain('RUN yarn workspaces focus --all --production');
    expect(containerfile).toMatch(/^COPY \.yarnrc\.yml \.\/$/m);
    for (const file of ['Containerfile', 'DEPLOYMENT.md', 'README.md', '.github/workflows/test.yml']) {
      expect(read('berry', file), file).not.toMatch(/--frozen-lockfile|install --production/);
    }
    expect(read('berry', '.github/workflows/test.yml')).toContain('- run: corepack enable');
  });

  describe('git', () => {
    const identity = {
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    };
    const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

    it('makes a repository with a first commit that holds no secret', async () => {
      const run = await runCli(dir.path, ['versioned', '--connector-id', '1', '--no-install'], identity);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('✔ made a git repository with a first commit');
      const project = join(dir.path, 'versioned');
      const files = git(project, 'ls-files').stdout.split('\n');
      expect(files).toEqual(
        expect.arrayContaining(['package.json', 'src/index.ts', '.github/workflows/test.yml', 'eslint.config.js', '.gitignore']),
      );
      expect(files).not.toContain('.env');
      expect(git(project, 'log', '--format=%s').stdout.trim()).toBe('New connector project (create-connector)');
    });

    it('says how to commit when git knows no identity, and skips with --no-git or inside a repository', async () => {
      const bare = await runCli(dir.path, ['no-identity', '--connector-id', '1', '--no-install'], {
        HOME: dir.path,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: join(dir.path, 'no-gitconfig'),
      });
      expect(bare.code, bare.stderr).toBe(0);
      expect(bare.stdout).toContain('✔ made a git repository; no first commit: git knows no user.name/user.email yet');
      expect(existsSync(join(dir.path, 'no-identity', '.git'))).toBe(true);

      const skipped = await runCli(dir.path, ['no-git', '--connector-id', '1', '--no-install', '--no-git']);
      expect(existsSync(join(dir.path, 'no-git', '.git'))).toBe(false);
      expect(skipped.stdout).not.toContain('git repository');

      // Inside a monorepo: no repository nested in it.
      const mono = join(dir.path, 'mono');
      mkdirSync(mono);
      git(mono, 'init', '--quiet');
      const inside = await runCli(mono, ['app', '--connector-id', '1', '--no-install'], identity);
      expect(inside.code, inside.stderr).toBe(0);
      expect(existsSync(join(mono, 'app', '.git'))).toBe(false);
      expect(inside.stdout).not.toContain('git repository');
    });
  });

  describe('when the install fails', () => {
    // A package manager that fails, first on PATH.
    const failingNpm = (): string => {
      const bin = join(dir.path, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "npm ERR! network down" >&2\nmkdir -p node_modules/half\nexit 7\n');
      chmodSync(join(bin, 'npm'), 0o755);
      return `${bin}:${process.env.PATH}`;
    };

    // It used to remove the project, key pair included; issue 17 asks to keep it and say how to retry.
    it('keeps the project it created, with its key pair, says how to retry, and exits 1', async () => {
      const run = await runCli(dir.path, ['kept-new', '--connector-id', '1'], { PATH: failingNpm() });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('npm ERR! network down');
      expect(run.stderr).toContain('create-connector: npm install failed (exit code 7)');
      expect(run.stderr).toContain(`create-connector: the project is kept in ${join(dir.path, 'kept-new')}, with its key pair in .env.`);
      expect(run.stderr).toContain('\n  cd kept-new && npm install\n');
      expect(parseEnv(read('kept-new', '.env')).PRIVATE_KEY).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
      expect(existsSync(join(dir.path, 'kept-new', 'package.json'))).toBe(true);
    });

    it('with --force, removes only what it added and restores the files it replaced', async () => {
      const project = join(dir.path, 'kept');
      mkdirSync(project);
      writeFileSync(join(project, 'README.md'), 'my readme');
      writeFileSync(join(project, 'notes.txt'), 'mine');
      const run = await runCli(dir.path, ['kept', '--connector-id', '1', '--force'], { PATH: failingNpm() });
      expect(run.code).toBe(1);
      expect(read('kept', 'README.md')).toBe('my readme');
      expect(read('kept', 'notes.txt')).toBe('mine');
      for (const added of ['package.json', 'src', 'node_modules', '.env']) expect(existsSync(join(project, added)), added).toBe(false);
    });
  });

  describe('at a terminal', () => {
    // `script` gives the CLI a pseudo-terminal, so stdin.isTTY is true as for a person.
    const hasScript = existsSync('/usr/bin/script');

    function runInTerminal(args: string[], env: Record<string, string> = {}) {
      const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
      // `script` writes the terminal's screen to its stdout.
      return start('script', ['-qfec', command, '/dev/null'], {
        cwd: dir.path,
        env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...env },
        stdin: 'pipe',
      });
    }

    it.runIf(hasScript)('asks for the name, connector id, target and auth', async () => {
      const run = runInTerminal(['--no-install']);
      try {
        const answer = async (question: string, text: string): Promise<void> => {
          await vi.waitFor(() => expect(run.output()).toContain(question), { timeout: 10_000 });
          run.child.stdin!.write(`${text}\r`);
        };
        await answer('? Project name (my-connector)', 'asked-for');
        await answer('? Connector id', '');
        await vi.waitFor(() => expect(run.output()).toContain('the connector id is empty'), { timeout: 5_000 });
        run.child.stdin!.write('4321\r');
        await answer('? Where will it run [1) on-prem  2) cloud] (on-prem)', '2');
        await answer('? How does it sign in to the API', 'basic');
        expect((await run.exited).code).toBe(0);
      } finally {
        run.child.kill();
      }
      const pkg = JSON.parse(read('asked-for', 'package.json'));
      expect(pkg).toMatchObject({ name: 'asked-for', connectorId: '4321', scripts: { build: 'connector build --bundle' } });
      expect(read('asked-for', 'src', 'index.ts')).toContain('auth: basic(),');
    });

    it.runIf(hasScript)('never asks in CI', async () => {
      const run = runInTerminal(['x'], { CI: 'true' });
      expect((await run.exited).code).toBe(2);
      expect(run.output()).toContain('--connector-id is required');
      expect(run.output()).not.toContain('?');
    });
  });
});
