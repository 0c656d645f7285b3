/**
 * A connector behind a real HTTP proxy (proxy-chain, started here) that wants credentials, as in
 * a corporate network: it registers, connects, answers a call, and its ctx.http and OAuth token
 * requests go through the proxy, which the proxy's own log proves. NO_PROXY bypasses it; a
 * wrong password is a clear error that never shows the password; a TLS-intercepting proxy's CA
 * is trusted through NODE_EXTRA_CA_CERTS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { admin, onlineInstances, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addOpsConnector, spawnOps, workspaceEnv } from './ops-helpers.js';
import { startFakeApi, type FakeApi } from './scaffold-helpers.js';
import { startTestProxy, type TestProxy } from './proxy-server.js';

const PASSWORD = 'Corp-Pr0xy-9d2b!';
const CLIENT_SECRET = 'client-secret-e2e-51aa';
const dir = tempDir('ck-proxy-');
let ws: Workspace;
let api: FakeApi;
let proxy: TestProxy;
const running: ConnectorProcess[] = [];

beforeAll(async () => {
  [ws, api, proxy] = await Promise.all([
    startTestWorkspace(join(dir.path, 'workspace')),
    startFakeApi(),
    startTestProxy({ username: 'ops', password: PASSWORD }),
  ]);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await ws?.close();
  await api?.close();
  await proxy?.close();
  dir.remove();
});

/** Starts the ops connector as `name`, its API and token endpoint under `${api.url}${name}/`. */
async function start(name: string, env: Record<string, string>): Promise<ConnectorProcess> {
  const token = await addOpsConnector(ws, name);
  const connector = spawnOps({
    ...workspaceEnv(ws, token, name),
    API_BASE_URL: `${api.url}${name}/`,
    OAUTH_TOKEN_URL: `${api.url}${name}/oauth/token`,
    OAUTH_CLIENT_ID: 'ops-client',
    OAUTH_CLIENT_SECRET: CLIENT_SECRET,
    ...env,
  });
  running.push(connector);
  return connector;
}

async function callItem(name: string, id: string, connector: ConnectorProcess): Promise<void> {
  await vi.waitFor(async () => expect(await onlineInstances(ws, name), connector.output()).toHaveLength(1), { timeout: 20_000 });
  await vi.waitFor(
    async () => {
      const call = await admin(ws, 'POST', `connectors/${name}/call`, { method: 'item', args: { id }, timeoutMs: 10_000 });
      expect(call.body, connector.output()).toEqual({ result: { id, name: `Item ${id}` } });
    },
    { timeout: 10_000, interval: 200 },
  );
}

describe('a connector behind a proxy with credentials', () => {
  it('registers, connects and serves a call; device requests, WebSocket, ctx.http and the token request all go through the proxy', async () => {
    const connector = await start('behind-proxy', { HTTP_PROXY: proxy.url });
    await callItem('behind-proxy', '42', connector);

    const workspace = new URL(ws.deviceEndpoint);
    const allowed = proxy.hits.filter((h) => h.allowed && h.username === 'ops');
    // The proxy's log: each kind of connection, with the operator's credentials.
    expect(allowed).toEqual(
      expect.arrayContaining([
        { method: 'POST', target: `${ws.deviceEndpoint}connect`, username: 'ops', allowed: true },
        { method: 'POST', target: `${ws.deviceEndpoint}register`, username: 'ops', allowed: true },
        { method: 'CONNECT', target: workspace.host, username: 'ops', allowed: true },
        { method: 'POST', target: `${api.url}behind-proxy/oauth/token`, username: 'ops', allowed: true },
        { method: 'GET', target: `${api.url}behind-proxy/items/42`, username: 'ops', allowed: true },
      ]),
    );
    // The API saw the token the (proxied) token request got, and never the proxy's credentials.
    const item = api.requests.find((r) => r.path === '/behind-proxy/items/42')!;
    expect(item.headers.authorization).toBe('Bearer issued-token');
    expect(item.headers['proxy-authorization']).toBeUndefined();
    expect(connector.output()).not.toContain(PASSWORD);
    expect(connector.output()).not.toContain(CLIENT_SECRET);
  });

  it('reaches hosts listed in NO_PROXY directly, and the rest through the proxy', async () => {
    const before = proxy.hits.length;
    const connector = await start('no-proxy', { HTTP_PROXY: proxy.url, NO_PROXY: new URL(api.url).host });
    await callItem('no-proxy', '7', connector);
    const hits = proxy.hits.slice(before).map((h) => h.target);
    expect(hits).toContain(`${ws.deviceEndpoint}connect`);
    expect(hits.some((t) => t.startsWith(api.url))).toBe(false);
    expect(api.requests.some((r) => r.path === '/no-proxy/items/7')).toBe(true);
  });

  it('stops with PROXY_AUTH_FAILED, naming the proxy and the variable, when the password is wrong', async () => {
    const wrong = 'Wrong-Pw-3c1f';
    const connector = await start('wrong-password', { HTTP_PROXY: proxy.urlWith('ops', wrong) });
    expect((await connector.exited).code).toBe(1);
    const output = connector.output();
    expect(output).toContain(
      `PROXY_AUTH_FAILED: proxy ${proxy.address} (HTTP_PROXY) answered 407 for ${ws.deviceEndpoint}connect (Proxy Authentication Required): it refused the user and password in HTTP_PROXY`,
    );
    expect(output).not.toContain(wrong);
    expect(await onlineInstances(ws, 'wrong-password')).toHaveLength(0);
  });
});

