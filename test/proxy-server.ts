/**
 * A real HTTP proxy on 127.0.0.1 for tests (proxy-chain, the npm proxy server): CONNECT tunnels
 * and forwarded plain-HTTP requests, Basic credentials checked, and a log of what it let
 * through, which is what proves a connection went through it. The end-to-end twin of
 * packages/sdk/test/support/proxy-server.ts: each package's tests compile within their own folder.
 */
import { Server } from 'proxy-chain';

/** One connection the proxy was asked for. */
export interface ProxyHit {
  /** `CONNECT` for a tunnel, else the forwarded request's method. */
  method: string;
  /** `host:port` of a tunnel, or the absolute URL of a forwarded request. */
  target: string;
  username: string;
  /** Whether the credentials were accepted. */
  allowed: boolean;
}

/** A running proxy. */
export interface TestProxy {
  /** `http://user:password@127.0.0.1:port` with the accepted credentials (or without any when none are required). */
  url: string;
  /** The proxy's address without credentials. */
  address: string;
  port: number;
  /** Everything it was asked for, in order. */
  hits: ProxyHit[];
  /** URL with other credentials, e.g. a wrong password. */
  urlWith(username: string, password: string): string;
  close(): Promise<void>;
}

/** Starts a proxy that accepts only `credentials` (when given). */
export async function startTestProxy(credentials?: { username: string; password: string }): Promise<TestProxy> {
  const hits: ProxyHit[] = [];
  const server = new Server({
    port: 0,
    host: '127.0.0.1',
    verbose: false,
    prepareRequestFunction: ({ request, username, password, isHttp }) => {
      const allowed = credentials === undefined || (username === credentials.username && password === credentials.password);
      hits.push({ method: isHttp ? (request.method ?? '') : 'CONNECT', target: request.url ?? '', username, allowed });
      return { requestAuthentication: !allowed };
    },
  });
  await server.listen();
  const address = `http://127.0.0.1:${server.port}`;
  const urlWith = (username: string, password: string): string =>
    `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;
  return {
    url: credentials === undefined ? address : urlWith(credentials.username, credentials.password),
    address,
    port: server.port,
    hits,
    urlWith,
    close: () => server.close(true),
  };
}
