/**
 * A hand-written fake of the workspace's side of protocol.md §2 (HTTP connect/register/
 * disconnect) and §3 (the WebSocket), on 127.0.0.1 port 0. Unit tests of the connector-side
 * link and runtime use it; the cross-package suite runs against the real workspace instead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Packet } from '../../src/protocol/index.js';
import { refusedPort } from '../../../../test/support/ports.js';

/** One HTTP request the fake received. */
export interface Hit {
  path: string;
  authorization: string | undefined;
  userAgent: string | undefined;
  body: Record<string, unknown>;
}

/** Options of {@link FakeWorkspace.start}. */
export interface FakeWorkspaceOptions {
  /** The token `register` accepts. @default 'reg-token' */
  registrationToken?: string;
  /** Extensions answered to `connect` (§8). @default [] (a plain v1 workspace) */
  features?: string[];
  /** Answer pings automatically. @default true */
  autoPong?: boolean;
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
  /** The connector's name in the workspace, answered to `connect` as `instance.connector` (ours does). @default none (a v1 workspace need not) */
  workspaceName?: string;
}

/** The workspace side, scriptable from a test. */
export class FakeWorkspace {
  readonly hits: Hit[] = [];
  /** Connector keys `connect` and the socket accept. */
  readonly keys = new Set<string>();
  /** Every packet received on any socket, in order. */
  readonly received: Packet[] = [];
  /** Raw text frames received. */
  readonly frames: string[] = [];
  /** Sockets accepted, in order. */
  readonly sockets: WebSocket[] = [];
  /** Close codes seen by the workspace, one per closed socket. */
  readonly closes: number[] = [];
  /** Headers of each accepted upgrade. */
  readonly upgrades: Array<{ protocol: string; authorization: string | undefined }> = [];
  registrationToken: string;
  features: string[];
  workspaceName: string | undefined;
  /** When set, `connect` answers this status instead of the normal 200/401. */
  connectStatus: number | undefined;
  /** When set, `connect` waits for this promise before answering. */
  holdConnect: Promise<void> | undefined;
  /** Keys `connect` accepts but the socket upgrade refuses with 401. */
  readonly refusedOnSocket = new Set<string>();
  /** Close each socket right after it opens. */
  dropOnConnect = false;
  /** Leave socket upgrades unanswered (a black-holed path): the connector's handshake time-out must end them. */
  swallowUpgrades = false;
  /** Upgrades left unanswered so far. */
  swallowed = 0;
  /** Packets sent on each socket in the same tick it is accepted (they can arrive with the handshake). */
  greeting: Packet[] = [];
  /** Answer requests of these methods automatically (a → answer a). */
  readonly autoAnswer = new Map<string, (a: Record<string, unknown>) => unknown>();

  readonly #server: Server;
  readonly #wss: WebSocketServer;
  /** Sockets of swallowed upgrades, destroyed by stop(). */
  readonly #held = new Set<Duplex>();
  #port = 0;
  #nextKey = 0;
  #nextId = 0;

