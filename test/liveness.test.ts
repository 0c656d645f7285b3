/**
 * Reliability item 3 under traffic (issue 13, finding 2): a peer frozen with SIGSTOP is found
 * within ping interval + tolerance while traffic flows, because each side counts only what it
 * receives. The frozen connector leaves the workspace's lists at once and its calls fail with
 * CONNECTION_LOST (not at their deadline); a frozen workspace is dropped by the connector, which
 * serves again once the workspace thaws. Small intervals come from the options; the only timing
 * asserted is the detection bound those options imply, with slack for a loaded machine.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineConnector, defineMethod, runConnector, z, type RunningConnector } from '@connector-kit/sdk';
import type { Workspace } from '@connector-kit/workspace';
import { startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addReplicaConnector, spawnReplica } from './replica-helpers.js';
import { spawnWorkspace, type WorkspaceProcess } from './workspace-process.js';

const INTERVAL_MS = 500;
const TOLERANCE_MS = 1_000;
/** Slack on top of a detection bound: timers of a busy two-core machine run late. */
const SLACK_MS = 3_000;

type Outcome = { n: number; code?: string; ms: number; after: number };

/** Calls `call(n)` once a second; `outcomes` fills as they settle, `stop()` ends the flow. */
function oneCallPerSecond(call: (n: number) => Promise<unknown>) {
  const outcomes: Outcome[] = [];
  const settled: Array<Promise<void>> = [];
  let n = 0;
  const fire = (): void => {
    const mine = n++;
    const sent = performance.now();
    settled.push(
      call(mine).then(
        () => void outcomes.push({ n: mine, ms: performance.now() - sent, after: sent }),
        (error: { code?: string; name?: string }) =>
          void outcomes.push({ n: mine, code: error.code ?? error.name ?? 'UNTYPED', ms: performance.now() - sent, after: sent }),
      ),
    );
  };
  fire();
  const timer = setInterval(fire, 1_000);
  return {
    outcomes,
    answeredSince: (t: number) => outcomes.filter((o) => o.code === undefined && o.after >= t).length,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(settled);
      return outcomes.sort((a, b) => a.n - b.n);
    },
  };
}

