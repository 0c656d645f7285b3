/**
 * The on-prem artefacts as an operator runs them (issue 16): a project made from this clone's
 * packed tarballs with yarn 1, installed where its systemd unit expects it (`/opt/<slug>` of a
 * stand-in root), then
 * - started with `yarn start` against a workspace, serving a call, with `deploy/healthcheck.mjs`
 *   following the connector's readiness;
 * - its systemd unit through `systemd-analyze verify` against that root;
 * - its Containerfile linted, built with podman and run, serving a call, healthy by its own
 *   HEALTHCHECK and drained by `podman stop`.
 * Where this machine lacks a tool or cannot run containers, the test's name says so and it is
 * skipped; the lint runs everywhere.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { validate } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir } from './helpers.js';
import { CREATE_CLI, background, exec, startFakeApi, type Background, type FakeApi } from './scaffold-helpers.js';

const SLUG = 'onprem-demo';
/** The base image the generated Containerfile starts from; `.ci/container-base.sh` makes it where Docker Hub is out of reach. */
const BASE_IMAGE = 'docker.io/library/node:20-slim';
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

const succeeds = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;

/** Why the unit cannot be verified here, or undefined. */
const systemdMissing = succeeds('systemd-analyze', ['--version'])
  ? undefined
  : 'systemd-analyze is not installed (Debian: apt-get install systemd)';

/**
 * Why no container can run here, or undefined. This machine's kernel runs containers only with
 * runc (crun refuses its hybrid cgroups) and with rlimits below the sandbox's own, so the test
 * asks for exactly that; it builds with chroot isolation for the same reason.
 */
