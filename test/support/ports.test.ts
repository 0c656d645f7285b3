import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refusedPort, startOnFreePort } from './ports.js';

const connectError = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

const listenError = (port: number) =>
  new Promise<string>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve('listening')));
  });

describe('refusedPort', () => {
  it('refuses connections, and nothing can listen on it until it is released', async () => {
    const held = await refusedPort();
    expect(await connectError(held.port)).toBe('ECONNREFUSED');
    expect(await listenError(held.port)).toBe('EADDRINUSE');
    await held.release();
    expect(await listenError(held.port)).toBe('listening');
    await held.release(); // twice is harmless
  });
});

describe('startOnFreePort', () => {
  it('tries another port while the one it got was taken, and passes on other failures', async () => {
    const tried: number[] = [];
    const { port, started } = await startOnFreePort(
      async (p) => {
        tried.push(p);
        if (tried.length < 3) throw Object.assign(new Error('taken'), { code: 'EADDRINUSE' });
        return 'up';
      },
      (error) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE',
    );
    expect(started).toBe('up');
    expect(tried).toHaveLength(3);
    expect(port).toBe(tried[2]);

    await expect(
      startOnFreePort(
        () => Promise.reject(new Error('bad config')),
        () => false,
      ),
    ).rejects.toThrow('bad config');
    const taken = () => Promise.reject(Object.assign(new Error('always taken'), { code: 'EADDRINUSE' }));
    await expect(startOnFreePort(taken, () => true, 2)).rejects.toThrow('always taken');
  });
});
