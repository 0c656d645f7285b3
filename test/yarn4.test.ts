/**
 * A generated project under real Yarn 4 (issue 17 item 10), as an operator runs it: made from
 * this clone's packed tarballs (`--from`) with the scaffolder installing through Yarn 4 on a CI
 * machine (`CI=true`, where Yarn ≥2 makes installs immutable), then `yarn install --immutable`
 * (the Containerfile's install), `yarn build`, `yarn start` against a workspace serving a call,
 * and the production install of DEPLOYMENT.md (`yarn workspaces focus --all --production`)
 * still starting. Yarn 1 goes the same way in test/onprem.test.ts.
 *
 * Yarn 4 comes from the npm registry as `@yarnpkg/cli-dist` (what corepack would download), and
 * fetches packages from the npm registry too (`YARN_NPM_REGISTRY_SERVER`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir } from './helpers.js';
import { CREATE_CLI, background, exec, startFakeApi, type Background, type FakeApi } from './scaffold-helpers.js';

const SLUG = 'yarn4-demo';
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

const root = tempDir('ck-yarn4-');
const project = join(root.path, SLUG);
let yarnEnv: Record<string, string> = {};
let ws: Workspace;
let api: FakeApi;
const running: Background[] = [];

beforeAll(async () => {
  const tools = join(root.path, 'tools');
  mkdirSync(tools, { recursive: true });
  const [yarn, packed] = await Promise.all([
    exec('npm', ['install', '--prefix', tools, '@yarnpkg/cli-dist@4', ...INSTALL_FLAGS], root.path),
    exec(process.execPath, [join(ROOT, 'scripts/pack.mjs'), join(root.path, 'packs')], ROOT),
  ]);
  expect(yarn.code, yarn.output).toBe(0);
  expect(packed.code, packed.output).toBe(0);
  yarnEnv = {
    PATH: `${join(tools, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    YARN_NPM_REGISTRY_SERVER: process.env.YARN_NPM_REGISTRY_SERVER ?? 'https://registry.npmjs.org',
    // Yarn asks nothing and sends nothing home.
    YARN_ENABLE_TELEMETRY: '0',
  };
  const version = await exec('yarn', ['--version'], root.path, yarnEnv);
  expect(version.stdout.trim(), version.output).toMatch(/^4\./);

  // The scaffolder runs `yarn install` itself; on CI, Yarn 4 would refuse to write the lockfile.
  const created = await exec(
    process.execPath,
    [
      CREATE_CLI,
      SLUG,
      '--connector-id',
      '617',
      '--target',
      'on-prem',
      '--auth',
      'none',
      '--package-manager',
      'yarn',
      '--from',
      join(root.path, 'packs'),
      '--yes',
    ],
    root.path,
    { ...yarnEnv, CI: 'true' },
  );
  expect(created.code, created.output).toBe(0);
  expect(existsSync(join(project, 'yarn.lock')), created.output).toBe(true);

  [ws, api] = await Promise.all([startTestWorkspace(join(root.path, 'workspace')), startFakeApi()]);
}, 900_000);

afterAll(async () => {
  for (const process of running) await process.stop();
  await ws?.close();
  await api?.close();
  root.remove();
});

/** Adds a connector to the workspace and returns the env an instance of it needs. */
async function instanceEnv(name: string): Promise<Record<string, string>> {
  const added = await admin(ws, 'POST', 'connectors', { name, connectorId: '617' });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return {
    REGISTRATION_TOKEN: added.body.registrationToken,
    DEVICE_ENDPOINT: ws.deviceEndpoint,
    WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
    HOSTNAME: `${name}-1`,
    API_BASE_URL: `${api.url}${name}/`,
  };
}

/** Starts `yarn start` as `name` and waits until it answers a call through the workspace. */
async function startsAndServes(name: string): Promise<void> {
  const connector = background('yarn', ['start'], project, { ...(await instanceEnv(name)), ...yarnEnv });
  running.push(connector);
  await vi.waitFor(async () => expect(await onlineInstances(ws, name), connector.output()).toHaveLength(1), {
    timeout: 90_000,
    interval: 250,
  });
  const call = await admin(ws, 'POST', `connectors/${name}/call`, { method: 'items.get', args: { id: '7' }, timeoutMs: 20_000 });
  expect(call.body, connector.output()).toEqual({ result: { id: '7', name: 'Item 7' } });
  expect(api.requests.some((r) => r.path === `/${name}/items/7`)).toBe(true);
  await connector.stop();
}

describe('a generated project under Yarn 4', () => {
  it('is set up for Yarn 4: node_modules linker, its version pinned, Yarn 4 commands in its docs and Containerfile', () => {
    expect(readFileSync(join(project, '.yarnrc.yml'), 'utf8')).toContain('nodeLinker: node-modules');
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).packageManager).toMatch(/^yarn@4\./);
    const containerfile = readFileSync(join(project, 'Containerfile'), 'utf8');
    expect(containerfile).toContain('RUN yarn install --immutable');
    expect(containerfile).toContain('RUN yarn workspaces focus --all --production');
    expect(containerfile).not.toMatch(/--frozen-lockfile|install --production/);
    expect(readFileSync(join(project, 'DEPLOYMENT.md'), 'utf8')).not.toMatch(/--frozen-lockfile|install --production/);
  });

  it('installs again as the lockfile says (`yarn install --immutable`, the image build), builds and serves a call under `yarn start`', async () => {
    const immutable = await exec('yarn', ['install', '--immutable'], project, { ...yarnEnv, CI: 'true' });
    expect(immutable.code, immutable.output).toBe(0);
    const build = await exec('yarn', ['build'], project, yarnEnv);
    expect(build.code, build.output).toBe(0);
    expect(existsSync(join(project, 'dist/manifest.json'))).toBe(true);
    await startsAndServes('by-yarn4');
  }, 600_000);

  it('still serves after the production install of DEPLOYMENT.md (`yarn workspaces focus --all --production`)', async () => {
    const focus = await exec('yarn', ['workspaces', 'focus', '--all', '--production'], project, yarnEnv);
    expect(focus.code, focus.output).toBe(0);
    // The dev tools are gone, the runtime is not.
    expect(existsSync(join(project, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@connector-kit/sdk'))).toBe(true);
    await startsAndServes('by-yarn4-production');
  }, 600_000);
});
