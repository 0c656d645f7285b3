/**
 * A small HTTP server for the operator's endpoints (metrics, health): bound to 127.0.0.1 unless
 * the operator widens it, started before the connector connects, failing loudly when the port is
 * taken (an orchestrator probing a port that some other process owns would be misled).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../errors.js';

/** A bound server. */
export interface ListeningServer {
  /** `http://host:port/`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `host:port`; `variable` names the setting in errors.
 * @throws ConnectorError `LISTEN_FAILED` when the address cannot be bound
 */
export function listen(
  variable: string,
  port: number,
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handle(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  // Probes and scrapers keep connections open: they must not hold the process at exit.
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ConnectorError(
          'LISTEN_FAILED',
          `${variable}=${port} cannot be served on ${host} (${error.code ?? error.message}): ` +
            (error.code === 'EADDRINUSE' ? 'another process uses that port; choose another' : 'check the address and port'),
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${bound}/`,
        port: bound,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
