/**
 * The raw baseline's "workspace": a bare `ws` server in the bench process, talking to
 * raw-connector.mjs children in the protocol's frame shapes (§3): one frame per call,
 * `{"p":[{"id","c","m":"connector.query","a":{"query","variables"}}]}` out and
 * `{"p":[{"id","c","a":{…}}]}` back. Same topology as ours: server here, connector in a child.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, WebSocket } from 'ws';
import { spawnNode } from './child.mjs';

const RAW_CONNECTOR = fileURLToPath(new URL('../raw-connector.mjs', import.meta.url));

/** Starts the raw server; connectors are told apart by `?name=` in their URL. */
export async function startRawSide({ nodeOptions = [] } = {}) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 8 * 1024 * 1024 });
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${server.address().port}/`;
  const sockets = new Map();
  let nextId = 0;

  server.on('connection', (socket, req) => {
    const name = new URL(req.url ?? '/', url).searchParams.get('name') ?? 'main';
    const pending = new Map();
    sockets.set(name, { socket, pending });
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      for (const packet of frame.p) {
        const waiting = pending.get(packet.c);
        if (waiting === undefined) continue;
        pending.delete(packet.c);
        if (packet.a?.error !== undefined) waiting.reject(new Error(packet.a.error));
        else waiting.resolve(packet.a);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (sockets.get(name)?.socket === socket) sockets.delete(name);
      for (const waiting of pending.values()) waiting.reject(new Error('connection lost'));
      pending.clear();
    });
  });

  const callOn = (name) => (method, variables) => {
    const entry = sockets.get(name);
    if (entry === undefined || entry.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error(`raw connector "${name}" is offline`));
    }
    const id = String(++nextId);
    const c = `c${id}`;
    return new Promise((resolve, reject) => {
      entry.pending.set(c, { resolve, reject });
      entry.socket.send(JSON.stringify({ p: [{ id, c, m: 'connector.query', a: { query: method, variables } }] }));
    });
  };

  const spawnConnector = (name, env = {}) =>
    spawnNode([RAW_CONNECTOR, `${url}?name=${encodeURIComponent(name)}`], { cwd: process.cwd(), env, nodeOptions });

  const main = spawnConnector('main');
  let starts = 0;

  return {
    name: 'raw',
    /** Calls the long-running connector. */
    call: callOn('main'),
    /** Pid of the long-running connector process. */
    pid: main.pid,
    /** Server-side `terminate()` of the long-running connector's socket. */
    killSocket() {
      const entry = sockets.get('main');
      if (entry === undefined) throw new Error('raw connector is not connected');
      entry.socket.terminate();
    },
    /**
     * Spawns a fresh connector process; `call` fails until it serves. `preload` (module names)
     * are imported first, unused: the floor of a runtime built on them.
     */
    startConnector(preload = []) {
      const name = `start-${++starts}`;
      const child = spawnConnector(name, preload.length > 0 ? { RAW_PRELOAD: preload.join(',') } : {});
      return {
        call: callOn(name),
        pid: child.pid,
        stop: async () => {
          await child.stop();
          // The server side sees the close a moment later; wait so runs do not overlap.
          while (sockets.has(name)) await new Promise((resolve) => setTimeout(resolve, 2));
        },
      };
    },
    output: main.output,
    async close() {
      await main.stop();
      for (const { socket } of sockets.values()) socket.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
