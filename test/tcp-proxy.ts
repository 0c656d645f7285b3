/**
 * A TCP proxy on 127.0.0.1 for fault injection (reliability.md: "a local TCP proxy that stalls
 * or cuts traffic"):
 * - `cut()` resets every connection through it at once, as a crashed or restarted workspace
 *   would look to a connector;
 * - `blackhole()` / `heal()` model a network that silently drops everything for a while, as a
 *   failed-over load balancer or a NAT that lost its state does. While black-holed no byte
 *   crosses, in either direction, and nobody is told: no RST, no FIN. New connections are
 *   accepted (their handshake "retransmits") and their bytes held; on `heal()` they go through.
 *   Connections that were open when the black hole began stay black holes after it (the path
 *   lost their state: their packets keep vanishing) until their ends give up on them.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections open now (each pair counts once). */
  readonly open: number;
  /** Connections opened during the current black hole, waiting for heal(). */
  readonly held: number;
  /** Resets every open connection (RST, no close frame, no FIN). */
  cut(): void;
  /** Starts a black hole now (see the module comment). */
  blackhole(): void;
  /** Starts a black hole when a client sends bytes containing `marker` (that chunk is the first one lost). */
  blackholeWhen(marker: string): Promise<void>;
  /** Ends the black hole: connections opened during it go through; older ones stay dead. */
  heal(): void;
  close(): Promise<void>;
}

/** A client connection and its upstream one. */
interface Pair {
  client: Socket;
  upstream: Socket;
  /** open: bytes flow; held: bytes wait for heal(); dead: bytes are dropped. */
  state: 'open' | 'held' | 'dead';
  /** Bytes waiting in each direction while held. */
  held: Array<{ to: Socket; chunk: Buffer }>;
  /** Ends that closed while the pair did not pass traffic: told to the other end on heal. */
  closed: Set<Socket>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let holed = false;
  let trigger: { marker: string; fire: () => void } | undefined;

  const startHole = (): void => {
    holed = true;
    for (const pair of pairs) if (pair.state === 'open') pair.state = 'dead';
  };
  const destroy = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };
  const forward = (pair: Pair, from: Socket, to: Socket) => (chunk: Buffer) => {
    if (from === pair.client && trigger !== undefined && chunk.includes(trigger.marker)) {
      const { fire } = trigger;
      trigger = undefined;
      startHole();
      fire();
    }
    if (pair.state === 'dead') return;
    if (pair.state === 'held') return void pair.held.push({ to, chunk });
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  const onEnd = (pair: Pair, side: Socket) => () => {
    // A close crosses only a path that passes traffic; otherwise it waits for heal() (or is lost).
    if (pair.state === 'open') return destroy(pair);
    pair.closed.add(side);
    if (pair.closed.size === 2) destroy(pair);
  };

  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair: Pair = { client, upstream, state: holed ? 'held' : 'open', held: [], closed: new Set() };
    pairs.add(pair);
    client.on('data', forward(pair, client, upstream));
    upstream.on('data', forward(pair, upstream, client));
    client.on('error', onEnd(pair, client)).on('close', onEnd(pair, client));
    upstream.on('error', onEnd(pair, upstream)).on('close', onEnd(pair, upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get open() {
      return pairs.size;
    },
    get held() {
      return [...pairs].filter((p) => p.state === 'held').length;
    },
    cut() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
    },
    blackhole: startHole,
    blackholeWhen(marker) {
      return new Promise<void>((resolve) => {
        trigger = { marker, fire: resolve };
      });
    },
    heal() {
      holed = false;
      for (const pair of pairs) {
        if (pair.state !== 'held') continue;
        pair.state = 'open';
        for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
        // An end that gave up meanwhile: its bytes are delivered, then its close (FIN).
        if (pair.closed.size > 0) {
          pairs.delete(pair);
          pair.client.end();
          pair.upstream.end();
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) destroy(pair);
        server.close(() => resolve());
      }),
  };
}
