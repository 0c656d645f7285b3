/**
 * An author's error mapping does in production what it does under the test harness (issue 19
 * item 1): a built connector whose handlers map `HttpError`s (`err instanceof HttpError`) to their
 * own codes, run through `connector call` and through `connector start` against a real workspace,
 * answers every caller with the codes and details the harness gives. Twice: on the project's own
 * SDK (one copy of each class), and on a project whose SDK is another version, which the CLI runs
 * on its own bundled copy, so the handler's `HttpError` and the runtime's are two classes and only
 * their brands make `instanceof` hold.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import type { Connector } from '@connector-kit/sdk';
import type { createTestHarness as CreateTestHarness } from '@connector-kit/sdk/testing';
import {
  CONNECTOR_CLI,
  CONNECTOR_STATE_DIR,
  ROOT,
  admin,
  onlineInstances,
  startConnector,
  startTestWorkspace,
  tempDir,
  type ConnectorProcess,
} from './helpers.js';
import { runNode } from './support/spawn.js';

const SDK_DIR = join(ROOT, 'packages/sdk');

/** The built connector (what `connector build` writes to dist/index.js): its mapping is the author's. */
const CONNECTOR_SOURCE = `
import { ConnectorError, HttpError, defineConnector, defineMethod, field, z } from '@connector-kit/sdk';

/** The author's mapping: the provider's answers as codes a caller can act on. */
function mapped(error) {
  if (error instanceof HttpError && error.status === 404) {
    return new ConnectorError('NOT_FOUND', 'no such item', { details: { status: error.status } });
  }
  if (error instanceof HttpError && error.status === 422) {
    return new ConnectorError('VALIDATION_FAILED', 'the provider refused the item', { details: { fields: JSON.parse(error.body).errors } });
  }
  return error;
}

export default defineConnector({
  name: 'Error mapping',
  config: { apiUrl: field.line({ label: 'API URL', plain: true }) },
  http: { baseUrl: ({ config }) => config.apiUrl },
  methods: {
    'items.get': defineMethod({
      description: 'One item',
      input: z.object({ id: z.string() }),
      output: z.object({ id: z.string(), name: z.string() }),
      handler: ({ id }, ctx) => ctx.http.get('/items/' + id).catch((e) => { throw mapped(e); }),
    }),
    'items.create': defineMethod({
      description: 'A new item',
      input: z.object({ email: z.string() }),
      output: z.object({ id: z.string() }),
      handler: (input, ctx) => ctx.http.post('/items', { json: input }).catch((e) => { throw mapped(e); }),
    }),
    probe: defineMethod({
      description: 'What a failed request throws, as the handler sees it',
      input: z.object({}),
      output: z.object({ isHttpError: z.boolean(), isConnectorError: z.boolean(), status: z.number() }),
      handler: async (_input, ctx) => {
        try {
          await ctx.http.get('/items/missing');
          throw new Error('the request did not fail');
        } catch (e) {
          return { isHttpError: e instanceof HttpError, isConnectorError: e instanceof ConnectorError, status: e.status };
        }
      },
    }),
  },
});
`;

/** The provider's 422 body lists these; the mapping passes them on as `details.fields`. */
const FIELD_ERRORS = [
  { field: 'email', message: 'is not an email address' },
  { field: 'name', message: 'is required' },
];

/** The calls, and what the author's mapping must make of each (the harness is checked against it too). */
const CASES: Array<{ method: string; input: Record<string, unknown>; expected: { code: string; details: unknown } | { result: unknown } }> =
  [
    { method: 'items.get', input: { id: 'a1' }, expected: { result: { id: 'a1', name: 'Ada' } } },
    { method: 'items.get', input: { id: 'zz' }, expected: { code: 'NOT_FOUND', details: { status: 404 } } },
    {
      method: 'items.create',
      input: { email: 'not-an-email' },
      expected: {
        code: 'VALIDATION_FAILED',
        details: {
          fields: [
            { field: 'email', message: 'is not an email address' },
            { field: 'name', message: 'is required' },
          ],
        },
      },
    },
    { method: 'probe', input: {}, expected: { result: { isHttpError: true, isConnectorError: true, status: 404 } } },
  ];

/** A provider API: item a1 exists, others are 404, every create is refused with field errors. */
async function startApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET' && req.url === '/items/a1') {
      res.end(JSON.stringify({ id: 'a1', name: 'Ada' }));
    } else if (req.method === 'POST' && req.url === '/items') {
      res.statusCode = 422;
      res.end(JSON.stringify({ errors: FIELD_ERRORS }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: 'not_found' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * A built connector project. `sdk: 'own'` installs this repository's SDK (the version of the
 * CLI); `sdk: 'other-version'` installs a copy of it with another minor version, which the CLI
 * does not run on.
 */
function makeProject(dir: string, name: string, sdk: 'own' | 'other-version'): void {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', type: 'module', connectorId: 'error-mapping', main: './dist/index.js' }),
  );
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist/index.js'), CONNECTOR_SOURCE);
  mkdirSync(join(dir, 'node_modules/@connector-kit'), { recursive: true });
  const target = join(dir, 'node_modules/@connector-kit/sdk');
  if (sdk === 'own') {
    symlinkSync(SDK_DIR, target, 'dir');
    return;
  }
  const pkg = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const [major, minor] = pkg.version.split('.').map(Number) as [number, number];
  mkdirSync(target);
  cpSync(join(SDK_DIR, 'dist'), join(target, 'dist'), { recursive: true });
  writeFileSync(join(target, 'package.json'), JSON.stringify({ ...pkg, version: `${major}.${minor + 1}.0` }));
  // The copy's dependencies beside it, as an install puts them.
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = join(dir, 'node_modules', dep);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), link, 'dir');
  }
}

