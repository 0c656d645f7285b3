/**
 * Deadlines and cancellation reach the handler (issue 13, finding 4; protocol.md §8 `deadlines`,
 * `cancellation`): a call made with `timeoutMs: 300` on a handler that needs 1.5 s is answered
 * TIMEOUT by the workspace, the query carried its deadline, the handler's ctx.signal aborts with
 * TIMEOUT, and the outside HTTP request the handler had in flight through ctx.http is aborted (the
 * outside server sees its client go before it answered). An HTTP client of the admin API that
 * gives up on its call has the call cancelled in the connector the same way (CANCELLED). Real
 * workspace, real connector runtime, real sockets on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, defineConnector, defineMethod, runConnector, z, type RunningConnector } from '@connector-kit/sdk';
import type { Workspace } from '@connector-kit/workspace';
import { admin, startTestWorkspace, tempDir } from './helpers.js';

/** How long the outside API takes to answer, and so the handler to finish. */
const API_DELAY_MS = 1_500;

/** An outside HTTP API that answers each request after API_DELAY_MS, and says how each one ended. */
async function startSlowApi(): Promise<{
  url: string;
  arrived: () => number;
  ends: Array<'answered' | 'aborted'>;
  close: () => Promise<void>;
}> {
  const ends: Array<'answered' | 'aborted'> = [];
  const timers = new Set<NodeJS.Timeout>();
  let arrived = 0;
  const server: Server = createServer((_req, res) => {
    arrived++;
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}');
    }, API_DELAY_MS);
    timers.add(timer);
    // 'close' before the answer went out: the client gave up on the request.
    res.on('close', () => {
      clearTimeout(timer);
      ends.push(res.writableFinished ? 'answered' : 'aborted');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrived: () => arrived,
    ends,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('deadlines and cancellation reach the handler (§8 deadlines, cancellation)', () => {
  const dir = tempDir('ck-deadlines-');
  let ws: Workspace | undefined;
  let running: RunningConnector | undefined;
  let api: Awaited<ReturnType<typeof startSlowApi>> | undefined;
  afterEach(async () => {
    await running?.stop();
    await ws?.close();
    await api?.close();
    running = ws = api = undefined;
  });
  afterAll(() => dir.remove());

  type Seen = { reason?: unknown; httpError?: unknown; finished?: boolean };

  /** The slow API, a workspace and a connector whose `fetchSlow` reads the API through ctx.http. */
  async function setUp(): Promise<{ workspace: Workspace; seen: Seen }> {
    api = await startSlowApi();
    ws = await startTestWorkspace(join(dir.path, `workspace-${Math.random().toString(36).slice(2, 8)}`));
    const workspace = ws;
    const added = await admin(workspace, 'POST', 'connectors', { name: 'deadline', connectorId: 'deadline' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);

    const seen: Seen = {};
    running = runConnector(
      defineConnector({
        id: 'deadline',
        name: 'Deadline',
        http: { baseUrl: api.url },
        methods: {
          fetchSlow: defineMethod({
            description: 'Reads the slow outside API (1.5 s)',
            input: z.object({}),
            handler: async (_input, ctx) => {
              ctx.signal.addEventListener('abort', () => (seen.reason = ctx.signal.reason), { once: true });
              try {
                const body = await ctx.http.get('slow');
                seen.finished = true;
                return { body };
              } catch (error) {
                seen.httpError = error;
                throw error;
              }
            },
          }),
        },
      }),
      {
        env: {
          DEVICE_ENDPOINT: workspace.deviceEndpoint,
          WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
          REGISTRATION_TOKEN: added.body.registrationToken as string,
          HOSTNAME: 'deadline-1',
        },
        logger: pino({ level: 'silent' }),
        handleSignals: false,
      },
    );
    await running.ready;
    // Both sides announced the extensions, so the workspace sends deadlines and cancels to this socket.
    await vi.waitFor(
      () => expect(workspace.hub.online('deadline')[0]?.features).toEqual(expect.arrayContaining(['deadlines', 'cancellation'])),
      {
        timeout: 30_000,
      },
    );
    expect([...running.runtime.link.features]).toEqual(expect.arrayContaining(['deadlines', 'cancellation']));

    return { workspace, seen };
  }

  it(
    'timeoutMs 300 on a 1.5 s handler: TIMEOUT to the caller, ctx.signal aborted with TIMEOUT, the outside HTTP request in flight aborted',
    { timeout: 60_000 },
    async () => {
      const { workspace, seen } = await setUp();

      const answer = await admin(workspace, 'POST', 'connectors/deadline/call', { method: 'fetchSlow', args: {}, timeoutMs: 300 });
      expect(answer.status, JSON.stringify(answer.body)).toBe(504);
      expect(answer.body.error.code).toBe('TIMEOUT');

      // The handler saw its signal abort with the deadline's TIMEOUT, and ctx.http failed with it.
      await vi.waitFor(() => expect(seen.reason).toBeDefined(), { timeout: 10_000 });
      expect(seen.reason).toBeInstanceOf(ConnectorError);
      expect(seen.reason).toMatchObject({ code: 'TIMEOUT' });
      await vi.waitFor(() => expect(seen.httpError).toBeDefined(), { timeout: 10_000 });
      expect(seen.httpError).toMatchObject({ code: 'TIMEOUT' });
      expect(seen.finished).toBeUndefined();

      // The outside API saw its one request end before it answered: the client aborted it.
      await vi.waitFor(() => expect(api!.ends).toEqual(['aborted']), { timeout: 10_000 });
      await vi.waitFor(() => expect(running!.runtime.inflight).toBe(0), { timeout: 10_000 });
      expect(workspace.hub.pendingCount).toBe(0);

      // The same connector still serves a call that has the time it needs.
      const served = await admin(workspace, 'POST', 'connectors/deadline/call', { method: 'fetchSlow', args: {}, timeoutMs: 30_000 });
      expect(served.status, JSON.stringify(served.body)).toBe(200);
      expect(api!.ends).toEqual(['aborted', 'answered']);
    },
  );

  it(
    'an HTTP client that gives up on its call: the handler sees CANCELLED and its outside HTTP request is aborted',
    { timeout: 60_000 },
    async () => {
      const { workspace, seen } = await setUp();
      const client = new AbortController();
      const call = fetch(`${workspace.url.replace(/\/$/, '')}/api/v1/connectors/deadline/call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${workspace.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'fetchSlow', args: {}, timeoutMs: 60_000 }),
        signal: client.signal,
      });
      // The handler's request reached the outside API: now the client gives up.
      await vi.waitFor(() => expect(api!.arrived()).toBe(1), { timeout: 30_000, interval: 5 });
      client.abort();
      await expect(call).rejects.toMatchObject({ name: 'AbortError' });

      await vi.waitFor(() => expect(seen.reason).toBeDefined(), { timeout: 10_000 });
      expect(seen.reason).toBeInstanceOf(ConnectorError);
      expect(seen.reason).toMatchObject({ code: 'CANCELLED' });
      await vi.waitFor(() => expect(seen.httpError).toMatchObject({ code: 'CANCELLED' }), { timeout: 10_000 });
      expect(seen.finished).toBeUndefined();
      await vi.waitFor(() => expect(api!.ends).toEqual(['aborted']), { timeout: 10_000 });
      await vi.waitFor(() => expect(running!.runtime.inflight).toBe(0), { timeout: 10_000 });
      expect(workspace.hub.pendingCount).toBe(0);
    },
  );
});
