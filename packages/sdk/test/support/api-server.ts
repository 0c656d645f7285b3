/**
 * A scriptable HTTP server on 127.0.0.1 port 0 standing in for an outside API or a token
 * endpoint: it records every request and answers with whatever the test's handler returns.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a handler answers. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
  /** Destroy the socket instead of answering. */
  hangUp?: boolean;
}

export type Handler = (req: Received) => Reply | Promise<Reply>;

export interface TestApi {
  url: string;
  requests: Received[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startApi(handler: Handler): Promise<TestApi> {
  const api = { requests: [] as Received[], handler } as TestApi;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const received: Received = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      api.requests.push(received);
      Promise.resolve(api.handler(received)).then(
        (reply) => {
          if (reply.hangUp) return void req.socket.destroy();
          const isText = typeof reply.body === 'string';
          const text = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
          res.writeHead(reply.status ?? 200, {
            ...(reply.body === undefined || isText ? {} : { 'content-type': 'application/json' }),
            ...reply.headers,
          });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return api;
}
