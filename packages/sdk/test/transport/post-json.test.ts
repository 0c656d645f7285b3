/**
 * The device endpoints' POST (transport/post-json.ts, used by DeviceApi for protocol.md §2)
 * against real HTTP servers on 127.0.0.1: redirects, time-outs, refused connections, big bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/index.js';
import { DeviceApi } from '../../src/transport/device-api.js';
import { postJson, RedirectRefused } from '../../src/transport/post-json.js';
import { closedPort } from '../support/fake-workspace.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A server answering with `handler`; `seen` lists every request it got. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

const post = (url: string, signal = AbortSignal.timeout(5_000)) =>
  postJson(new URL(url), {
    headers: { 'content-type': 'application/json', authorization: 'Connector secret-key' },
    body: '{"a":1}',
    signal,
  });

describe('postJson', () => {
  it('posts the body with its headers and returns status and body', async () => {
    const { url, seen } = await serve((_req, res, body) => res.end(`echo ${body}`));
    const answer = await post(`${url}connect`);
    expect(answer).toMatchObject({ status: 200, body: 'echo {"a":1}' });
    expect(seen).toEqual([{ method: 'POST', url: '/connect', authorization: 'Connector secret-key', body: '{"a":1}' }]);
  });

  it('follows a same-origin 307 and 308, keeping method, body and credentials', async () => {
    const { url, seen } = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(307, { location: '/older' }).end();
      else if (req.url === '/older') res.writeHead(308, { location: `${url}new` }).end();
      else res.end('here');
    });
    expect(await post(`${url}old`)).toMatchObject({ status: 200, body: 'here' });
    expect(seen.map((s) => [s.method, s.url, s.authorization, s.body])).toEqual([
      ['POST', '/old', 'Connector secret-key', '{"a":1}'],
      ['POST', '/older', 'Connector secret-key', '{"a":1}'],
      ['POST', '/new', 'Connector secret-key', '{"a":1}'],
    ]);
  });

  it('refuses a redirect to another origin without sending anything there', async () => {
    const other = await serve((_req, res) => res.end('stolen'));
    const { url } = await serve((_req, res) => res.writeHead(307, { location: `${other.url}connect` }).end());
    await expect(post(`${url}connect`)).rejects.toMatchObject({ name: 'RedirectRefused', status: 307, location: `${other.url}connect` });
    expect(other.seen).toEqual([]);
  });

  it('refuses a 302 (it would turn the POST into a GET) and a redirect loop', async () => {
    const { url } = await serve((req, res) =>
      res.writeHead(req.url === '/found' ? 302 : 307, { location: req.url === '/found' ? '/x' : '/loop' }).end(),
    );
    await expect(post(`${url}found`)).rejects.toBeInstanceOf(RedirectRefused);
    await expect(post(`${url}loop`)).rejects.toMatchObject({ status: 307 });
  });

  it('cuts an oversized body at maxBodyBytes', async () => {
    const { url } = await serve((_req, res) => res.end('x'.repeat(5000)));
    const answer = await postJson(new URL(url), { headers: {}, body: '', signal: AbortSignal.timeout(5_000), maxBodyBytes: 100 });
    expect(answer.body).toBe('x'.repeat(100));
  });

  it('rejects with the signal reason when it aborts, and with the socket error code when refused', async () => {
    const { url } = await serve(() => {
      /* never answers */
    });
    await expect(post(url, AbortSignal.timeout(50))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(post(`http://127.0.0.1:${await closedPort()}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(postJson(new URL('ftp://127.0.0.1/'), { headers: {}, body: '', signal: AbortSignal.timeout(50) })).rejects.toThrow(
      /ftp: URLs are not supported/,
    );
  });
});

describe('DeviceApi errors', () => {
  const api = (endpoint: string, timeoutMs = 5_000) =>
    new DeviceApi({ endpoint, connectorId: 'hello', version: '1.0.0', connectTimeoutMs: timeoutMs, registerTimeoutMs: timeoutMs });

  it('says where a cross-origin redirect points and what to set, as a permanent CONFIG_INVALID', async () => {
    const other = await serve((_req, res) => res.end('{}'));
    const { url } = await serve((_req, res) => res.writeHead(308, { location: other.url }).end());
    const error = (await api(url)
      .connect('secret-key', { version: 1, features: [] })
      .catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false });
    expect(error.message).toContain(other.url);
    expect(error.message).toContain('DEVICE_ENDPOINT');
    expect(error.message).not.toContain('secret-key');
  });

  it('reports a time-out and a refused connection as retryable WORKSPACE_UNAVAILABLE', async () => {
    const { url } = await serve(() => {
      /* never answers */
    });
    await expect(api(url, 50).connect('k', { version: 1, features: [] })).rejects.toMatchObject({
      code: 'WORKSPACE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('no answer within 50 ms'),
    });
    await expect(api(`http://127.0.0.1:${await closedPort()}/`).connect('k', { version: 1, features: [] })).rejects.toMatchObject({
      code: 'WORKSPACE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe('DeviceApi register refusals', () => {
  const body = {
    deployment: '',
    name: 'n',
    version: '1',
    id: 'hello',
    publicKey: null,
    schema: { configSchema: { fields: {} }, introspect: '' },
  };
  const answering = (status: number, text: string) =>
    serve((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: text } })));

  it('blames the token only on 401/403', async () => {
    const { url } = await answering(401, 'unknown registration token');
    const api = new DeviceApi({ endpoint: url, connectorId: 'hello', version: '1.0.0' });
    const error = (await api.register('t0ken-value', body).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toMatchObject({ code: 'REGISTRATION_REJECTED', retryable: false });
    expect(error.message).toContain('REGISTRATION_TOKEN was rejected');
    expect(error.message).not.toContain('t0ken-value');
  });

  it('says the request, not the token, was refused on another 4xx (413: a manifest over the limit)', async () => {
    const { url } = await answering(413, 'the register body is over 4194304 bytes');
    const api = new DeviceApi({ endpoint: url, connectorId: 'hello', version: '1.0.0' });
    const error = (await api.register('t0ken-value', body).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toMatchObject({ code: 'REGISTRATION_REJECTED', retryable: false });
    expect(error.message).toContain("refused this connector's registration (413");
    expect(error.message).toContain('over 4194304 bytes');
    expect(error.message).not.toContain('copy the token');
    expect(error.message).not.toContain('t0ken-value');
  });
});

