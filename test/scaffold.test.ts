/**
 * End to end for every target × auth kind: the built `create-connector` writes a project
 * (--no-install), which is linked to this repository's packages, built, tested with its own
 * generated tests, started against a real local workspace, and serves one call whose secrets
 * travel encrypted to the key pair the scaffolder generated.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { ROOT, admin, onlineInstances, startTestWorkspace, tempDir } from './helpers.js';
import {
  AUTH_CASES,
  AUTH_KINDS,
  CREATE_CLI,
  TARGETS,
  background,
  exec,
  startFakeApi,
  type Background,
  type FakeApi,
} from './scaffold-helpers.js';

const root = tempDir('ck-scaffold-');
let ws: Workspace;
let api: FakeApi;

beforeAll(async () => {
  [ws, api] = await Promise.all([startTestWorkspace(join(root.path, 'workspace')), startFakeApi()]);
});

afterAll(async () => {
  await ws?.close();
  await api?.close();
  root.remove();
});

const cases = TARGETS.flatMap((target) => AUTH_KINDS.map((auth) => ({ target, auth, name: `${target}-${auth}` })));

describe.each(cases)('a $target project with auth $auth', ({ target, auth, name }) => {
  const dir = join(root.path, name);
  let connector: Background | undefined;

  afterAll(async () => {
    await connector?.stop();
  });

  it('is generated, builds, and passes its own tests', async () => {
    const created = await exec(
      process.execPath,
      [CREATE_CLI, name, '--connector-id', `id-${name}`, '--target', target, '--auth', auth, '--no-install'],
      root.path,
    );
    expect(created.output).toContain(`Creating ${name} in ${dir}`);
    expect(created.code).toBe(0);
    // Stands in for `npm install`: this repository's node_modules holds the SDK, vitest, nock, TypeScript.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

    const build = await exec('npm', ['run', 'build'], dir);
    expect(build.code, build.output).toBe(0);
    expect(build.output).toContain('(1 method(s))');
    if (target === 'cloud') expect(build.output).toContain(`bundled ${join(dir, 'dist/connector.mjs')}`);
    const manifest = JSON.parse(readFileSync(join(dir, 'dist/manifest.json'), 'utf8'));
    expect(manifest.schema.introspect).toContain('function get(args: { id: string; }): Promise<{ id: string; name: string; }>;');

    const test = await exec('npm', ['test'], dir);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/Tests\s+4 passed \(4\)/);

    // The sources differ by auth kind only: validate each once (type-checked together below).
    if (target === 'on-prem') {
      const validate = await exec('npm', ['run', 'validate'], dir);
      expect(validate.code, validate.output).toBe(0);
      expect(validate.output).toContain('no problems found');
    }
  }, 180_000);

  it('connects to a local workspace and serves a call with its config', async () => {
    const added = await admin(ws, 'POST', 'connectors', { name, connectorId: `id-${name}` });
    expect(added.status).toBe(201);
    const env = {
      REGISTRATION_TOKEN: added.body.registrationToken,
      DEVICE_ENDPOINT: ws.deviceEndpoint,
      WEBSOCKET_ENDPOINT: ws.websocketEndpoint,
      HOSTNAME: name,
      ...AUTH_CASES[auth].env(`${api.url}${name}/`),
    };
    if (target === 'cloud') {
      // The bundle alone, in a folder without node_modules, as it would run after an upload.
      const upload = join(root.path, `${name}-upload`);
      mkdirSync(upload);
      copyFileSync(join(dir, 'dist/connector.mjs'), join(upload, 'connector.mjs'));
      const keys = parseEnv(readFileSync(join(dir, '.env'), 'utf8'));
      connector = background(process.execPath, ['connector.mjs'], upload, {
        ...env,
        PRIVATE_KEY: keys.PRIVATE_KEY!,
        PUBLIC_KEY: keys.PUBLIC_KEY!,
      });
    } else {
      connector = background('npm', ['start'], dir, env);
    }
    await vi.waitFor(async () => expect(await onlineInstances(ws, name), connector!.output()).toHaveLength(1), {
      timeout: 30_000,
      interval: 200,
    });

    const { config, header, oauthConnect } = AUTH_CASES[auth];
    // Without auth there is nothing to configure: the API URL comes from env (API_BASE_URL).
    if (Object.keys(config).length > 0) {
      const set = await admin(ws, 'PUT', `connectors/${name}/config`, { values: config });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
    }
    if (oauthConnect) {
      // §6: what `workspace oauth connect` prints, once the connector has the client id; the stand-in consents at once.
      let url = '';
      await vi.waitFor(
        async () => {
          const started = await admin(ws, 'POST', `connectors/${name}/oauth`);
          expect(started.status, JSON.stringify(started.body)).toBe(200);
          url = started.body.url;
        },
        { timeout: 10_000, interval: 200 },
      );
      const consent = await fetch(url, { redirect: 'manual' });
      expect(consent.status).toBe(302);
      const callback = await fetch(consent.headers.get('location')!);
      expect(callback.status, await callback.text()).toBe(200);
    }
    await vi.waitFor(
      async () => {
        const call = await admin(ws, 'POST', `connectors/${name}/call`, { method: 'items.get', args: { id: '42' }, timeoutMs: 10_000 });
        expect(call.body, connector!.output()).toEqual({ result: { id: '42', name: 'Item 42' } });
      },
      { timeout: 10_000, interval: 200 },
    );
    const request = api.requests.find((r) => r.path === `/${name}/items/42`);
    if (header) expect(request?.headers[header[0]]).toBe(header[1]);
    else expect(request?.headers.authorization).toBeUndefined();
    if (auth === 'oauth2') {
      const token = api.requests.find((r) => r.path === `/${name}/oauth/token`);
      // Authorization code with PKCE, the client from the (encrypted) config.
      const params = Object.fromEntries(new URLSearchParams(token?.body));
      expect(params).toMatchObject({
        grant_type: 'authorization_code',
        code: 'code-1',
        redirect_uri: `${ws.url}oauth/callback`,
        client_id: 'client-1',
        client_secret: 'secret-from-workspace',
      });
      expect(params.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    }
    // Secrets were decrypted by the connector, never logged.
    for (const value of Object.values(config)) if (value.includes('workspace')) expect(connector.output()).not.toContain(value);
  }, 90_000);
});

describe('the generated sources of every auth kind', () => {
  it('type-check with the strict tsconfig the projects ship (one tsc run for all)', async () => {
    // Every project's tsconfig has the same options; one run over all of them saves three TypeScript start-ups.
    const { compilerOptions } = JSON.parse(readFileSync(join(root.path, 'on-prem-none', 'tsconfig.json'), 'utf8'));
    const include = AUTH_KINDS.flatMap((auth) => [`on-prem-${auth}/src`, `on-prem-${auth}/test`]);
    writeFileSync(join(root.path, 'tsconfig.json'), JSON.stringify({ compilerOptions, include }));
    symlinkSync(join(ROOT, 'node_modules'), join(root.path, 'node_modules'), 'dir'); // for `types: ["node"]`
    // (An include that matched nothing would fail too: TS18003, no inputs.)
    const checked = await exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], root.path);
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  }, 90_000);
});