describe('liveness under traffic (reliability.md item 3)', () => {
  const dir = tempDir('ck-liveness-');
  let ws: Workspace | undefined;
  let connector: ConnectorProcess | undefined;
  let workspaceProcess: WorkspaceProcess | undefined;
  let running: RunningConnector | undefined;

  afterEach(async () => {
    connector?.child.kill('SIGCONT');
    await connector?.stop('SIGKILL');
    await running?.stop();
    await workspaceProcess?.kill();
    await ws?.close();
    connector = running = workspaceProcess = ws = undefined;
  });

  it(
    'drops a connector frozen with SIGSTOP within interval + tolerance under 1 call/s, fails its calls with CONNECTION_LOST at once, and serves again once it thaws',
    { timeout: 120_000 },
    async () => {
      ws = await startTestWorkspace(join(dir.path, 'frozen-connector'), {
        heartbeatIntervalMs: INTERVAL_MS,
        heartbeatToleranceMs: TOLERANCE_MS,
      });
      const workspace = ws;
      connector = spawnReplica({
        DEVICE_ENDPOINT: workspace.deviceEndpoint,
        WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
        REGISTRATION_TOKEN: await addReplicaConnector(workspace, 'frozen'),
        HOSTNAME: 'frozen-1',
        BACKOFF_CAP_MS: '500',
      });
      const online = (count: number) =>
        vi.waitFor(() => expect(workspace.hub.online('frozen'), connector!.output()).toHaveLength(count), {
          timeout: 30_000,
          interval: 5,
        });
      await online(1);

      // 1. Calls at 1/s with a deadline far beyond the detection window.
      const flow = oneCallPerSecond((n) => workspace.hub.call('frozen', 'work', { n }, { timeoutMs: 60_000 }));
      await vi.waitFor(() => expect(flow.answeredSince(0)).toBeGreaterThanOrEqual(2), { timeout: 30_000 });

      // 2. Freeze it: its kernel keeps taking the workspace's pings and calls, it answers nothing.
      connector.child.kill('SIGSTOP');
      const frozenAt = performance.now();
      await online(0);
      const goneAfter = performance.now() - frozenAt;
      expect(goneAfter).toBeLessThan(INTERVAL_MS + TOLERANCE_MS + SLACK_MS);
      const lost = () => flow.outcomes.filter((o) => o.code === 'CONNECTION_LOST');
      await vi.waitFor(() => expect(lost().length).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
      // Failed when the socket was dropped, not at their 60 s deadline.
      for (const o of lost()) expect(o.ms).toBeLessThan(INTERVAL_MS + TOLERANCE_MS + SLACK_MS);

      // 3. Thawed, it notices its socket is gone, reconnects, and serves the calls that follow.
      connector.child.kill('SIGCONT');
      const thawedAt = performance.now();
      await online(1);
      await vi.waitFor(() => expect(flow.answeredSince(thawedAt)).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
      const outcomes = await flow.stop();

      // Every call ended with its result or a typed error, none at its deadline.
      const codes = new Set(outcomes.filter((o) => o.code !== undefined).map((o) => o.code));
      for (const code of codes) expect(['CONNECTION_LOST', 'CONNECTOR_OFFLINE']).toContain(code);
      expect(workspace.hub.pendingCount).toBe(0);
    },
  );

  it(
    'drops a workspace frozen with SIGSTOP within interval + tolerance while the connector keeps sending, and serves again once it thaws',
    { timeout: 120_000 },
    async () => {
      workspaceProcess = await spawnWorkspace(join(dir.path, 'frozen-workspace'), {
        HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS),
        HEARTBEAT_TOLERANCE_MS: String(TOLERANCE_MS),
      });
      const wp = workspaceProcess;
      const added = await wp.admin('POST', 'connectors', { name: 'thaw', connectorId: 'thaw' });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      const deadAfterMs = INTERVAL_MS + TOLERANCE_MS;
      running = runConnector(
        defineConnector({
          id: 'thaw',
          name: 'Thaw',
          methods: {
            work: defineMethod({ description: 'Answers n', input: z.object({ n: z.number() }), handler: ({ n }) => ({ n }) }),
          },
        }),
        {
          env: {
            DEVICE_ENDPOINT: wp.deviceEndpoint,
            WEBSOCKET_ENDPOINT: wp.websocketEndpoint,
            REGISTRATION_TOKEN: added.body.registrationToken as string,
            HOSTNAME: 'thaw-1',
          },
          logger: pino({ level: 'silent' }),
          handleSignals: false,
          link: { pingIntervalMs: INTERVAL_MS, deadAfterMs, backoff: { capMs: 500 } },
        },
      );
      const link = running.runtime.link;
      await running.ready;
      const closes: number[] = [];
      link.on('close', () => closes.push(performance.now()));

      // 1. Calls at 1/s through the workspace's admin API; the connector also writes on its own
      //    (health notices), which must not count as a sign of the workspace's life.
      const flow = oneCallPerSecond(async (n) => {
        const answer = await wp.admin('POST', 'connectors/thaw/call', { method: 'work', args: { n }, timeoutMs: 20_000 }, 25_000);
        if (answer.status !== 200) throw Object.assign(new Error(JSON.stringify(answer.body)), { code: answer.body?.error?.code });
      });
      await vi.waitFor(() => expect(flow.answeredSince(0)).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
      const notices = setInterval(() => link.notify('connector.health.check', { ok: true, error: null }), 50);

      // 2. Freeze the workspace: its kernel keeps accepting the connector's bytes.
      try {
        wp.child.kill('SIGSTOP');
        const frozenAt = performance.now();
        await vi.waitFor(() => expect(closes).toHaveLength(1), { timeout: 30_000, interval: 5 });
        expect(closes[0]! - frozenAt).toBeLessThan(deadAfterMs + SLACK_MS);
        expect(link.state).toBe('connecting');

        // 3. Thawed, it takes the connector back, and calls are served again.
        wp.child.kill('SIGCONT');
        const thawedAt = performance.now();
        await vi.waitFor(() => expect(link.state).toBe('open'), { timeout: 30_000 });
        await vi.waitFor(() => expect(flow.answeredSince(thawedAt)).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
      } finally {
        clearInterval(notices);
      }
      const outcomes = await flow.stop();
      // Calls made while it was frozen waited for it (their HTTP requests sat in its kernel);
      // once it ran again each ended with its result or a typed error.
      for (const o of outcomes) if (o.code !== undefined) expect(['CONNECTION_LOST', 'CONNECTOR_OFFLINE']).toContain(o.code);
    },
  );
});
