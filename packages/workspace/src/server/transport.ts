/**
 * The WebSocket upgrade at `/transport/` (§3): sub-protocol `connector` and the connector key
 * of a registered instance, or the upgrade is refused with a plain HTTP answer.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Feature, KEY_PROOF_HEADER, WEBSOCKET_SUBPROTOCOL } from '@connector-kit/sdk/protocol';
import { verifyKeyProof } from '@connector-kit/sdk/secrets';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { InstanceRecord, Store } from '../store/store.js';
import { instanceOfRequest } from './device.js';
import type { Hub } from './hub.js';
import { admission } from './trust.js';

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

type UpgradeOutcome = { instance: InstanceRecord } | { status: number; message: string };

/**
 * Who may open a socket: a registered, unrevoked instance admitted as at `/connect` (trust.ts),
 * with a valid proof of its private key when it negotiated key-proof (issue 13 finding 1).
 */
async function admitUpgrade(ctx: TransportContext, req: IncomingMessage): Promise<UpgradeOutcome> {
  const instance = await instanceOfRequest(ctx.store, req.headers.authorization);
  if (!instance) return { status: 401, message: 'the connector key is missing or unknown to this workspace: register first' };
  const admitted = await admission(ctx.store, instance, ctx.hub.featuresOf(instance.id).has(Feature.keyProof));
  if (!admitted.ok) return { status: 403, message: admitted.message };
  if (admitted.proof) {
    const proof = req.headers[KEY_PROOF_HEADER];
    const challenge = ctx.hub.takeChallenge(instance.id);
    if (challenge === undefined || typeof proof !== 'string' || !verifyKeyProof(instance.publicKey!, instance.id, challenge, proof)) {
      ctx.logger.warn(
        { connector: instance.connector, instance: instance.id, name: instance.name, proof: typeof proof === 'string' },
        'upgrade refused: no valid proof of the private key',
      );
      return {
        status: 403,
        message: `no valid ${KEY_PROOF_HEADER}: sign the challenge of the last POST /connect with the private key of the PUBLIC_KEY this instance registered with`,
      };
    }
    await ctx.store.requireProof(instance.connector);
    // A newer proven instance with an accepted key brings the connector's current manifest (issue 17 item 5).
    const accepted = await ctx.store.acceptedInstance(instance.connector);
    if (accepted === undefined || accepted.created < instance.created) await ctx.store.acceptManifest(instance.connector, instance.id);
  }
  return { instance };
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
    const admitted = async (): Promise<InstanceRecord | undefined> => {
      const outcome = await admitUpgrade(ctx, req);
      if (!('instance' in outcome)) {
        refuse(socket, outcome.status, outcome.message);
        return undefined;
      }
      // One connector key, one socket (hub.admit): a live holder keeps it, a dead one is replaced.
      const taken = await ctx.hub.admit(outcome.instance);
      if (!taken.admitted) {
        refuse(socket, 409, taken.message);
        return undefined;
      }
      return outcome.instance;
    };
    admitted().then(
      (instance) => {
        if (!instance) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore);
          // Revoked while its key was looked up: it gets the close a connected one got (1008).
          if (ctx.hub.isRevoked(instance.id)) return ws.close(1008, 'revoked');
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
