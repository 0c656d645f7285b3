/**
 * Reliability items 4 and 5: the connection between a connector process and the workspace is
 * cut 20 times (a TCP proxy resets every connection, as a crashed workspace host would) while
 * calls are in flight. Every call ends with its own result or a typed error within its
 * deadline, nothing runs twice, the request table ends empty; and tasks created with
 * idempotency keys, retried by their callers, end up exactly once each.
 *
 * Every random choice (each call's delay, when each cut comes, the connector's reconnect jitter)
 * comes from one seeded generator. The seed is printed; `CHAOS_SEED=<n>` replays those choices
 * (the machine's scheduling still varies from run to run).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { admin, startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addReplicaConnector, readLedger, spawnReplica } from './replica-helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { seedFrom, seededRandom } from './support/prng.mjs';

const CUTS = 20;
const CALL_TIMEOUT_MS = 10_000;
/** What a call may end with besides its result: lost with the socket, timed out, or made while the connector was away. */
const TYPED = new Set(['CONNECTION_LOST', 'TIMEOUT', 'CONNECTOR_OFFLINE']);
const SEED = seedFrom('CHAOS_SEED');
const random = seededRandom(SEED);
/** Names the seed in failure messages, so a failing run can be replayed. */
const replay = `CHAOS_SEED=${SEED}`;

describe('chaos: the link cut 20 times under load', () => {
  const dir = tempDir('ck-chaos-');
  let ws: Workspace | undefined;
  let proxy: TcpProxy | undefined;
  let connector: ConnectorProcess | undefined;

  afterAll(async () => {
    await connector?.stop('SIGKILL');
    await proxy?.close();
    await ws?.close();
    dir.remove();
  });

  it(
    'ends every call with its own result or a typed error, runs nothing twice, and loses or doubles no task',
    { timeout: 240_000 },
    async () => {
      console.info(`chaos: seed ${SEED} (${replay} replays this run's random choices)`);
      ws = await startTestWorkspace(join(dir.path, 'workspace'));
      const workspace = ws;
      proxy = await startTcpProxy(Number(new URL(workspace.url).port));
      const ledger = join(dir.path, 'ledger.txt');
      connector = spawnReplica({
        DEVICE_ENDPOINT: `http://127.0.0.1:${proxy.port}/`,
        WEBSOCKET_ENDPOINT: `ws://127.0.0.1:${proxy.port}/transport/`,
        REGISTRATION_TOKEN: await addReplicaConnector(workspace, 'chaos'),
        HOSTNAME: 'chaos-1',
        LEDGER: ledger,
        // Twenty cuts in a row push the full-jitter backoff toward its cap (30 s by default).
        BACKOFF_CAP_MS: '1000',
        // The connector's reconnect jitter, from the same seed.
        BACKOFF_SEED: String(Math.floor(random() * 2 ** 32)),
      });
      const online = (): Promise<void> =>
        vi.waitFor(() => expect(workspace.hub.online('chaos'), connector!.output()).toHaveLength(1), { timeout: 30_000, interval: 10 });
      await online();

      // 1. 1,000 calls of 0-200 ms, 50 per round; each round cuts the link while they run.
      const calls: Array<Promise<{ n: number; result?: { n: number }; code?: string; ms: number }>> = [];
      const call = (n: number) => {
        const t0 = performance.now();
        return workspace.hub.call('chaos', 'work', { n, delayMs: Math.floor(random() * 200) }, { timeoutMs: CALL_TIMEOUT_MS }).then(
          (result) => ({ n, result: result as { n: number }, ms: performance.now() - t0 }),
          (error: { code?: string }) => ({ n, code: error.code ?? 'UNTYPED', ms: performance.now() - t0 }),
        );
      };
      for (let round = 0; round < CUTS; round++) {
        await online();
        for (let i = 0; i < 50; i++) calls.push(call(round * 50 + i));
        await sleep(20 + random() * 80);
        proxy.cut();
      }
      const outcomes = await Promise.all(calls);
      expect(outcomes).toHaveLength(CUTS * 50);
      for (const o of outcomes) {
        if (o.code === undefined)
          expect(o.result, `call ${o.n} got another call's answer (${replay})`).toEqual({ n: o.n, pid: connector.child.pid });
        else expect(TYPED.has(o.code), `call ${o.n} failed with ${o.code} (${replay})`).toBe(true);
        expect(o.ms, `call ${o.n} took ${o.ms} ms (${replay})`).toBeLessThan(CALL_TIMEOUT_MS + 2_000);
      }
      const answered = outcomes.filter((o) => o.code === undefined).length;
      const lost = outcomes.filter((o) => o.code === 'CONNECTION_LOST').length;
      // The cuts really hit calls in flight, and most calls still made it.
      expect(lost).toBeGreaterThan(0);
      expect(answered).toBeGreaterThan(0);
      expect(workspace.hub.pendingCount).toBe(0);
      // No silent replay (item 5): `work` is not idempotent, so no call ran twice.
      for (const [n, ran] of readLedger(ledger)) expect(ran, `call ${n} ran ${ran.length} times (${replay})`).toHaveLength(1);

      // 2. 200 tasks made through calls while the link is cut 10 more times; a caller whose call
      //    failed calls again with the same n, so the connector sends the same idempotency key.
      const makeTask = async (n: number): Promise<string> => {
        for (let attempt = 0; attempt < 50; attempt++) {
          try {
            const { id } = (await workspace.hub.call('chaos', 'task', { n }, { timeoutMs: CALL_TIMEOUT_MS })) as { id: string };
            return id;
          } catch (error) {
            const code = (error as { code?: string }).code ?? 'UNTYPED';
            if (!TYPED.has(code)) throw error;
            if (code === 'CONNECTOR_OFFLINE') await online();
          }
        }
        throw new Error(`task ${n} never made it (${replay})`);
      };
      const tasks = Array.from({ length: 200 }, (_, n) => makeTask(n));
      for (let cut = 0; cut < 10; cut++) {
        await sleep(30 + random() * 100);
        proxy.cut();
        await online();
      }
      const ids = await Promise.all(tasks);
      expect(new Set(ids).size).toBe(200);
      const listed = await admin(workspace, 'GET', 'tasks?connector=chaos&limit=10000');
      const names = (listed.body.tasks as Array<{ name: string }>).map((t) => t.name);
      // The ledger of tasks: every n once, none twice.
      expect(names).toHaveLength(200);
      expect(new Set(names)).toEqual(new Set(Array.from({ length: 200 }, (_, n) => `chaos ${n}`)));

      // 3. Afterwards: one socket, nothing pending, and the connector still serves.
      await online();
      expect([...workspace.hub.connectionList()]).toHaveLength(1);
      expect(await workspace.hub.call('chaos', 'work', { n: -1 }, { timeoutMs: CALL_TIMEOUT_MS })).toEqual({
        n: -1,
        pid: connector.child.pid,
      });
      expect(workspace.hub.pendingCount).toBe(0);
    },
  );
});
