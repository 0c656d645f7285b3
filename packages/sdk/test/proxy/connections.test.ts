/**
 * Every kind of outgoing connection through a real proxy (proxy-chain on 127.0.0.1) with
 * credentials: the device POSTs (forwarded), the WebSocket (CONNECT tunnel), `ctx.http`'s fetch
 * and the OAuth token requests; NO_PROXY; and what a proxy that refuses or is gone gives.
 */
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient } from '../../src/index.js';
import { ProxyError, resetProxyAgents } from '../../src/proxy/index.js';
import { DeviceApi } from '../../src/transport/device-api.js';
import { openSocket } from '../../src/transport/socket.js';
import { TokenEndpoint } from '../../src/auth/oauth2-endpoint.js';
import { oauth2 } from '../../src/auth/index.js';
import { systemTimers } from '../../src/transport/timers.js';
import { startApi, type TestApi } from '../support/api-server.js';
import { startTestProxy, type TestProxy } from '../support/proxy-server.js';
import { closedPort } from '../support/fake-workspace.js';
import { silentLogger } from '../support/logs.js';

const PASSWORD = 'pr0xy-Pa$$-7f3e';
let proxy: TestProxy;
let api: TestApi;
const cleanups: Array<() => unknown> = [];

beforeEach(async () => {
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'])
    vi.stubEnv(name, undefined);
  proxy = await startTestProxy({ username: 'ada', password: PASSWORD });
  api = await startApi((req) =>
    req.path.endsWith('/token')
      ? { body: { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 } }
      : { body: { path: req.path, viaProxy: req.headers['proxy-authorization'] !== undefined } },
  );
});
afterEach(async () => {
  vi.unstubAllEnvs();
  resetProxyAgents();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await api.close();
  await proxy.close();
});

/** Sets both variables: the device endpoint and the API here are plain http (HTTP_PROXY), the socket ws (HTTP_PROXY too). */
const useProxy = (url: string): void => {
  vi.stubEnv('HTTP_PROXY', url);
  vi.stubEnv('HTTPS_PROXY', url);
};
const device = (): DeviceApi => new DeviceApi({ endpoint: `${api.url}/`, connectorId: '7', version: '1.0.0' });
const announcement = { version: 1 as const, features: [] };

