/**
 * The WebSocket upgrade at `/transport/` (§3): sub-protocol `connector` and the connector key
 * of a registered instance, or the upgrade is refused with a plain HTTP answer.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WEBSOCKET_SUBPROTOCOL } from '@connector-kit/sdk/protocol';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Store } from '../store/store.js';
import { instanceOfRequest } from './device.js';
import type { Hub } from './hub.js';

/** Paths that accept the upgrade. */
const TRANSPORT_PATHS = new Set(['/transport/', '/transport']);

/** What the upgrade handler needs. */
export interface TransportContext {
  store: Store;
  hub: Hub;
  logger: Logger;
  /** Largest frame accepted; a bigger one closes the socket with 1009. */
  maxPayload: number;
}

/** Refuses an upgrade with an HTTP status and a JSON `{error}` body. */
function refuse(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** True when the request offers the `connector` sub-protocol (§3). */
function offersSubprotocol(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((p) => p.trim() === WEBSOCKET_SUBPROTOCOL);
}

/** Creates the handler for the HTTP server's `upgrade` event, and the `ws` server behind it. */
export function createUpgradeHandler(ctx: TransportContext): {
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  wss: WebSocketServer;
} {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: ctx.maxPayload,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WEBSOCKET_SUBPROTOCOL) ? WEBSOCKET_SUBPROTOCOL : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The socket may fail while the key is looked up; ws adds its own listener once it takes over.
    const ignore = (): void => {};
    socket.on('error', ignore);
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (!TRANSPORT_PATHS.has(path)) return refuse(socket, 404, `no WebSocket endpoint at ${path}: use /transport/`);
    if (!offersSubprotocol(req)) {
      return refuse(socket, 400, `the WebSocket sub-protocol must be "${WEBSOCKET_SUBPROTOCOL}"`);
    }
    instanceOfRequest(ctx.store, req.headers.authorization).then(
      (instance) => {
        if (!instance) return refuse(socket, 401, 'the connector key is missing or unknown to this workspace: register first');
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore);
          ctx.hub.attach(instance, ws);
        });
      },
      (error: unknown) => {
        ctx.logger.error({ err: (error as Error).message }, 'upgrade failed');
        refuse(socket, 500, 'the workspace could not check the connector key');
      },
    );
  };
  return { onUpgrade, wss };
}