  private constructor(options: FakeWorkspaceOptions) {
    this.registrationToken = options.registrationToken ?? 'reg-token';
    this.features = options.features ?? [];
    this.workspaceName = options.workspaceName;
    this.#wss = new WebSocketServer({
      noServer: true,
      autoPong: options.autoPong ?? true,
      handleProtocols: (protocols) => (protocols.has('connector') ? 'connector' : false),
    });
    this.#server = createServer((req, res) => void this.#http(req, res));
    this.#server.on('upgrade', (req, socket, head) => {
      if (this.swallowUpgrades) {
        this.swallowed += 1;
        this.#held.add(socket);
        socket.on('error', () => undefined);
        return;
      }
      const auth = req.headers.authorization;
      const key = auth?.startsWith('Connector ') ? auth.slice('Connector '.length) : '';
      if (!req.url?.startsWith('/transport/') || !this.keys.has(key) || this.refusedOnSocket.has(key)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    });
  }

  /** Starts a fake on 127.0.0.1, port 0. */
  static async start(options: FakeWorkspaceOptions = {}): Promise<FakeWorkspace> {
    const fake = new FakeWorkspace(options);
    await new Promise<void>((resolve) => fake.#server.listen(options.port ?? 0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get port(): number {
    return this.#port;
  }

  get deviceEndpoint(): string {
    return `http://127.0.0.1:${this.#port}/`;
  }

  get websocketEndpoint(): string {
    return `ws://127.0.0.1:${this.#port}/transport/`;
  }

  /** The most recently accepted socket. */
  get socket(): WebSocket {
    const ws = this.sockets.at(-1);
    if (ws === undefined) throw new Error('no socket yet');
    return ws;
  }

  /** HTTP requests to `path` (`connect`, `register`, `disconnect`). */
  count(path: string): number {
    return this.hits.filter((h) => h.path === `/${path}`).length;
  }

  /** Sends packets as one frame on the latest socket. */
  send(packets: Array<Partial<Packet>>, ws: WebSocket = this.socket): void {
    ws.send(JSON.stringify({ p: packets }));
  }

  /** Sends a request (§4, workspace → connector) and resolves to the answer's `a`. */
  async request(m: string, a: Record<string, unknown> = {}, timeout = 5_000): Promise<Record<string, unknown>> {
    const c = `ws-${++this.#nextId}`;
    this.send([{ id: `w${this.#nextId}`, c, m, a }]);
    const answer = await this.waitForPacket((p) => p.c === c && p.m === undefined, timeout);
    const result = answer.a ?? {};
    // The connector answers requests with objects (§4 "Workspace → connector").
    if (typeof result !== 'object' || Array.isArray(result))
      throw new Error(`the answer to ${m} is not an object: ${JSON.stringify(result)}`);
    return result as Record<string, unknown>;
  }

  /** Waits for a received packet matching `predicate`. */
  waitForPacket(predicate: (p: Packet) => boolean, timeout = 5_000): Promise<Packet> {
    return vi.waitFor(
      () => {
        const found = this.received.find(predicate);
        if (found === undefined) throw new Error('no matching packet yet');
        return found;
      },
      { timeout, interval: 5 },
    );
  }

  /** Drops every socket without a close frame (like a crashed process). */
  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  async stop(): Promise<void> {
    for (const socket of this.#held) socket.destroy();
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    this.sockets.push(ws);
    if (this.greeting.length > 0) ws.send(JSON.stringify({ p: this.greeting }));
    this.upgrades.push({ protocol: ws.protocol, authorization: req.headers.authorization });
    ws.on('close', (code) => this.closes.push(code));
    ws.on('message', (data) => {
      const text = data.toString();
      this.frames.push(text);
      const frame = JSON.parse(text) as { p: Packet[] };
      for (const packet of frame.p) {
        this.received.push(packet);
        if (packet.m === undefined || packet.c === undefined) continue;
        const auto = this.autoAnswer.get(packet.m);
        if (auto !== undefined) this.send([{ id: `w${++this.#nextId}`, c: packet.c, a: auto(packet.a ?? {}) }], ws);
      }
    });
    if (this.dropOnConnect) ws.terminate();
  }

  async #http(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const hit: Hit = {
      path: req.url ?? '',
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
    this.hits.push(hit);
    const secret = hit.authorization?.startsWith('Connector ') ? hit.authorization.slice('Connector '.length) : '';
    const reply = (status: number, body?: unknown): void => {
      res.writeHead(status, { 'content-type': body === undefined ? 'text/plain' : 'application/json' });
      res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
    };
    switch (hit.path) {
      case '/connect':
        if (this.holdConnect !== undefined) await this.holdConnect;
        if (this.connectStatus !== undefined) return reply(this.connectStatus, 'workspace is having a moment');
        if (!this.keys.has(secret)) return reply(401);
        return reply(200, {
          instance: {
            id: 'i-1',
            name: 'test',
            connectorId: 'hello',
            ...(this.workspaceName === undefined ? {} : { connector: this.workspaceName }),
          },
          protocol: { version: 1, features: this.features },
        });
      case '/register': {
        if (secret !== this.registrationToken) return reply(401, 'unknown registration token');
        const key = `key-${++this.#nextKey}`;
        this.keys.add(key);
        return reply(200, { key });
      }
      case '/disconnect':
        return reply(200, {});
      default:
        return reply(404);
    }
  }
}

/**
 * A port nothing listens on (for "connection refused"), and nothing can start listening on for
 * the rest of the test file (test/support/ports.ts); `refusedPort` for one to listen on later.
 */
export async function closedPort(): Promise<number> {
  return (await refusedPort()).port;
}

/** A promise with its resolve function, for holding a handler or a response. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
