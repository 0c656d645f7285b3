/**
 * Issue 13 finding 3: a black-holed network heals in seconds. A TCP proxy between a connector
 * and the workspace drops everything for a while (test/tcp-proxy.ts: no RST, no FIN; the
 * connections open when it began stay dead, as behind a NAT that lost its state). Both sides
 * find the dead socket within ping interval + tolerance; the HTTP steps of §2 and the WebSocket
 * handshake are bounded (and POST /connect hedged), so the connector serves again at most 5 s
 * after the network heals, with the default time-outs.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineConnector, defineMethod, runConnector, z, type RunningConnector } from '@connector-kit/sdk';
import type { Workspace } from '@connector-kit/workspace';
import { admin, startTestWorkspace, tempDir } from './helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const INTERVAL_MS = 500;
const TOLERANCE_MS = 1_000;
/** Slack on top of a detection bound: timers of a busy two-core machine run late. */
const SLACK_MS = 3_000;
/** The goal: serving again at most this long after the network heals. */
const HEALED_WITHIN_MS = 5_000;

const echo = defineConnector({
  id: 'blackhole',
  name: 'Black hole',
  methods: { work: defineMethod({ description: 'Answers n', input: z.object({ n: z.number() }), handler: ({ n }) => ({ n }) }) },
});

describe('a black-holed network (issue 13 finding 3)', () => {
  const dir = tempDir('ck-blackhole-');
  let ws: Workspace | undefined;
  let proxy: TcpProxy | undefined;
  let running: RunningConnector | undefined;

  afterEach(async () => {
    await running?.stop();
    await proxy?.close();
    await ws?.close();
    running = proxy = ws = undefined;
  });

  /** A workspace, a proxy in front of it, and a connector connected through the proxy with default HTTP time-outs. */
  async function setUp(name: string) {
    ws = await startTestWorkspace(join(dir.path, name), { heartbeatIntervalMs: INTERVAL_MS, heartbeatToleranceMs: TOLERANCE_MS });
    const workspace = ws;
    proxy = await startTcpProxy(Number(new URL(workspace.url).port));
    const added = await admin(workspace, 'POST', 'connectors', { name, connectorId: 'blackhole' });
    running = runConnector(echo, {
      env: {
        DEVICE_ENDPOINT: `http://127.0.0.1:${proxy.port}/`,
        WEBSOCKET_ENDPOINT: `ws://127.0.0.1:${proxy.port}/transport/`,
        REGISTRATION_TOKEN: added.body.registrationToken as string,
        HOSTNAME: `${name}-1`,
      },
      logger: pino({ level: 'silent' }),
      handleSignals: false,
      // Small liveness windows; the time-outs of the HTTP steps and the handshake stay at their defaults.
      link: { pingIntervalMs: INTERVAL_MS, deadAfterMs: INTERVAL_MS + TOLERANCE_MS },
    });
    await running.ready;
    await vi.waitFor(() => expect(workspace.hub.online(name)).toHaveLength(1));
    let n = 0;
    /** Waits until the instance is listed again and a call made then is answered; resolves when it is. */
    const servedAgain = async (): Promise<number> => {
      await vi.waitFor(() => expect(workspace.hub.online(name)).toHaveLength(1), { timeout: 60_000, interval: 5 });
      await workspace.hub.call(name, 'work', { n: ++n }, { timeoutMs: 10_000 });
      return performance.now();
    };
    await servedAgain();
    return { workspace, proxy, link: running.runtime.link, servedAgain };
  }

  it(
    'finds the dead socket on both sides within interval + tolerance, and serves again within 5 s of the network healing',
    { timeout: 120_000 },
    async () => {
      const { workspace, proxy, link, servedAgain } = await setUp('hole');
      const closes: number[] = [];
      link.on('close', () => closes.push(performance.now()));
      // Traffic flows while the hole opens: calls from the workspace, notices from the connector.
      const calls = setInterval(() => void workspace.hub.call('hole', 'work', { n: 0 }, { timeoutMs: 60_000 }).catch(() => undefined), 100);
      const notices = setInterval(() => link.notify('connector.health.check', { ok: true, error: null }), 100);
      try {
        proxy.blackhole();
        const holeAt = performance.now();
        await vi.waitFor(() => expect(workspace.hub.online('hole')).toHaveLength(0), { timeout: 30_000, interval: 5 });
        expect(performance.now() - holeAt).toBeLessThan(INTERVAL_MS + TOLERANCE_MS + SLACK_MS);
        await vi.waitFor(() => expect(closes).toHaveLength(1), { timeout: 30_000, interval: 5 });
        expect(closes[0]! - holeAt).toBeLessThan(INTERVAL_MS + TOLERANCE_MS + SLACK_MS);
        // The connector is trying again, into the hole.
        await vi.waitFor(() => expect(proxy.held).toBeGreaterThanOrEqual(1), { timeout: 30_000, interval: 5 });
        expect(link.state).toBe('connecting');
      } finally {
        clearInterval(calls);
        clearInterval(notices);
      }
      proxy.heal();
      const healedAt = performance.now();
      expect((await servedAgain()) - healedAt).toBeLessThan(HEALED_WITHIN_MS);
      expect(workspace.hub.pendingCount).toBe(0);
    },
  );

  it(
    'serves again within 5 s when the path of a POST /connect in flight dies: a fresh connection takes over',
    { timeout: 120_000 },
    async () => {
      const { proxy, servedAgain } = await setUp('lost-connect');
      // The next POST /connect is the first thing lost: its connection never carries a byte again.
      const holed = proxy.blackholeWhen('POST /connect');
      proxy.cut();
      await holed;
      // The rest of the network is fine again at once; only that one connection is gone.
      proxy.heal();
      const healedAt = performance.now();
      expect((await servedAgain()) - healedAt).toBeLessThan(HEALED_WITHIN_MS);
    },
  );
});
