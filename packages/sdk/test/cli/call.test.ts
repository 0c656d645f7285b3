import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import { localAdvice, parseAssignments } from '../../src/cli/call.js';
import { runNode } from '../../../../test/support/spawn.js';
import { refusedPort, type RefusedPort } from '../../../../test/support/ports.js';
import { connector, fixture, type Fixture } from './fixture.js';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(sdk, 'dist/cli/index.js');
const helloWorld = join(sdk, '../../examples/hello-world');

describe('localAdvice', () => {
  it('turns the workspace command of a missing config field into the --config of a local call', () => {
    expect(
      localAdvice(`config field "apiKey" (API key) is not set: set it in the workspace, e.g. 'workspace config set <connector> apiKey=…'`),
    ).toBe('config field "apiKey" (API key) is not set: pass it, e.g. --config apiKey=…');
    expect(
      localAdvice(
        `no OAuth client id: set the config field "clientId" ('workspace config set <connector> clientId=…') or env OAUTH_CLIENT_ID`,
      ),
    ).toBe('no OAuth client id: set the config field "clientId" (--config clientId=…) or env OAUTH_CLIENT_ID');
  });
});

describe('parseAssignments', () => {
  it('reads key=value pairs, parsing numbers and booleans', () => {
    expect(parseAssignments(['greeting=Hi there', 'port=8080', 'ratio=-0.5', 'debug=true', 'off=false', 'eq=a=b', 'empty='])).toEqual({
      greeting: 'Hi there',
      port: 8080,
      ratio: -0.5,
      debug: true,
      off: false,
      eq: 'a=b',
      empty: '',
    });
  });

  it('keeps values that only look like numbers as text (leading zeros, digits past 2^53)', () => {
    expect(parseAssignments(['zip=007', 'code=00', 'zero=0', 'id=12345678901234567890', 'price=1.50'])).toEqual({
      zip: '007',
      code: '00',
      zero: 0,
      id: '12345678901234567890',
      price: '1.50',
    });
  });

  it('throws USAGE for a pair without a key', () => {
    for (const pair of ['novalue', '=x']) {
      expect(() => parseAssignments([pair])).toThrow(ConnectorError);
    }
    try {
      parseAssignments(['novalue']);
    } catch (error) {
      expect({ code: (error as ConnectorError).code, message: (error as Error).message }).toMatchInlineSnapshot(`
        {
          "code": "USAGE",
          "message": "expected key=value, got "novalue"",
        }
      `);
    }
  });

  it('keeps "__proto__" as a key without touching Object.prototype', () => {
    const out = parseAssignments(['__proto__=x', 'constructor=y']);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.constructor).toBe('y');
  });
});

describe('connector call (built CLI)', { timeout: 30_000 }, () => {
  beforeAll(() => {
    if (!existsSync(cli)) execFileSync('npx', ['tsup'], { cwd: sdk, stdio: 'ignore' });
    if (!existsSync(join(helloWorld, 'dist/index.js')))
      execFileSync(process.execPath, [cli, 'build'], { cwd: helloWorld, stdio: 'ignore' });
  }, 120_000);

  const run = (...args: string[]) => runNode(cli, args, { cwd: helloWorld, env: { ...process.env, NO_COLOR: '1' } });

  it('runs a method with input and config and prints its result as JSON', async () => {
    const result = await run('call', 'hello', '{"name":"Ada"}', '--config', 'greeting=Hi');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ message: 'Hi, Ada' });
  });

  it('exits non-zero with the validation message on stderr for invalid input', async () => {
    const result = await run('call', 'hello', '{"name":""}');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: invalid input for hello: name: Too small: expected string to have >=1 characters');
    expect(result.stderr).toContain('"too_small"');
  });

  it('ends quietly with status 0 when the reader of its output goes away (| head)', async () => {
    const child = spawn(process.execPath, [cli, 'call', 'hello', '{"name":"Ada"}'], { cwd: helloWorld, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('exits non-zero for input that is not JSON and for an unknown method', async () => {
    const notJson = await run('call', 'hello', '{name: Ada}');
    // A malformed argument is a usage error: exit 2, as in `workspace call` (it was 1: issue 17 item 11).
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^error: the input is not JSON \(.*\): quote it, e\.g\. '\{"name":"Ada"\}'\n$/);
    const unknown = await run('call', 'goodbye');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: unknown method "goodbye": this connector has hello, tasks.remind (METHOD_NOT_FOUND)\n');
  });
});

// A built connector whose one method GETs `items/1` from API_BASE_URL: ctx.http retries a 503 or
// a refused connection after an unref()ed sleep, while nothing else keeps the process alive.
const FETCHER = `import { defineConnector, z } from '@connector-kit/sdk';

export default defineConnector({
  name: 'Fetcher',
  summary: 'Fetches an item',
  description: 'A connector for the CLI tests.',
  http: { baseUrl: process.env.API_BASE_URL, retry: { retries: 2, baseMs: 20 } },
  methods: (method) => ({
    get: method({ description: 'Fetch item 1', input: z.object({}), handler: async (_, ctx) => ctx.http.get('items/1') }),
  }),
});
`;

describe('connector call when the API fails in a way ctx.http retries', { timeout: 30_000 }, () => {
  let project: Fixture;
  let server: Server;
  let requests = 0;
  let unavailable = '';
  let refused = '';
  let held: RefusedPort | undefined;

  beforeAll(async () => {
    project = fixture({ 'dist/index.js': FETCHER });
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    unavailable = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // A port where connecting is refused, and that nothing can start listening on meanwhile.
    held = await refusedPort();
    refused = `http://127.0.0.1:${held.port}/`;
  });

  afterAll(async () => {
    await held?.release();
    project?.remove();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('prints the HTTP error with its code and exits 1 after the retries of a 503', async () => {
    const result = await connector(['call', 'get'], project.dir, { API_BASE_URL: unavailable });
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `error: GET ${unavailable}items/1 answered 503 Service Unavailable — body: down for maintenance (HTTP_ERROR)\n`,
    );
    expect(result.code).toBe(1);
    expect(requests).toBe(3);
  });

  it('prints the network error with its code and exits 1 when the port refuses connections', async () => {
    const result = await connector(['call', 'get'], project.dir, { API_BASE_URL: refused });
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^error: GET ${refused}items/1 failed before an answer: .*ECONNREFUSED.* \\(NETWORK_ERROR\\)\\n$`),
    );
    expect(result.code).toBe(1);
  });
});
