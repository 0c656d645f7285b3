/**
 * Issue 13 finding 6: two connector processes with one CONNECTOR_KEY replaced each other's
 * socket 13 times in 20 s and 9 of 60 calls failed. Now the process whose socket is alive keeps
 * it, the other is refused (409, CONNECTOR_KEY_IN_USE) and retries, and takes over only once
 * the first is gone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Workspace } from '@connector-kit/workspace';
import { startTestWorkspace, tempDir, type ConnectorProcess } from './helpers.js';
import { addReplicaConnector, spawnReplica } from './replica-helpers.js';

type Outcome = { n: number; pid?: number; code?: string };

describe('two processes with one connector key', () => {
  const dir = tempDir('ck-one-key-');
  let ws: Workspace | undefined;
  const processes: ConnectorProcess[] = [];
  let log = '';
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    }),
  );

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await ws?.close();
    dir.remove();
  });

  it(
    'keeps the live socket under calls, refuses the other process clearly, and hands over when the first dies',
    { timeout: 120_000 },
    async () => {
      ws = await startTestWorkspace(join(dir.path, 'workspace'), { logger });
      const workspace = ws;
      const token = await addReplicaConnector(workspace, 'twin');
      const stateDir = join(dir.path, 'state');
      const base = { DEVICE_ENDPOINT: workspace.deviceEndpoint, WEBSOCKET_ENDPOINT: workspace.websocketEndpoint, HOSTNAME: 'twin' };

      // 1. The first process registers and keeps its key in its state folder.
      const first = spawnReplica({ ...base, REGISTRATION_TOKEN: token, CONNECTOR_STATE_DIR: stateDir });
      processes.push(first);
      await vi.waitFor(() => expect(workspace.hub.online('twin'), first.output()).toHaveLength(1), { timeout: 30_000, interval: 50 });
      const [file] = readdirSync(stateDir);
      const key = (JSON.parse(readFileSync(join(stateDir, file!), 'utf8')) as { key: string }).key;
      const instance = workspace.hub.online('twin')[0]!.id;

      // 2. A second process with the same CONNECTOR_KEY, retrying fast (backoff cap 500 ms).
      const second = spawnReplica({ ...base, CONNECTOR_KEY: key, CONNECTOR_STATE_DIR: '', BACKOFF_CAP_MS: '500' });
      processes.push(second);
      await vi.waitFor(() => expect(second.output()).toContain('CONNECTOR_KEY'), { timeout: 30_000, interval: 50 });
      expect(second.output()).toContain('another process is connected with this connector key');
      expect(second.output()).not.toContain(key);

      // 3. 60 calls while the second keeps trying: every one answered by the first.
      const call = (n: number): Promise<Outcome> =>
        workspace.hub.call('twin', 'work', { n }, { timeoutMs: 30_000 }).then(
          (result) => result as Outcome,
          (error: { code?: string }) => ({ n, code: error.code ?? 'UNTYPED' }),
        );
      const refusalsBefore = countLines(log, 'refused a second socket');
      const outcomes: Outcome[] = [];
      for (let n = 0; n < 60; n++) {
        outcomes.push(await call(n));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(outcomes.filter((o) => o.code !== undefined)).toEqual([]);
      expect(new Set(outcomes.map((o) => o.pid))).toEqual(new Set([first.child.pid]));
      // The second really tried meanwhile, and never got the socket: no flapping.
      expect(countLines(log, 'refused a second socket')).toBeGreaterThan(refusalsBefore);
      expect(connectedLines(log, instance)).toBe(1);
      expect(workspace.hub.online('twin')).toHaveLength(1);

      // 4. The first dies: the second takes over, and calls reach it.
      first.child.kill('SIGKILL');
      await vi.waitFor(
        async () => {
          const outcome = await call(1000);
          expect(outcome.pid, second.output()).toBe(second.child.pid);
        },
        { timeout: 30_000, interval: 100 },
      );
      expect(workspace.hub.online('twin')).toHaveLength(1);
      expect(connectedLines(log, instance)).toBe(2);
    },
  );
});

function countLines(log: string, text: string): number {
  return log.split('\n').filter((line) => line.includes(text)).length;
}

function connectedLines(log: string, instance: string): number {
  return log.split('\n').filter((line) => line.includes('"instance connected"') && line.includes(`"instance":"${instance}"`)).length;
}