describe('DeviceApi time-outs (issue 13 finding 3)', () => {
  it('sends POST /connect again on a fresh connection when the first goes unanswered, and takes that answer', async () => {
    const sockets = new Set<string>();
    let requests = 0;
    const { url } = await serve((req, res) => {
      sockets.add(`${req.socket.remoteAddress}:${req.socket.remotePort}`);
      // The first request went down a path that died: it never gets an answer.
      if (++requests === 1) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"protocol": {"version": 1, "features": []}}');
    });
    const api = new DeviceApi({ endpoint: url, connectorId: 'hello', version: '1.0.0', connectTimeoutMs: 5_000, connectHedgeMs: 100 });
    await expect(api.connect('k', { version: 1, features: [] })).resolves.toMatchObject({ ok: true });
    expect(requests).toBe(2);
    expect(sockets.size).toBe(2);
  });

  it('gives up on POST /connect after connectTimeoutMs, all tries together, and never hedges POST /register', async () => {
    const { url, seen } = await serve(() => {
      /* never answers */
    });
    const api = new DeviceApi({
      endpoint: url,
      connectorId: 'hello',
      version: '1.0.0',
      // The hedges go out at 50, 100 and 150 ms; the budget leaves a loaded machine ample time to
      // send all four before it runs out (the test counts what arrived, not when).
      connectTimeoutMs: 3_000,
      connectHedgeMs: 50,
      registerTimeoutMs: 1_000,
    });
    await expect(api.connect('k', { version: 1, features: [] })).rejects.toMatchObject({
      code: 'WORKSPACE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('no answer within 3000 ms'),
    });
    // The first try and three hedges (at most four tries).
    expect(seen.filter((s) => s.url === '/connect')).toHaveLength(4);
    const body = {
      deployment: '',
      name: 'n',
      version: '1',
      id: 'hello',
      publicKey: null,
      schema: { configSchema: { fields: {} }, introspect: '' },
    };
    await expect(api.register('token', body)).rejects.toMatchObject({
      code: 'WORKSPACE_UNAVAILABLE',
      message: expect.stringContaining('no answer within 1000 ms'),
    });
    // Every register makes an instance: one request only.
    expect(seen.filter((s) => s.url === '/register')).toHaveLength(1);
    // Both budgets run out in real time (3 s + 1 s): more than the project's 5 s default leaves on a loaded machine.
  }, 20_000);
});
