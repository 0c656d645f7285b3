/**
 * Reliability item 8: three connector processes with one registration token. Each call runs on
 * exactly one of them; SIGKILL one under load and new calls go to the others, once the
 * workspace has noticed (for a killed process, the kernel closes its socket at once).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addReplicaConnector, readLedger, spawnReplica } from './replica-helpers.js';

type Outcome = { n: number; pid?: number; code?: string };

describe('three replicas of one connector', () => {
  const dir = tempDir('ck-replicas-');
  let ws: Workspace | undefined;
  const replicas: ConnectorProcess[] = [];

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await ws?.close();
    dir.remove();
  });

  it(
    'runs each call on exactly one replica, and moves calls to the others when one is killed under load',
    { timeout: 120_000 },
    async () => {
      ws = await startTestWorkspace(join(dir.path, 'workspace'));
      const workspace = ws;
      const token = await addReplicaConnector(workspace, 'replica');
      const ledger = join(dir.path, 'ledger.txt');
      for (let i = 0; i < 3; i++) {
        replicas.push(
          spawnReplica({
            DEVICE_ENDPOINT: workspace.deviceEndpoint,
            WEBSOCKET_ENDPOINT: workspace.websocketEndpoint,
            REGISTRATION_TOKEN: token,
            HOSTNAME: `replica-${i}`,
            LEDGER: ledger,
          }),
        );
      }
      await vi.waitFor(() => expect(workspace.hub.online('replica'), replicas.map((r) => r.output()).join('\n')).toHaveLength(3), {
        timeout: 30_000,
        interval: 50,
      });
      const call = (n: number, delayMs: number): Promise<Outcome> =>
        workspace.hub.call('replica', 'work', { n, delayMs }, { timeoutMs: 30_000 }).then(
          (result) => result as Outcome,
          (error: { code?: string }) => ({ n, code: error.code ?? 'UNTYPED' }),
        );

      // 1. 300 calls, 30 at a time: every one answered, by its own n, and all three replicas work.
      const first: Outcome[] = [];
      for (let n = 0; n < 300; n += 30) first.push(...(await Promise.all(Array.from({ length: 30 }, (_, i) => call(n + i, 5)))));
      expect(first.filter((o) => o.code !== undefined)).toEqual([]);
      first.forEach((o, n) => expect(o.n).toBe(n));
      const pids = replicas.map((r) => r.child.pid!);
      expect(new Set(first.map((o) => o.pid))).toEqual(new Set(pids));

      // 2. Under load (40 calls in flight, 50 ms each), SIGKILL one replica.
      const second: Array<Promise<Outcome>> = [];
      let next = 1000;
      let killedAt = 0;
      let detectedAt = 0;
      const victim = replicas[0]!;
      const load = (async () => {
        while (next < 1600) {
          second.push(call(next++, 50));
          if (second.length % 40 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
          if (next === 1200) {
            victim.child.kill('SIGKILL');
            killedAt = performance.now();
          }
          if (killedAt > 0 && detectedAt === 0 && workspace.hub.online('replica').length === 2) detectedAt = performance.now();
        }
      })();
      await load;
      const outcomes = await Promise.all(second);
      await vi.waitFor(() => expect(workspace.hub.online('replica')).toHaveLength(2), { timeout: 30_000 });
      if (detectedAt === 0) detectedAt = performance.now();
      // Within the detection window (ping interval + tolerance); a killed process's socket closes at once.
      expect(detectedAt - killedAt).toBeLessThan(25_000);

      // Calls either answered or failed typed: only those in flight on the killed replica may fail.
      const failed = outcomes.filter((o) => o.code !== undefined);
      expect(new Set(failed.map((o) => o.code))).toEqual(failed.length === 0 ? new Set() : new Set(['CONNECTION_LOST']));
      const victimPid = victim.child.pid!;
      const survivors = new Set(pids.filter((p) => p !== victimPid));
      // Calls made after the workspace noticed ran on the survivors only, and all succeeded.
      const late = await Promise.all(Array.from({ length: 100 }, (_, i) => call(2000 + i, 5)));
      expect(late.filter((o) => o.code !== undefined)).toEqual([]);
      expect(new Set(late.map((o) => o.pid))).toEqual(survivors);

      // 3. The ledger: no call ran twice, and every answered call ran exactly once, where it said.
      const runs = readLedger(ledger);
      for (const [n, ran] of runs) expect(ran, `call ${n} ran on ${ran.join(', ')}`).toHaveLength(1);
      for (const o of [...first, ...outcomes, ...late]) if (o.code === undefined) expect(runs.get(o.n)).toEqual([o.pid]);
      expect(workspace.hub.pendingCount).toBe(0);
    },
  );
});