describe('a TLS-intercepting proxy', () => {
  // What a connector sees behind one: certificates signed by the company's CA, not a public one.
  let https: Server;
  let httpsUrl = '';
  let caFile = '';

  beforeAll(async () => {
    const certs = join(dir.path, 'certs');
    execFileSync('mkdir', ['-p', certs]);
    const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'ignore', 'pipe'] });
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Corp CA']);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'api.key', '-out', 'api.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl([
      'x509',
      '-req',
      '-in',
      'api.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'api.crt',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    ]);
    caFile = join(certs, 'ca.crt');
    https = createHttpsServer({ key: readFileSync(join(certs, 'api.key')), cert: readFileSync(join(certs, 'api.crt')) }, (req, res) => {
      const id = /\/items\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '?';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, name: `Item ${id}` }));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    httpsUrl = `https://127.0.0.1:${(https.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => (https ? https.close(() => resolve()) : resolve())));

  it('is trusted through NODE_EXTRA_CA_CERTS: the https call tunnels through the proxy and succeeds', async () => {
    const connector = await start('corp-ca', {
      HTTPS_PROXY: proxy.url,
      NODE_EXTRA_CA_CERTS: caFile,
      API_BASE_URL: httpsUrl,
      OAUTH_TOKEN_URL: '',
    });
    await callItem('corp-ca', '5', connector);
    expect(proxy.hits).toContainEqual({ method: 'CONNECT', target: new URL(httpsUrl).host, username: 'ops', allowed: true });
  });

  it('without it, the call fails with NETWORK_ERROR saying to set NODE_EXTRA_CA_CERTS', async () => {
    const connector = await start('no-corp-ca', { HTTPS_PROXY: proxy.url, API_BASE_URL: httpsUrl, OAUTH_TOKEN_URL: '' });
    await vi.waitFor(async () => expect(await onlineInstances(ws, 'no-corp-ca')).toHaveLength(1), { timeout: 20_000 });
    const call = await admin(ws, 'POST', 'connectors/no-corp-ca/call', { method: 'item', args: { id: '5' }, timeoutMs: 10_000 });
    expect(call.body.error, connector.output()).toMatchObject({ code: 'NETWORK_ERROR' });
    expect(call.body.error.message).toContain(
      `GET ${httpsUrl}items/5 (through proxy ${proxy.address} (HTTPS_PROXY)) failed before an answer`,
    );
    expect(call.body.error.message).toContain("put that CA's PEM file in NODE_EXTRA_CA_CERTS");
  });

  it('refuses to start when NODE_EXTRA_CA_CERTS names a file that is not there', async () => {
    const connector = await start('missing-ca', { NODE_EXTRA_CA_CERTS: join(dir.path, 'nope.pem'), OAUTH_TOKEN_URL: '' });
    expect((await connector.exited).code).toBe(1);
    expect(connector.output()).toContain(`NODE_EXTRA_CA_CERTS=${join(dir.path, 'nope.pem')} cannot be read (ENOENT)`);
  });
});
