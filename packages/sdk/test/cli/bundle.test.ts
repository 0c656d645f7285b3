import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleEntry } from '../../src/cli/bundle.js';
import { GREETER, connector, fixture, run, type Fixture } from './fixture.js';

describe('bundleEntry', () => {
  it('imports the source entry and serves it with the manifest inlined', () => {
    const text = bundleEntry('src\\index.ts', {
      id: '7',
      version: '1.0.0',
      name: 'X',
      schema: { configSchema: { fields: {} }, introspect: '' },
    });
    expect(text).toContain('import connector from "./src/index.ts";');
    expect(text).toContain('const manifest = {"id":"7","version":"1.0.0"');
    expect(text).toContain(
      'runConnector(connector, { connectorId: manifest.id, version: manifest.version, manifest: manifest.schema, stateDir: join(process.cwd(), STATE_DIR), fromDotEnv });',
    );
    expect(text).toContain('const fromDotEnv = loadDotEnv(process.cwd());');
  });
});

describe('connector build --bundle (built CLI)', { timeout: 60_000 }, () => {
  let project: Fixture | undefined;
  let server: Server | undefined;
  let empty: string | undefined;
  afterEach(() => {
    project?.remove();
    server?.close();
    if (empty) rmSync(empty, { recursive: true, force: true });
  });

  it('writes one file that runs alone, with no node_modules, and registers with the inlined manifest', async () => {
    project = fixture({ 'src/index.ts': GREETER });
    const built = await connector(['build', '--bundle'], project.dir);
    expect(built.code).toBe(0);
    expect(built.stderr).toContain(`bundled ${join(project.dir, 'dist/connector.mjs')}`);

    // Copied into an empty folder: nothing to resolve imports from.
    empty = mkdtempSync(join(tmpdir(), 'ck-bundle-'));
    copyFileSync(join(project.dir, 'dist/connector.mjs'), join(empty, 'connector.mjs'));
    expect(existsSync(join(empty, 'node_modules'))).toBe(false);

    // A device endpoint that refuses every key and token, and keeps what register sent.
    const bodies: Array<{ url: string; body: any }> = [];
    server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        bodies.push({ url: req.url ?? '', body: text ? JSON.parse(text) : undefined });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"no"}');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const started = await run(join(empty, 'connector.mjs'), [], empty, {
      REGISTRATION_TOKEN: 'wrong',
      DEVICE_ENDPOINT: endpoint,
      WEBSOCKET_ENDPOINT: endpoint,
    });
    expect(started.code).toBe(1);
    expect(started.stdout + started.stderr).toContain('REGISTRATION_TOKEN');
    const register = bodies.find((b) => b.url === '/register')?.body;
    expect(register).toMatchObject({ id: 'fixture-1', version: '1.2.3' });
    expect(register.schema.introspect).toContain('declare function hello(');
    expect(register.schema.configSchema.fields.greeting).toEqual({
      name: 'Greeting',
      type: 'line',
      description: 'The word to greet with',
      optional: true,
      plain: true,
    });
  });

  it('leaves dist/index.js importable with its dependencies external', async () => {
    project = fixture({ 'src/index.ts': GREETER });
    expect((await connector(['build', '--bundle', '--no-types'], project.dir)).code).toBe(0);
    const call = await connector(['call', 'hello', '{"name":"Ada"}'], project.dir);
    expect(JSON.parse(call.stdout)).toEqual({ message: 'Hello, Ada' });
  });
});
