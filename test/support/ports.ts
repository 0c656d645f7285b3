/**
 * Ports without races. A test server listens on port 0 and reads the port it got; these are for
 * the two cases where that is not enough, in place of a `freePort()` that listens on 0, closes,
 * and hopes nobody takes the port before it is used again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A port on 127.0.0.1 that refuses connections for as long as it is held. */
export interface RefusedPort {
  port: number;
  /** Frees the port (closes the connection that holds it). */
  release: () => Promise<void>;
}

/**
 * A port on which connections are refused (ECONNREFUSED) until `release()`. The port is the local
 * end of a TCP connection this process keeps open: nothing listens there, and while the
 * connection lives no other socket can bind it (EADDRINUSE), so it cannot start answering.
 */
export async function refusedPort(): Promise<RefusedPort> {
  let accepted!: (socket: Socket) => void;
  const peer = new Promise<Socket>((resolve) => (accepted = resolve));
  const server: Server = createServer((socket) => accepted(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const serverSide = await peer;
  // Refuse new connections on the server's port too: only the held connection remains. Neither
  // end keeps the process alive: a port held to the end of a test file needs no release.
  server.close();
  client.unref();
  serverSide.unref();
  return {
    port: client.localPort!,
    release: async () => {
      if (client.destroyed) return;
      serverSide.destroy();
      await new Promise<void>((resolve) => client.once('close', () => resolve()).destroy());
      // 'close' comes before the kernel has finished with the socket (it may still be in
      // LAST_ACK, which keeps the port bound): return only once a listener can take the port.
      await untilBindable(client.localPort!);
    },
  };
}

/** Resolves once a server can listen on `port` of 127.0.0.1 (tried every 10 ms, for up to 10 s). */
async function untilBindable(port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const server = createServer();
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve).listen(port, '127.0.0.1', () => resolve(undefined));
    });
    if (error === undefined) return new Promise<void>((resolve) => server.close(() => resolve()));
    if (error.code !== 'EADDRINUSE' || attempt >= 1000) throw error;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port the kernel hands out for 127.0.0.1 right now (free at this moment only). */
async function ephemeralPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a server that must be given its port (PostgreSQL cannot listen on 0 and say which port
 * it got): `start(port)` with a port that was free a moment ago, and again with another while it
 * fails because something took the port in between (`portTaken(error, port)`).
 * @throws the last error of `start` when it fails otherwise, or when every attempt found its port taken
 */
export async function startOnFreePort<T>(
  start: (port: number) => Promise<T>,
  portTaken: (error: unknown, port: number) => boolean,
  attempts = 5,
): Promise<{ port: number; started: T }> {
  for (let attempt = 1; ; attempt++) {
    const port = await ephemeralPort();
    try {
      return { port, started: await start(port) };
    } catch (error) {
      if (attempt >= attempts || !portTaken(error, port)) throw error;
    }
  }
}