function containerBlocker(): string | undefined {
  if (!succeeds('podman', ['--version'])) return 'podman is not installed (Debian: apt-get install podman runc)';
  if (!succeeds('runc', ['--version'])) return 'runc is not installed (Debian: apt-get install runc)';
  if (!succeeds('podman', ['image', 'exists', BASE_IMAGE]))
    return `no ${BASE_IMAGE} image: run .ci/container-base.sh (Docker Hub is out of reach here)`;
  const probe = spawnSync('podman', [...RUN_FLAGS, '--rm', BASE_IMAGE, 'node', '-e', '0'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status !== 0)
    return `podman cannot run a container here: ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`;
  return undefined;
}
const RUN_FLAGS = ['--runtime', 'runc', 'run', '--network', 'host', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const containerSkip = containerBlocker();
if (containerSkip) console.warn(`onprem.test.ts: the container is not built or run: ${containerSkip}`);
if (systemdMissing) console.warn(`onprem.test.ts: the systemd unit is not verified: ${systemdMissing}`);

/**
 * A port for a listener on 127.0.0.1 that a container on the host network opens itself (no port
 * 0 there: its healthcheck must know the port). Below the kernel's ephemeral range (32768+), where
 * no outgoing connection and no `listen(0)` of another test lands.
 */
const fixedPort = (): number => 20_000 + Math.floor(Math.random() * 12_000);

const root = tempDir('ck-onprem-');
/** The stand-in filesystem root: the project lives in `<fsRoot>/opt/<slug>` as DEPLOYMENT.md installs it. */
const fsRoot = join(root.path, 'fs');
const project = join(fsRoot, 'opt', SLUG);
let path = process.env.PATH ?? '';
let yarnEnv: Record<string, string> = {};
let ws: Workspace;
let api: FakeApi;
const running: Background[] = [];
const containers: string[] = [];
const image = `localhost/ck-onprem-${process.pid}`;

beforeAll(async () => {
  mkdirSync(join(fsRoot, 'opt'), { recursive: true });
  // Yarn 1 as an operator installs it, and the clone's packages as tarballs (`npm run pack`).
  const tools = join(root.path, 'tools');
  const [yarn, packed] = await Promise.all([
    exec('npm', ['install', '--prefix', tools, 'yarn@1', ...INSTALL_FLAGS], root.path),
    exec(process.execPath, [join(ROOT, 'scripts/pack.mjs'), join(root.path, 'packs')], ROOT),
  ]);
  expect(yarn.code, yarn.output).toBe(0);
  expect(packed.code, packed.output).toBe(0);
  path = `${join(tools, 'node_modules/.bin')}:${path}`;
  // A yarn cache of its own: yarn 1 caches `file:` tarballs by name and version, so a machine's
  // cache would answer an earlier pack of the same version and the lockfile would record that
  // one's integrity, which a fresh install (the image build) then refuses.
  yarnEnv = { PATH: path, YARN_CACHE_FOLDER: join(root.path, 'yarn-cache') };

  // The scaffolder installs with yarn itself (vendoring the tarballs); then the operator builds.
  const created = await exec(
    process.execPath,
    [
      CREATE_CLI,
      SLUG,
      '--connector-id',
      '616',
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
    join(fsRoot, 'opt'),
    yarnEnv,
  );
  expect(created.code, created.output).toBe(0);
  expect(existsSync(join(project, 'yarn.lock')), created.output).toBe(true);
  const build = await exec('yarn', ['build'], project, yarnEnv);
  expect(build.code, build.output).toBe(0);

  [ws, api] = await Promise.all([startTestWorkspace(join(root.path, 'workspace')), startFakeApi()]);
}, 600_000);

afterAll(async () => {
  for (const name of containers) spawnSync('podman', ['rm', '--force', '--time', '0', name], { stdio: 'ignore' });
  if (containers.length > 0)
    for (const args of [
      ['rmi', '--force', image],
      ['image', 'prune', '--force'],
    ])
      spawnSync('podman', args, { stdio: 'ignore' });
  for (const process of running) await process.stop();
  await ws?.close();
  await api?.close();
  root.remove();
});

/** Adds a connector to `workspace` and returns the env an instance of it needs there. */
async function instanceEnv(workspace: Workspace, name: string): Promise<Record<string, string>> {
  const added = await admin(workspace, 'POST', 'connectors', { name, connectorId: '616' });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return {
    REGISTRATION_TOKEN: added.body.registrationToken,
    DEVICE_ENDPOINT: workspace.deviceEndpoint,
    WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
    HOSTNAME: `${name}-1`,
    API_BASE_URL: `${api.url}${name}/`,
  };
}

async function servesACall(workspace: Workspace, name: string, output: () => string): Promise<void> {
  await vi.waitFor(async () => expect(await onlineInstances(workspace, name), output()).toHaveLength(1), {
    timeout: 60_000,
    interval: 250,
  });
  const call = await admin(workspace, 'POST', `connectors/${name}/call`, { method: 'items.get', args: { id: '7' }, timeoutMs: 20_000 });
  expect(call.body, output()).toEqual({ result: { id: '7', name: 'Item 7' } });
  expect(api.requests.some((r) => r.path === `/${name}/items/7`)).toBe(true);
}

const healthcheck = (port: number) => exec(process.execPath, ['deploy/healthcheck.mjs'], project, { HEALTH_PORT: String(port) });

describe('an on-prem project installed with yarn 1', () => {
  it('serves a call under `yarn start`; deploy/healthcheck.mjs is healthy while it is connected, unhealthy once the workspace is gone', async () => {
    const own = await startTestWorkspace(join(root.path, 'workspace-yarn'));
    try {
      const port = fixedPort();
      const connector = background('yarn', ['start'], project, {
        ...(await instanceEnv(own, 'by-yarn')),
        HEALTH_PORT: String(port),
        ...yarnEnv,
      });
      running.push(connector);
      await servesACall(own, 'by-yarn', connector.output);
      await vi.waitFor(async () => expect((await healthcheck(port)).code).toBe(0), { timeout: 20_000, interval: 250 });

      await own.close();
      await vi.waitFor(
        async () => {
          const unhealthy = await healthcheck(port);
          expect(unhealthy.code).toBe(1);
          expect(unhealthy.output).toContain(`unhealthy: http://127.0.0.1:${port}/ready answered 503`);
        },
        { timeout: 20_000, interval: 250 },
      );
      await connector.stop();
    } finally {
      await own.close().catch(() => undefined);
    }
  }, 120_000);

  it.skipIf(systemdMissing !== undefined)(
    systemdMissing
      ? `systemd unit: skipped, ${systemdMissing}`
      : 'its systemd unit passes `systemd-analyze verify`, ExecStart where the install put the connector',
    async () => {
      // The machine's own unit files (targets the unit names), and the unit installed as DEPLOYMENT.md says.
      cpSync('/usr/lib/systemd/system', join(fsRoot, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
      mkdirSync(join(fsRoot, 'etc/systemd/system'), { recursive: true });
      cpSync(join(project, 'deploy/connector@.service'), join(fsRoot, `etc/systemd/system/${SLUG}@.service`));
      const verified = await exec('systemd-analyze', ['verify', `--root=${fsRoot}`, `${SLUG}@1.service`], root.path);
      expect(verified.output).toBe('');
      expect(verified.code).toBe(0);
    },
    60_000,
  );

  it('has a Containerfile with no lint findings', () => {
    const findings = validate(readFileSync(join(project, 'Containerfile'), 'utf8'));
    expect(findings.map((f) => `line ${f.range.start.line + 1}: ${f.message}`)).toEqual([]);
  });

  it.skipIf(containerSkip !== undefined)(
    containerSkip
      ? `container: skipped, ${containerSkip}`
      : 'builds as a container image that serves a call, is healthy by its HEALTHCHECK, and drains on `podman stop`',
    async () => {
      const built = await exec(
        'podman',
        ['build', '--isolation', 'chroot', '--network', 'host', '--format', 'docker', '-t', image, '-f', 'Containerfile', '.'],
        project,
      );
      expect(built.code, built.output).toBe(0);

      const name = 'by-container';
      const env: Record<string, string> = { ...(await instanceEnv(ws, name)), HEALTH_PORT: String(fixedPort()) };
      // The key pair from the project's .env, the rest as the operator passes it (-e wins over --env-file).
      const keys = parseEnv(readFileSync(join(project, '.env'), 'utf8'));
      const container = `ck-onprem-${process.pid}`;
      containers.push(container);
      const args = [...RUN_FLAGS, '--detach', '--name', container, '--hostname', env.HOSTNAME!];
      for (const [key, value] of Object.entries({ ...env, PRIVATE_KEY: keys.PRIVATE_KEY!, PUBLIC_KEY: keys.PUBLIC_KEY! }))
        args.push('--env', `${key}=${value}`);
      const started = await exec('podman', [...args, image], project);
      expect(started.code, started.output).toBe(0);
      const logs = () => spawnSync('podman', ['logs', container], { encoding: 'utf8' }).stdout;

      await servesACall(ws, name, logs);
      await vi.waitFor(async () => expect((await exec('podman', ['healthcheck', 'run', container], project)).code, logs()).toBe(0), {
        timeout: 20_000,
        interval: 500,
      });

      const stopped = await exec('podman', ['stop', '--time', '20', container], project);
      expect(stopped.code, stopped.output).toBe(0);
      const exit = await exec('podman', ['inspect', '--format', '{{.State.ExitCode}}', container], project);
      expect(exit.stdout.trim(), logs()).toBe('0');
      expect(logs()).toContain('SIGTERM: finishing calls in flight, then disconnecting');
    },
    600_000,
  );
});