type Outcome = { code: string; details: unknown } | { result: unknown };

/** The call through `connector call` in the project: its result, or the code and details it printed. */
async function viaConnectorCall(dir: string, apiUrl: string, method: string, input: unknown): Promise<Outcome & { stderr: string }> {
  const out = await runNode(CONNECTOR_CLI, ['call', method, JSON.stringify(input), '--config', `apiUrl=${apiUrl}`], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CONNECTOR_STATE_DIR },
  });
  if (out.code === 0) return { result: JSON.parse(out.stdout), stderr: out.stderr };
  // `error: <message> (CODE)`, then the details as JSON.
  const lines = out.stderr.split('\n');
  const at = lines.findIndex((line) => line.startsWith('error: '));
  expect(at, out.stderr).toBeGreaterThanOrEqual(0);
  const code = /\(([A-Z_]+)\)$/.exec(lines[at]!)?.[1];
  const rest = lines
    .slice(at + 1)
    .join('\n')
    .trim();
  return { code: code ?? `unparsed: ${lines[at]}`, details: rest === '' ? undefined : JSON.parse(rest), stderr: out.stderr };
}

describe.each(['own', 'other-version'] as const)("an author's error mapping on the project's %s SDK", (sdk) => {
  const dir = tempDir('ck-error-identity-');
  const name = `error-mapping-${sdk}`;
  let api: { url: string; server: Server };
  let harness: ReturnType<typeof CreateTestHarness>;
  let ws: Workspace;
  let connector: ConnectorProcess;

  beforeAll(async () => {
    api = await startApi();
    makeProject(dir.path, name, sdk);
    // The harness as the author's tests run it: the project's SDK, the project's connector.
    const sdkEntry = (file: string) => pathToFileURL(join(dir.path, 'node_modules/@connector-kit/sdk/dist', file)).href;
    const { createTestHarness } = (await import(sdkEntry('testing/index.js'))) as { createTestHarness: typeof CreateTestHarness };
    const { default: built } = (await import(pathToFileURL(join(dir.path, 'dist/index.js')).href)) as { default: Connector };
    harness = createTestHarness(built, { config: { apiUrl: api.url } as never });
    await harness.start();
  });

  afterAll(async () => {
    await harness?.stop();
    await connector?.stop();
    await ws?.close();
    await new Promise((resolve) => api?.server.close(resolve));
    dir.remove();
  });

  it.each(CASES)('$method $input: the harness answers with what the mapping says', async ({ method, input, expected }) => {
    const outcome = await harness.query(method, input);
    expect(outcome.ok ? { result: outcome.result } : { code: outcome.error.code, details: outcome.error.details }).toEqual(expected);
  });

  it('connector call answers every case as the harness does', async () => {
    for (const { method, input, expected } of CASES) {
      const { stderr, ...outcome } = await viaConnectorCall(dir.path, api.url, method, input);
      expect(outcome, `${method} ${JSON.stringify(input)}: ${stderr}`).toEqual(expected);
      // Only the other version runs on the CLI's copy, and says so.
      expect(stderr.includes("running on the CLI's copy"), stderr).toBe(sdk === 'other-version');
    }
  });

  it('connector start answers the workspace’s callers as the harness does', async () => {
    ws = await startTestWorkspace(join(dir.path, 'workspace'));
    const added = await admin(ws, 'POST', 'connectors', { name, connectorId: 'error-mapping' });
    expect(added.status).toBe(201);
    connector = startConnector(dir.path, ws, { REGISTRATION_TOKEN: added.body.registrationToken, HOSTNAME: `${name}-e2e` });
    await vi.waitFor(async () => expect(await onlineInstances(ws, name)).toHaveLength(1), { timeout: 30_000, interval: 100 });
    // The workspace takes config once it knows the connector's fields, from its first connect.
    const set = await admin(ws, 'PUT', `connectors/${name}/config`, { values: { apiUrl: api.url } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const call = async (method: string, input: unknown): Promise<{ outcome: Outcome; body: unknown }> => {
      const { body } = await admin(ws, 'POST', `connectors/${name}/call`, { method, args: input, timeoutMs: 10_000 });
      return { outcome: body.error === undefined ? { result: body.result } : { code: body.error.code, details: body.error.details }, body };
    };
    // The config reaches the connector a moment later: until then a call fails on the missing apiUrl.
    await vi.waitFor(async () => expect((await call('items.get', { id: 'a1' })).outcome).toEqual(CASES[0]!.expected), {
      timeout: 10_000,
      interval: 200,
    });
    for (const { method, input, expected } of CASES) {
      const { outcome, body } = await call(method, input);
      expect(outcome, `${method} ${JSON.stringify(input)}: ${JSON.stringify(body)}\n${connector.output()}`).toEqual(expected);
    }
    expect(connector.stderr().includes("running on the CLI's copy")).toBe(sdk === 'other-version');
  });
});
