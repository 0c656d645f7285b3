/**
 * Pieces of the scaffolder end-to-end tests: the built `create-connector` binary, commands run
 * the way a person runs them, and a stand-in for the API that generated connectors call.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
import { run, start, type Finished, type Running } from './support/spawn.js';

export const CREATE_CLI = join(ROOT, 'packages/create-connector/dist/cli.js');
export const TARGETS = ['on-prem', 'cloud'] as const;
export const AUTH_KINDS = ['none', 'api-key', 'basic', 'oauth2'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** A minimal environment: what a person's shell has, without this test run's variables (and no colours to parse around). */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // NPM_CONFIG_GLOBALCONFIG: .ci/run sets it under Node 24 so npm keeps the machine's registry CA.
  // NODE_EXTRA_CA_CERTS: the machine's registry CA for pnpm and yarn, which do not read npm's config.
  const machine: Record<string, string> = {};
  for (const name of ['NPM_CONFIG_GLOBALCONFIG', 'NODE_EXTRA_CA_CERTS']) if (process.env[name]) machine[name] = process.env[name]!;
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...machine, ...extra };
}

/**
 * Runs `command args` in `cwd` to the end; a command that cannot be started (not installed)
 * ends with code -1 and the reason in `output`, so a test's message shows it.
 */
export function exec(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Finished> {
  return run(command, args, { cwd, env: userEnv(env) }).catch((error: Error) => ({
    code: -1,
    signal: null,
    stdout: '',
    stderr: error.message,
    output: error.message,
  }));
}

/** A long-running process (e.g. `npm start`) in its own process group: `stop` and `alive` act on the group. */
export type Background = Running;

/** Starts `command args` in `cwd`. */
export function background(command: string, args: readonly string[], cwd: string, env: Record<string, string>): Background {
  return start(command, args, { cwd, env: userEnv(env), group: true });
}

/** One request the stand-in API received. */
export interface ApiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The API the generated connectors call, on 127.0.0.1: items by id, and an OAuth token endpoint. */
export interface FakeApi {
  url: string;
  requests: ApiRequest[];
  close: () => Promise<void>;
}

/**
 * Starts the stand-in API: `GET …/items/:id` → `{id, name}`; `GET …/oauth/authorize` consents at
 * once (302 back to `redirect_uri` with `code-1` and the `state`); `POST …/oauth/token` → a bearer token.
 */
export async function startFakeApi(): Promise<FakeApi> {
  const requests: ApiRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const item = /\/items\/([^/]+)$/.exec(path);
      const json = (status: number, value: unknown): void =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const url = new URL(path, 'http://api.test');
      if (req.method === 'GET' && url.pathname.endsWith('/oauth/authorize')) {
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('code', 'code-1');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
      } else if (req.method === 'POST' && path.endsWith('/oauth/token'))
        json(200, { access_token: 'issued-token', refresh_token: 'refresh-1', token_type: 'Bearer', expires_in: 3600 });
      else if (req.method === 'GET' && item) json(200, { id: decodeURIComponent(item[1]!), name: `Item ${decodeURIComponent(item[1]!)}` });
      else json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * How each auth kind is set up against the stand-in API at `apiUrl`: env of the connector process
 * (`API_BASE_URL` is read by the generated `src/index.ts`), config values (the secret ones travel
 * encrypted), whether a person must connect an account (`workspace oauth connect`), and the
 * header the API must then see.
 */
export interface AuthCase {
  env: (apiUrl: string) => Record<string, string>;
  config: Record<string, string>;
  oauthConnect: boolean;
  header: [string, string] | undefined;
}

const apiEnv = (apiUrl: string): Record<string, string> => ({ API_BASE_URL: apiUrl });

export const AUTH_CASES: Record<AuthKind, AuthCase> = {
  none: { env: apiEnv, config: {}, oauthConnect: false, header: undefined },
  'api-key': { env: apiEnv, config: { apiKey: 'key-from-workspace' }, oauthConnect: false, header: ['x-api-key', 'key-from-workspace'] },
  basic: {
    env: apiEnv,
    config: { username: 'ada', password: 'pw-from-workspace' },
    oauthConnect: false,
    header: ['authorization', `Basic ${Buffer.from('ada:pw-from-workspace').toString('base64')}`],
  },
  // The template derives its OAuth URLs from API_BASE_URL; `configurableClient` adds clientId/clientSecret.
  oauth2: {
    env: apiEnv,
    config: { clientId: 'client-1', clientSecret: 'secret-from-workspace' },
    oauthConnect: true,
    header: ['authorization', 'Bearer issued-token'],
  },
};
