/**
 * The install a user does, from `npm pack` tarballs of this repository's packages served by a
 * stand-in registry (everything else comes from the real one): create-connector installs alone
 * (its dependencies are bundled); the SDK brings create-connector, so its `connector create`
 * scaffolds; the project installs the SDK and, as a dev dependency, the workspace, then builds,
 * tests, serves a call, and serves one through the embedded workspace of `npm run dev`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir } from './helpers.js';
import { AUTH_CASES, background, exec, startFakeApi, type Background, type FakeApi } from './scaffold-helpers.js';
import { startPackedRegistry, type PackedRegistry } from './scaffold-registry.js';

const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

describe('projects installed from packed tarballs, as from a registry', () => {
  const dir = tempDir('ck-pack-');
  let registry: PackedRegistry | undefined;
  let ws: Workspace | undefined;
  let api: FakeApi | undefined;
  let connector: Background | undefined;
  let dev: Background | undefined;
  const project = join(dir.path, 'packed');

  afterAll(async () => {
    await dev?.stop();
    await connector?.stop();
    await ws?.close();
    await api?.close();
    await registry?.close();
    dir.remove();
  });

  interface Packed {
    sdk: string;
    workspace: string;
    /** Environment that points npm, pnpm and yarn at the stand-in registry. */
    env: Record<string, string>;
  }
  let packedOnce: Promise<Packed> | undefined;
  /** Packs the three packages once, as `npm publish` would, and serves them. */
  const packed = (): Promise<Packed> =>
    (packedOnce ??= (async () => {
      const [sdk, create, workspace, upstream] = await Promise.all([
        pack('sdk'),
        pack('create-connector'),
        pack('workspace'),
        exec('npm', ['config', 'get', 'registry'], dir.path),
      ]);
      expect(upstream.code, upstream.output).toBe(0);
      registry = await startPackedRegistry([sdk, create, workspace], upstream.output.trim());
      return { sdk, workspace, env: { npm_config_registry: registry.url } };
    })());

  /** `npm pack`s the package in `packages/<name>` into the temp folder and returns the tarball's path. */
  async function pack(name: string): Promise<string> {
    const packed = await exec('npm', ['pack', '--pack-destination', dir.path, '--loglevel=error'], join(ROOT, 'packages', name));
    expect(packed.code, packed.output).toBe(0);
    const file = packed.output.trim().split('\n').at(-1)!;
    return join(dir.path, file);
  }

  const installed = (prefix: string): string[] => readdirSync(join(prefix, 'node_modules')).filter((n) => !n.startsWith('.'));

  it('installs create-connector alone: what `npx create-connector` downloads', { timeout: 120_000 }, async () => {
    const { env } = await packed();
    const tools = join(dir.path, 'tools');
    const result = await exec('npm', ['install', '--prefix', tools, 'create-connector', ...INSTALL_FLAGS], dir.path, env);
    expect(result.code, result.output).toBe(0);
    expect(installed(tools)).toEqual(['create-connector']);
  });

  it('runs as `npm init connector` and `npx create-connector` resolve it from a registry', { timeout: 120_000 }, async () => {
    const { env: registryEnv } = await packed();
    // A cache of its own: what npx runs comes from the registry, never from an earlier run.
    const env = { ...registryEnv, npm_config_cache: join(dir.path, 'npx-cache') };
    const ways: Array<[string, string[]]> = [
      // npm's own `--yes` answers its "Ok to install create-connector?" (without a terminal it exits 1 silently).
      ['npm-init-x', ['init', '--yes', 'connector', 'npm-init-x', '--', '--connector-id', '41', '--no-install', '--yes']],
      ['npx-x', ['exec', '--yes', '--', 'create-connector', 'npx-x', '--connector-id', '42', '--no-install', '--yes']],
    ];
    for (const [name, args] of ways) {
      const result = await exec('npm', args, dir.path, env);
      expect(result.code, `npm ${args.join(' ')}\n${result.output}`).toBe(0);
      const pkg = JSON.parse(readFileSync(join(dir.path, name, 'package.json'), 'utf8'));
      expect(pkg.name).toBe(name);
    }
    expect(registry!.served.filter((n) => n === 'create-connector').length).toBeGreaterThanOrEqual(2);
  });

  it(
    'scaffolds with the installed SDK’s `connector create`, which installs the SDK and workspace; builds, tests and serves',
    { timeout: 300_000 },
    async () => {
      // 1. The SDK as `npx @connector-kit/sdk` installs it: create-connector comes with it.
      const { env } = await packed();
      const sdkTools = join(dir.path, 'sdk-tools');
      const tools = await exec('npm', ['install', '--prefix', sdkTools, '@connector-kit/sdk', ...INSTALL_FLAGS], dir.path, env);
      expect(tools.code, tools.output).toBe(0);
      expect(installed(sdkTools)).toContain('create-connector');

      // 2. Scaffold a scoped package; the scaffolder runs `npm install` itself.
      const created = await exec(
        join(sdkTools, 'node_modules/.bin/connector'),
        ['create', '@acme/packed', '--connector-id', '555', '--auth', 'api-key'],
        dir.path,
        env,
      );
      expect(created.code, created.output).toBe(0);
      expect(created.output).toContain('Creating @acme/packed in');
      const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      expect(pkg.devDependencies['@connector-kit/workspace']).toBe('^0.1.0');
      for (const name of ['@connector-kit/sdk', '@connector-kit/workspace'])
        expect(existsSync(join(project, 'node_modules', name)), name).toBe(true);
      // The workspace's name for the connector has no scope (the workspace accepts none).
      expect(readFileSync(join(project, 'README.md'), 'utf8')).toContain('npx workspace connector add packed --connector-id 555');

      // 3. Build, test, validate with the installed tools only.
      for (const script of [['run', 'build'], ['test'], ['run', 'validate'], ['run', 'typecheck']]) {
        const result = await exec('npm', script, project);
        expect(result.code, `npm ${script.join(' ')}\n${result.output}`).toBe(0);
      }

      // 4. Start it against a workspace and serve one call.
      [ws, api] = await Promise.all([startTestWorkspace(join(dir.path, 'workspace')), startFakeApi()]);
      const added = await admin(ws, 'POST', 'connectors', { name: 'packed', connectorId: '555' });
      expect(added.status).toBe(201);
      connector = background('npm', ['start'], project, {
        REGISTRATION_TOKEN: added.body.registrationToken,
        DEVICE_ENDPOINT: ws.deviceEndpoint,
        WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
        ...AUTH_CASES['api-key'].env(`${api.url}packed/`),
      });
      const workspace = ws;
      await vi.waitFor(async () => expect(await onlineInstances(workspace, 'packed'), connector!.output()).toHaveLength(1), {
        timeout: 30_000,
        interval: 200,
      });
      const set = await admin(ws, 'PUT', 'connectors/packed/config', { values: AUTH_CASES['api-key'].config });
      expect(set.status).toBe(200);
      await vi.waitFor(
        async () => {
          const call = await admin(workspace, 'POST', 'connectors/packed/call', {
            method: 'items.get',
            args: { id: '7' },
            timeoutMs: 10_000,
          });
          expect(call.body, connector!.output()).toEqual({ result: { id: '7', name: 'Item 7' } });
        },
        { timeout: 10_000, interval: 200 },
      );
      expect(api.requests.find((r) => r.path === '/packed/items/7')?.headers['x-api-key']).toBe('key-from-workspace');
      await connector.stop();
    },
  );

  it('serves a call through the embedded workspace of `npm run dev`, and stops on Ctrl-C', { timeout: 120_000 }, async () => {
    expect(existsSync(join(project, 'node_modules')), 'the project of the test before').toBe(true);
    const apiUrl = `${api!.url}packed-dev/`;
    dev = background('npm', ['run', 'dev'], project, AUTH_CASES['api-key'].env(apiUrl));
    const running = dev;

    // 1. It starts the workspace from the dev dependency and says how to call the connector.
    let started: RegExpExecArray | null = null;
    await vi.waitFor(
      () => {
        started = /started an embedded workspace at (\S+) \(data in (\S+)\)/.exec(running.output());
        expect(started, running.output()).not.toBeNull();
        expect(running.output()).toContain(` call packed items.get '{"id":"42"}'`);
      },
      { timeout: 60_000, interval: 200 },
    );
    const [, url, data] = started!;
    const workspace = (...args: string[]) =>
      exec(join(project, 'node_modules/.bin/workspace'), ['--url', url!, '--data', data!, ...args], project);

    // 2. Set the API key as the README says, then call, until the connector is online.
    await vi.waitFor(
      async () => {
        const set = await workspace('config', 'set', 'packed', `apiKey=${AUTH_CASES['api-key'].config.apiKey}`);
        expect(set.output, running.output()).toContain('Sent the new config to 1 online instance(s)');
      },
      { timeout: 30_000, interval: 500 },
    );
    await vi.waitFor(
      async () => {
        const call = await workspace('call', 'packed', 'items.get', '{"id":"8"}');
        expect(call.code, `${call.output}\n${running.output()}`).toBe(0);
        expect(JSON.parse(call.output)).toEqual({ id: '8', name: 'Item 8' });
      },
      { timeout: 10_000, interval: 300 },
    );
    expect(api!.requests.find((r) => r.path === '/packed-dev/items/8')?.headers['x-api-key']).toBe('key-from-workspace');

    // 3. Ctrl-C, i.e. SIGINT to the whole group: npm ends at once (by the signal); `connector dev`
    // stops the connector, closes the embedded workspace and exits, leaving nothing running.
    await running.stop('SIGINT');
    await vi.waitFor(() => expect(running.alive(), running.output()).toBe(false), { timeout: 15_000, interval: 100 });
    await expect(fetch(url!)).rejects.toThrow();
    expect(running.output()).not.toMatch(/"level":[56]0|^error/m);
  });

  it(
    'makes a project from the tarballs with --from, outside any registry of ours: installs, builds and passes its tests',
    { timeout: 300_000 },
    async () => {
      // `npm run pack` in a clone writes the three tarballs to one folder; here they are in dir.path.
      // No stand-in registry: the project must install with create-connector unknown to the real one.
      await packed();
      const made = await exec(
        process.execPath,
        [
          join(ROOT, 'packages/create-connector/bin/create-connector.js'),
          'from-packs',
          '--connector-id',
          '557',
          '--from',
          dir.path,
          '--no-git',
        ],
        dir.path,
      );
      expect(made.code, made.output).toBe(0);
      const projectDir = join(dir.path, 'from-packs');
      expect(readdirSync(join(projectDir, 'vendor')).sort()).toEqual(
        readdirSync(dir.path)
          .filter((f) => /^(connector-kit-|create-connector-).*\.tgz$/.test(f))
          .sort(),
      );
      for (const name of ['@connector-kit/sdk', '@connector-kit/workspace', 'create-connector'])
        expect(existsSync(join(projectDir, 'node_modules', name)), name).toBe(true);
      for (const script of [['run', 'build'], ['test']]) {
        const result = await exec('npm', script, projectDir);
        expect(result.code, `npm ${script.join(' ')}\n${result.output}`).toBe(0);
      }
    },
  );

  // The scaffolder runs the install itself with pnpm and yarn (classic) from the registry, and
  // the SDK and workspace from their tarballs (--sdk-version, --workspace-version): pnpm's strict
  // node_modules layout is where a missing dependency declaration would show.
  const managers = ['pnpm', 'yarn'] as const;
  let managersOnce: Promise<string> | undefined;
  const installManagers = (): Promise<string> =>
    (managersOnce ??= (async () => {
      const { env } = await packed();
      const prefix = join(dir.path, 'managers');
      const result = await exec(
        'npm',
        ['install', '--prefix', prefix, 'create-connector', 'pnpm@10', 'yarn@1', ...INSTALL_FLAGS],
        dir.path,
        env,
      );
      expect(result.code, result.output).toBe(0);
      return join(prefix, 'node_modules/.bin');
    })());

  it.each(managers)('scaffolds and installs with %s, then builds and runs the project tests with it', { timeout: 300_000 }, async (pm) => {
    const { sdk, workspace, env: registryEnv } = await packed();
    const bin = await installManagers();
    // CI=true, as in a pipeline: pnpm then installs with --frozen-lockfile, and a new project has no lockfile.
    const env = { ...registryEnv, PATH: `${bin}:${process.env.PATH ?? ''}`, CI: 'true' };
    const name = `with-${pm}`;
    const created = await exec(
      join(bin, 'create-connector'),
      [
        name,
        '--connector-id',
        '556',
        '--auth',
        'api-key',
        '--package-manager',
        pm,
        '--sdk-version',
        sdk,
        '--workspace-version',
        workspace,
        '--yes',
      ],
      dir.path,
      env,
    );
    expect(created.code, created.output).toBe(0);
    const projectDir = join(dir.path, name);
    expect(existsSync(join(projectDir, pm === 'pnpm' ? 'pnpm-lock.yaml' : 'yarn.lock')), created.output).toBe(true);
    expect(existsSync(join(projectDir, 'node_modules/.bin/workspace')), created.output).toBe(true);
    expect(created.output).toContain(`${pm} test`);
    for (const script of ['build', 'test', 'validate', 'typecheck']) {
      const result = await exec(pm, ['run', script], projectDir, env);
      expect(result.code, `${pm} run ${script}\n${result.output}`).toBe(0);
    }
  });
});
