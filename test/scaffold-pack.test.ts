/**
 * The install a user does, from `npm pack` tarballs of this repository's packages: the
 * scaffolder installs alone (its dependencies are bundled), and the project it writes installs
 * the SDK tarball and its dev dependencies from the registry, builds, tests, and serves a call.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir } from './helpers.js';
import { AUTH_CASES, background, exec, startFakeApi, type Background, type FakeApi } from './scaffold-helpers.js';

const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

describe('a project installed from packed tarballs', () => {
  const dir = tempDir('ck-pack-');
  let ws: Workspace | undefined;
  let api: FakeApi | undefined;
  let connector: Background | undefined;

  afterAll(async () => {
    await connector?.stop();
    await ws?.close();
    await api?.close();
    dir.remove();
  });

  /** The SDK and create-connector tarballs, packed once. */
  let packedOnce: Promise<[string, string]> | undefined;
  const packed = (): Promise<[string, string]> => (packedOnce ??= Promise.all([pack('sdk'), pack('create-connector')]));

  /** `npm pack`s the package in `packages/<name>` into the temp folder and returns the tarball's path. */
  async function pack(name: string): Promise<string> {
    const packed = await exec('npm', ['pack', '--pack-destination', dir.path, '--loglevel=error'], join(ROOT, 'packages', name));
    expect(packed.code, packed.output).toBe(0);
    const file = packed.output.trim().split('\n').at(-1)!;
    return join(dir.path, file);
  }

  it('scaffolds with the packed create-connector, installs the packed SDK, builds, tests and serves', { timeout: 300_000 }, async () => {
    // 1. Pack, as `npm publish` would.
    const [sdk, create] = await packed();

    // 2. The scaffolder installs with nothing else: what `npx create-connector` downloads.
    const tools = join(dir.path, 'tools');
    const installed = await exec('npm', ['install', '--prefix', tools, create, ...INSTALL_FLAGS], dir.path);
    expect(installed.code, installed.output).toBe(0);
    expect(readdirSync(join(tools, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['create-connector']);

    // 3. Scaffold, then install as the next steps say (the SDK from its tarball: it is not published).
    const created = await exec(
      join(tools, 'node_modules/.bin/create-connector'),
      ['packed', '--connector-id', '555', '--auth', 'api-key', '--no-install'],
      dir.path,
    );
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain('npm install');
    const project = join(dir.path, 'packed');
    const deps = await exec('npm', ['install', sdk, ...INSTALL_FLAGS], project);
    expect(deps.code, deps.output).toBe(0);

    // 4. Build, test, validate with the installed tools only.
    for (const script of [['run', 'build'], ['test'], ['run', 'validate'], ['run', 'typecheck']]) {
      const result = await exec('npm', script, project);
      expect(result.code, `npm ${script.join(' ')}\n${result.output}`).toBe(0);
    }

    // 5. Start it against a workspace and serve one call.
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
  });

  // The scaffolder runs the install itself here (no --no-install), with pnpm and yarn (classic)
  // from the registry, and the SDK from its tarball (--sdk-version): pnpm's strict node_modules
  // layout is where a missing dependency declaration would show.
  const managers = ['pnpm', 'yarn'] as const;
  let managersOnce: Promise<string> | undefined;
  const installManagers = (): Promise<string> =>
    (managersOnce ??= (async () => {
      const prefix = join(dir.path, 'managers');
      const [, create] = await packed();
      const installed = await exec('npm', ['install', '--prefix', prefix, create, 'pnpm@10', 'yarn@1', ...INSTALL_FLAGS], dir.path);
      expect(installed.code, installed.output).toBe(0);
      return join(prefix, 'node_modules/.bin');
    })());

  it.each(managers)('scaffolds and installs with %s, then builds and runs the project tests with it', { timeout: 300_000 }, async (pm) => {
    const [sdk] = await packed();
    const bin = await installManagers();
    // CI=true, as in a pipeline: pnpm then installs with --frozen-lockfile, and a new project has no lockfile.
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, CI: 'true' };
    const name = `with-${pm}`;
    const created = await exec(
      join(bin, 'create-connector'),
      [name, '--connector-id', '556', '--auth', 'api-key', '--package-manager', pm, '--sdk-version', sdk, '--yes'],
      dir.path,
      env,
    );
    expect(created.code, created.output).toBe(0);
    const project = join(dir.path, name);
    expect(existsSync(join(project, pm === 'pnpm' ? 'pnpm-lock.yaml' : 'yarn.lock')), created.output).toBe(true);
    expect(created.output).toContain(`${pm} test`);
    for (const script of ['build', 'test', 'validate', 'typecheck']) {
      const result = await exec(pm, ['run', script], project, env);
      expect(result.code, `${pm} run ${script}\n${result.output}`).toBe(0);
    }
  });
});