describe('DeviceApi through a proxy', () => {
  it('forwards the device requests through the proxy, with its credentials', async () => {
    useProxy(proxy.url);
    const result = await device().connect('key-1', announcement);
    expect(result.ok).toBe(true);
    expect(proxy.hits).toEqual([{ method: 'POST', target: `${api.url}/connect`, username: 'ada', allowed: true }]);
    // The proxy consumed its own header: the workspace never sees the proxy's credentials.
    expect(api.requests[0]!.headers['proxy-authorization']).toBeUndefined();
  });

  it('fails for good with PROXY_AUTH_FAILED naming the proxy, never its password, when the password is wrong', async () => {
    useProxy(proxy.urlWith('ada', 'wrong-pw-91c'));
    const error = (await device()
      .connect('key-1', announcement)
      .catch((e: unknown) => e)) as ProxyError;
    expect(error).toBeInstanceOf(ProxyError);
    expect(error).toMatchObject({ code: 'PROXY_AUTH_FAILED', proxy: proxy.address, status: 407, retryable: false });
    expect(error.message).toBe(
      `proxy ${proxy.address} (HTTP_PROXY) answered 407 for ${api.url}/connect (Proxy Authentication Required): ` +
        'it refused the user and password in HTTP_PROXY: correct them (percent-encode special characters, e.g. @ as %40)',
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('wrong-pw-91c');
    expect(api.requests).toHaveLength(0);
  });

  it('says the variable lacks credentials when the proxy wants some', async () => {
    useProxy(proxy.address);
    const error = (await device()
      .connect('key-1', announcement)
      .catch((e: unknown) => e)) as ProxyError;
    expect(error.message).toContain(`it wants credentials: set HTTP_PROXY to http://user:password@127.0.0.1:${proxy.port}`);
  });

  it('retries with PROXY_UNAVAILABLE when the proxy is not running', async () => {
    useProxy(`http://ada:${PASSWORD}@127.0.0.1:${await closedPort()}`);
    const error = (await device()
      .connect('key-1', announcement)
      .catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'PROXY_UNAVAILABLE', retryable: true });
    expect(error.message).toMatch(/^cannot reach .*\/connect through proxy http:\/\/127\.0\.0\.1:\d+ \(HTTP_PROXY\): connect ECONNREFUSED/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('connects directly to hosts in NO_PROXY', async () => {
    useProxy(proxy.url);
    vi.stubEnv('NO_PROXY', new URL(api.url).host);
    expect((await device().connect('key-1', announcement)).ok).toBe(true);
    expect(proxy.hits).toHaveLength(0);
    expect(api.requests).toHaveLength(1);
  });
});

describe('openSocket through a proxy', () => {
  const socketOptions = (url: string) => ({
    url,
    key: 'key-1',
    userAgent: '7/1.0.0',
    maxPayload: 1024,
    signal: new AbortController().signal,
  });

  async function wsServer(): Promise<string> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(resolve));
    });
    return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/transport/`;
  }

  it('tunnels the WebSocket with CONNECT', async () => {
    const url = await wsServer();
    useProxy(proxy.url);
    const { ws } = await openSocket(socketOptions(url));
    cleanups.push(() => ws.terminate());
    expect(proxy.hits).toEqual([{ method: 'CONNECT', target: new URL(url).host, username: 'ada', allowed: true }]);
  });

  it('tells a proxy 407 from a workspace refusal', async () => {
    const url = await wsServer();
    useProxy(proxy.urlWith('ada', 'nope'));
    const refused: Array<number | undefined> = [];
    const error = (await openSocket({ ...socketOptions(url), onRefused: (s) => refused.push(s) }).catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'PROXY_AUTH_FAILED', status: 407, retryable: false });
    expect(error.message).toContain(`for ${url} (Proxy Authentication Required)`);
    // The workspace did not refuse the key: the link must not forget it.
    expect(refused).toEqual([]);
  });
});

describe('ctx.http through a proxy', () => {
  it('forwards plain-HTTP requests through the proxy', async () => {
    useProxy(proxy.url);
    const data = await createHttpClient({ baseUrl: api.url }).get<{ path: string }>('/items/1');
    expect(data.path).toBe('/items/1');
    expect(proxy.hits).toEqual([{ method: 'GET', target: `${api.url}/items/1`, username: 'ada', allowed: true }]);
  });

  it('does not retry a 407: PROXY_AUTH_FAILED at once', async () => {
    useProxy(proxy.urlWith('ada', 'bad-7781'));
    const error = (await createHttpClient({ baseUrl: api.url, retry: { baseMs: 1, capMs: 2 } })
      .get('/items/1')
      .catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'PROXY_AUTH_FAILED', status: 407 });
    expect(error.message).toContain(`answered 407 for GET ${api.url}/items/1`);
    expect(error.message).not.toContain('bad-7781');
    expect(proxy.hits).toHaveLength(1);
  });

  it('retries, then fails with PROXY_UNAVAILABLE, when the proxy is gone', async () => {
    useProxy(`http://127.0.0.1:${await closedPort()}`);
    const error = await createHttpClient({ baseUrl: api.url, retry: { retries: 2, baseMs: 1, capMs: 2 } })
      .get('/items/1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROXY_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toMatch(/^cannot reach GET http:\/\/127\.0\.0\.1:\d+\/items\/1 through proxy/);
  });

  it('goes direct for NO_PROXY hosts, and through the proxy for the rest', async () => {
    useProxy(proxy.url);
    vi.stubEnv('no_proxy', new URL(api.url).host);
    const other = await startApi(() => ({ body: { other: true } }));
    cleanups.push(() => other.close());
    const http = createHttpClient();
    await http.get(`${api.url}/direct`);
    await http.get(`${other.url.replace('127.0.0.1', 'localhost')}/proxied`);
    expect(proxy.hits.map((h) => h.target)).toEqual([`${other.url.replace('127.0.0.1', 'localhost')}/proxied`]);
  });
});

describe('OAuth token requests through a proxy', () => {
  const endpoint = (): TokenEndpoint =>
    new TokenEndpoint(
      {
        clientId: 'client-1',
        clientSecret: 'client-secret-55',
        scope: '',
        authorizationUrl: undefined,
        tokenUrl: `${api.url}/oauth/token`,
      },
      oauth2({ grant: 'client_credentials', tokenUrl: `${api.url}/oauth/token`, tokenRetries: 0 }),
      { timers: systemTimers, random: () => 0, logger: silentLogger },
    );

  it('sends the token request through the proxy', async () => {
    useProxy(proxy.url);
    expect(await endpoint().clientCredentials()).toMatchObject({ access_token: 'at-1' });
    expect(proxy.hits).toEqual([{ method: 'POST', target: `${api.url}/oauth/token`, username: 'ada', allowed: true }]);
  });

  it('fails with PROXY_AUTH_FAILED, not AUTH_FAILED, when the proxy refuses the credentials', async () => {
    useProxy(proxy.urlWith('ada', 'not-it-4410'));
    const error = (await endpoint()
      .clientCredentials()
      .catch((e: unknown) => e)) as ProxyError;
    expect(error).toMatchObject({ code: 'PROXY_AUTH_FAILED', status: 407 });
    expect(error.message).toContain(`answered 407 for fetch a client credentials token at the token endpoint ${api.url}/oauth/token`);
    expect(error.message).not.toMatch(/not-it-4410|client-secret-55/);
  });
});
