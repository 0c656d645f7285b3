/**
 * Progress notices of long calls (issue 13, "deadlines, cancellation, progress"; protocol.md §8
 * `progress`): a handler that reports progress while it runs past its `timeoutMs` completes,
 * because each notice moves the call's deadline (at the workspace and in the connector); its
 * notices show in the admin API (the calls in flight, the activity feed); a handler that reports
 * nothing still times out; and an ALOMA-style v1 connector (raw ws, nothing negotiated) gets
 * exactly v1 queries, and a notice it sends anyway moves nothing. Real workspace, real connector
 * runtime, real sockets on 127.0.0.1.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, defineConnector, defineMethod, runConnector, z, type RunningConnector } from '@connector-kit/sdk';
import type { Workspace } from '@connector-kit/workspace';
import { admin, startTestWorkspace, tempDir } from './helpers.js';

/** Steps of the long handlers, and how long each takes: 2.5 s in all, well past their 1 s timeout. */
const STEPS = 10;
const STEP_MS = 250;
const TIMEOUT_MS = 1_000;

type Packet = { id?: unknown; c?: unknown; m?: unknown; a?: Record<string, unknown> };

describe('progress notices of long calls (§8 progress)', () => {
  const dir = tempDir('ck-progress-');
  let ws: Workspace | undefined;
  let running: RunningConnector | undefined;
  let socket: WebSocket | undefined;
  afterEach(async () => {
    socket?.close();
    await running?.stop();
    await ws?.close();
    running = ws = socket = undefined;
  });
  afterAll(() => dir.remove());

  async function freshWorkspace(): Promise<Workspace> {
    ws = await startTestWorkspace(join(dir.path, `workspace-${Math.random().toString(36).slice(2, 8)}`));
    return ws;
  }

  /** A workspace and a connector whose `importAll` reports each step and `crunch` reports nothing. */
  async function setUp(): Promise<{ workspace: Workspace; silent: { reason?: unknown; finished?: boolean } }> {
    const workspace = await freshWorkspace();
    const added = await admin(workspace, 'POST', 'connectors', { name: 'importer', connectorId: 'importer' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const silent: { reason?: unknown; finished?: boolean } = {};
    running = runConnector(
      defineConnector({
        id: 'importer',
        name: 'Importer',
        methods: {
          importAll: defineMethod({
            description: 'Imports page after page, reporting each',
            input: z.object({}),
            handler: async (_input, ctx) => {
              ctx.progress({ message: 'importing contacts', total: STEPS });
              for (let page = 1; page <= STEPS; page++) {
                await sleep(STEP_MS, undefined, { signal: ctx.signal });
                ctx.progress({ done: page });
              }
              return { imported: STEPS };
            },
          }),
          crunch: defineMethod({
            description: 'Works as long, reporting nothing',
            input: z.object({}),
            handler: async (_input, ctx) => {
              ctx.signal.addEventListener('abort', () => (silent.reason = ctx.signal.reason), { once: true });
              await sleep(STEPS * STEP_MS, undefined, { signal: ctx.signal });
              silent.finished = true;
              return { crunched: true };
            },
          }),
        },
      }),
      {
        env: {
          DEVICE_ENDPOINT: workspace.deviceEndpoint,
          WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
          REGISTRATION_TOKEN: added.body.registrationToken as string,
          HOSTNAME: 'importer-1',
        },
        logger: pino({ level: 'silent' }),
        handleSignals: false,
      },
    );
    await running.ready;
    await vi.waitFor(
      () => expect(workspace.hub.online('importer')[0]?.features).toEqual(expect.arrayContaining(['deadlines', 'progress'])),
      { timeout: 30_000 },
    );
    expect([...running.runtime.link.features]).toEqual(expect.arrayContaining(['deadlines', 'progress']));
    return { workspace, silent };
  }

  it(
    'a handler that reports progress runs 2.5 s on a 1 s timeout and completes; its notices show in the admin API',
    { timeout: 60_000 },
    async () => {
      const { workspace } = await setUp();
      const call = admin(workspace, 'POST', 'connectors/importer/call', { method: 'importAll', args: {}, timeoutMs: TIMEOUT_MS });

      // While it runs: the call in flight, with its progress and a deadline the notices moved.
      const inFlight = await vi.waitFor(
        async () => {
          const listed = await admin(workspace, 'GET', 'connectors/importer/calls');
          expect(listed.status).toBe(200);
          const [first] = listed.body.calls as Array<Record<string, any>>;
          expect(first?.progress?.done).toBeGreaterThanOrEqual(2);
          return first!;
        },
        { timeout: 20_000, interval: 50 },
      );
      expect(inFlight).toMatchObject({
        method: 'importAll',
        name: 'importer-1',
        timeoutMs: TIMEOUT_MS,
        maxMs: 3_600_000,
        progress: { message: 'importing contacts', total: STEPS },
      });
      expect(Date.parse(inFlight.deadline) - Date.parse(inFlight.started)).toBeGreaterThan(TIMEOUT_MS);

      const answer = await call;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toEqual({ result: { imported: STEPS } });
      expect(workspace.hub.pendingCount).toBe(0);
      expect((await admin(workspace, 'GET', 'connectors/importer/calls')).body).toEqual({ calls: [] });

      // The feed: progress events of the call, then the call with its last progress.
      const feed = await admin(workspace, 'GET', 'connectors/importer/activity?tail=100&follow=false');
      const events = (feed.body.events as Array<Record<string, any>>).filter((e) => e.type !== 'instance' && e.type !== 'health');
      const progress = events.filter((e) => e.type === 'progress');
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress[0]).toMatchObject({
        connector: 'importer',
        method: 'importAll',
        call: inFlight.id,
        name: 'importer-1',
        message: 'importing contacts',
        total: STEPS,
        notices: 1,
      });
      expect(events.at(-1)).toMatchObject({
        type: 'call',
        method: 'importAll',
        ok: true,
        call: inFlight.id,
        progress: { message: 'importing contacts', total: STEPS },
      });
      // Coalesced on the connector (one notice per 250 ms at most), then at most one event a second.
      const notices = events.at(-1)!.progress.notices as number;
      expect(notices).toBeGreaterThanOrEqual(STEPS / 2);
      expect(notices).toBeLessThanOrEqual(STEPS + 1);
      expect(progress.length).toBeLessThan(notices);
    },
  );

  it('a handler that reports nothing still times out at its 1 s timeout: TIMEOUT, ctx.signal aborted', { timeout: 60_000 }, async () => {
    const { workspace, silent } = await setUp();
    const answer = await admin(workspace, 'POST', 'connectors/importer/call', { method: 'crunch', args: {}, timeoutMs: TIMEOUT_MS });
    expect(answer.status, JSON.stringify(answer.body)).toBe(504);
    expect(answer.body.error.code).toBe('TIMEOUT');
    expect(answer.body.error.message).toBe(`connector "importer" did not answer "crunch" within ${TIMEOUT_MS} ms`);
    await vi.waitFor(() => expect(silent.reason).toBeInstanceOf(ConnectorError), { timeout: 10_000 });
    expect(silent.reason).toMatchObject({ code: 'TIMEOUT' });
    expect(silent.finished).toBeUndefined();
    const feed = await admin(workspace, 'GET', 'connectors/importer/activity?tail=100&follow=false');
    expect((feed.body.events as Array<{ type: string }>).filter((e) => e.type === 'progress')).toEqual([]);
  });

  it(
    'an ALOMA-style v1 connector (raw ws, nothing negotiated) gets v1 queries, and a progress notice it sends anyway moves nothing',
    { timeout: 60_000 },
    async () => {
      const workspace = await freshWorkspace();
      const added = await admin(workspace, 'POST', 'connectors', { name: 'aloma', connectorId: 'aloma-v1' });
      expect(added.status).toBe(201);
      // §2 as a v1 connector does it: register without "protocol", connect with {}, then the socket.
      const device = (path: string, secret: string, body: unknown) =>
        fetch(new URL(path, workspace.deviceEndpoint), {
          method: 'POST',
          headers: { authorization: `Connector ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
      const registered = await device('register', added.body.registrationToken as string, {
        deployment: '',
        name: 'aloma-1',
        version: '1.0.0',
        id: 'aloma-v1',
        publicKey: null,
        schema: { configSchema: { fields: {} }, introspect: 'declare function work(args: {}): Promise<{}>;\n' },
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(200);
      expect(registered.body.protocol).toBeUndefined();
      const key = registered.body.key as string;
      const connected = await device('connect', key, {});
      expect(connected.status).toBe(200);
      expect(connected.body.protocol).toBeUndefined();

      const received: Packet[] = [];
      const v1 = new WebSocket(workspace.websocketEndpoint, ['connector'], { headers: { authorization: `Connector ${key}` } });
      socket = v1;
      v1.on('message', (data) => {
        for (const packet of (JSON.parse(data.toString()) as { p: Packet[] }).p) {
          received.push(packet);
          // It does not answer `work`, but says it is busy as if progress were known: nothing negotiated it.
          if (packet.m === 'connector.query' && packet.a?.query === 'work') {
            v1.send(JSON.stringify({ p: [{ id: `v1-${received.length}`, m: 'connector.progress', a: { c: packet.c, done: 1 } }] }));
          }
          if (packet.m === 'connector.query' && packet.a?.query === 'hello') {
            v1.send(JSON.stringify({ p: [{ id: `v1-${received.length}`, c: packet.c, a: { hi: true } }] }));
          }
        }
      });
      await new Promise((resolve, reject) => v1.once('open', resolve).once('error', reject));
      await vi.waitFor(() => expect(workspace.hub.online('aloma')).toHaveLength(1), { timeout: 20_000 });
      expect(workspace.hub.online('aloma')[0]!.features).toEqual([]);

      const answer = await admin(workspace, 'POST', 'connectors/aloma/call', { method: 'work', args: {}, timeoutMs: 500 });
      expect(answer.status, JSON.stringify(answer.body)).toBe(504);
      expect(answer.body.error.message).toBe('connector "aloma" did not answer "work" within 500 ms');
      // A later call's answer comes after everything sent before it on the socket.
      expect((await admin(workspace, 'POST', 'connectors/aloma/call', { method: 'hello', args: {} })).body).toEqual({
        result: { hi: true },
      });

      // v1's members only (§4): no timeoutMs, no maxTimeoutMs; no cancel, no answer to the notice.
      const queries = received.filter((p) => p.m === 'connector.query').map((p) => p.a);
      expect(queries).toEqual([
        { query: 'work', variables: {} },
        { query: 'hello', variables: {} },
      ]);
      expect(received.filter((p) => p.m !== 'connector.query' && p.m !== 'connector.set-config')).toEqual([]);
      const feed = await admin(workspace, 'GET', 'connectors/aloma/activity?tail=100&follow=false');
      const events = feed.body.events as Array<Record<string, unknown>>;
      expect(events.filter((e) => e.type === 'progress')).toEqual([]);
      expect(events.filter((e) => e.type === 'call').every((e) => !('progress' in e) && !('call' in e))).toBe(true);
    },
  );
});
